"""Problems (`p`): every invalid record with its file:line:col messages; enter opens one in $EDITOR."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from tui.core.conflicts import is_conflict
from tui.core.display import printable
from tui.core.editor import position_of
from tui.ui.sync import SYNC_BINDING, SyncStatus

if TYPE_CHECKING:
    from tui.ui.app import CrmApp


class ProblemsScreen(Screen):
    """Stays up while anything is wrong, and empties itself as files are fixed."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", tooltip="Back to the list"),
        Binding("ctrl+e", "fix", "Fix in $EDITOR", tooltip="Open the record in $EDITOR to fix it (enter too)"),
        Binding("r", "app.resolve", "Resolve", tooltip="Settle a conflict a sync left: choose which value wins (one commit)"),
        Binding("h", "app.history", "History", show=False,
                tooltip="The record's history: who changed what and when, the record as of then; u undoes"),
        SYNC_BINDING,
    ]

    DEFAULT_CSS = """
    ProblemsScreen #problems-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    ProblemsScreen OptionList, ProblemsScreen OptionList:focus { height: 1fr; border: none; padding: 0 1; }
    """

    app: "CrmApp"

    def compose(self) -> ComposeResult:
        yield Static("", id="problems-title", markup=False)
        yield OptionList(id="problems")
        yield SyncStatus(always=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.records_changed()
        self.query_one(OptionList).focus()

    def current_id(self) -> str | None:
        options = self.query_one(OptionList)
        if options.highlighted is None or not options.option_count:
            return None
        return options.get_option_at_index(options.highlighted).id.split("#", 1)[0]

    def records_changed(self, ids: set[str] | None = None) -> None:
        options = self.query_one(OptionList)
        keep = self.current_id()
        invalid = sorted((s for s in self.app.listing.summaries() if s.problems), key=lambda s: s.id)
        items = []
        for s in invalid:
            for n, problem in enumerate(s.problems):
                items.append(Option(Text(printable(problem), no_wrap=False), id=f"{s.id}#{n}"))
        options.clear_options()
        options.add_options(items)
        title = self.query_one("#problems-title", Static)
        if invalid:
            count = sum(len(s.problems) for s in invalid)
            hint = " · enter opens $EDITOR at the problem"
            if any(is_conflict(p) for s in invalid for p in s.problems):
                hint += " · r settles a conflict"
            title.update(f"{count} problem{'s' * (count != 1)} in {len(invalid)} record{'s' * (len(invalid) != 1)}{hint}")
        else:
            title.update("No problems: every record is valid.")
        if items:
            ids = [o.id for o in items]
            target = next((i for i, oid in enumerate(ids) if keep and oid.startswith(keep + "#")), 0)
            options.highlighted = target

    def action_fix(self) -> None:
        """$EDITOR at the highlighted problem's line and column."""
        options = self.query_one(OptionList)
        at = None
        if options.highlighted is not None and options.option_count:
            rid, _, n = (options.get_option_at_index(options.highlighted).id or "").partition("#")
            summary = self.app.listing.get(rid)
            if summary is not None and n.isdigit() and int(n) < len(summary.problems):
                at = position_of(summary.problems[int(n)])
        self.app.action_open_editor(at)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_fix()
