"""Duplicates (`D`): pairs of customers that are probably one, with score and reasons; `m` merges a pair
(after a confirmation that says which is kept), `s` swaps which one is kept, enter opens a customer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from tui.core.display import printable
from tui.core.duplicates import Match, summaries_matcher
from tui.ui.messages import RecordsChanged, Write
from tui.ui.prompts import ChoiceScreen

if TYPE_CHECKING:
    from tui.ui.app import CrmApp


def pair_text(match: Match, names: dict[str, str], width: int) -> Text:
    """One pair as three or more lines: score and the kept one, the other, then each reason."""
    one = lambda value: printable(value, one_line=True)  # noqa: E731
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{match.score:.2f} ", style="bold")
    text.append(f"keep  {one(names.get(match.keep, match.keep))}  ")
    text.append(f"{one(match.keep)}\n", style="italic")
    text.append("     merge ")
    text.append(f"{one(names.get(match.other, match.other))}  ")
    text.append(f"{one(match.other)}", style="italic")
    for reason in match.reasons:
        text.append(f"\n       · {one(reason)}"[: max(width, 20)])
    return text


def ask_duplicate(app, values: dict, matches: list[Match], names: dict[str, str], create) -> None:
    """Create the new customer at once, or first ask when it looks like one the workspace has."""
    if not matches:
        create()
        return
    best = matches[0]
    lines = [f"{names.get(m.keep, m.keep)} ({m.keep}), score {m.score:.2f}: {'; '.join(m.reasons)}" for m in matches[:5]]

    def answer(key: str | None) -> None:
        if key == "c":
            create()
        elif key == "o":
            app.open_customer(best.keep)

    app.push_screen(ChoiceScreen(
        f"{values.get('name', '')} looks like a customer you have",
        "\n".join(lines) + "\n\nNothing is saved yet. Create it anyway, or open the one you have?",
        [("c", "Create anyway"), ("o", f"Open {names.get(best.keep, best.keep)}"), ("n", "Cancel")],
    ), answer)


class DuplicatesScreen(Screen):
    """Scans the loaded catalog in a worker, and again after each merge."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", tooltip="Back to the list"),
        Binding("m", "merge", "Merge", tooltip="Merge the pair: the other customer goes into the kept one (asks first; one commit)"),
        Binding("s", "swap", "Swap", tooltip="Swap which customer of the pair is kept"),
        Binding("enter", "open", "Open", priority=True, tooltip="Open the kept customer of the pair (o opens the other)"),
        Binding("o", "open_other", "Open other", show=False, tooltip="Open the other customer of the pair"),
        Binding("r", "rescan", "Rescan", show=False, tooltip="Look for duplicates again"),
    ]

    DEFAULT_CSS = """
    DuplicatesScreen #dupes-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    DuplicatesScreen OptionList, DuplicatesScreen OptionList:focus { height: 1fr; border: none; padding: 0 1; }
    """

    app: "CrmApp"

    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[Match] = []

    def compose(self) -> ComposeResult:
        yield Static("Looking for duplicates…", id="dupes-title", markup=False)
        yield OptionList(id="pairs")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.action_rescan()

    def action_rescan(self) -> None:
        self.query_one("#dupes-title", Static).update(f"Looking for duplicates among {self.app.listing.total:,} customers…")
        self.scan(list(self.app.listing.summaries()))

    def records_changed(self, ids: set[str] | None = None) -> None:
        self.action_rescan()

    @work(thread=True, exclusive=True, group="duplicates")
    def scan(self, summaries: list) -> None:
        pairs = summaries_matcher(summaries, self.app.ws.rules).pairs()
        names = {s.id: s.name for s in summaries}
        if not get_current_worker().is_cancelled:  # a newer scan (after a change) is on its way
            self.app.call_from_thread(self.show_pairs, pairs, names)

    def show_pairs(self, pairs: list[Match], names: dict[str, str]) -> None:
        self.pairs = pairs
        self.names = names
        options = self.query_one(OptionList)
        keep = options.highlighted
        options.clear_options()
        width = max(self.size.width - 4, 20)
        options.add_options([Option(pair_text(m, names, width), id=f"{m.keep}+{m.other}") for m in pairs])
        title = self.query_one("#dupes-title", Static)
        if pairs:
            count = len(pairs)
            title.update(f"{count} likely pair{'s' * (count != 1)} · m merges · s swaps which is kept · enter opens")
            options.highlighted = min(keep or 0, count - 1)
        else:
            title.update("No likely duplicates.")

    def current(self) -> Match | None:
        index = self.query_one(OptionList).highlighted
        return self.pairs[index] if index is not None and 0 <= index < len(self.pairs) else None

    def current_id(self) -> str | None:
        match = self.current()
        return match.keep if match else None

    def action_swap(self) -> None:
        match = self.current()
        if match is None:
            return
        index = self.pairs.index(match)
        self.pairs[index] = Match(match.other, match.keep, match.score, match.reasons)
        options = self.query_one(OptionList)
        options.replace_option_prompt_at_index(index, pair_text(self.pairs[index], self.names, max(self.size.width - 4, 20)))

    def action_open(self) -> None:
        match = self.current()
        if match is not None:
            self.app.open_customer(match.keep)

    def action_open_other(self) -> None:
        match = self.current()
        if match is not None:
            self.app.open_customer(match.other)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open()

    def action_merge(self) -> None:
        match = self.current()
        if match is None:
            self.app.notify("No pair selected", severity="warning")
            return
        keep, other = match.keep, match.other
        keep_name, other_name = self.names.get(keep, keep), self.names.get(other, other)

        def answer(key: str | None) -> None:
            if key == "s":
                self.action_swap()
                self.action_merge()
            elif key == "y":
                self.merge(keep, other)

        # The ids in full above, A and B on the buttons: two long ids on buttons do not fit 80 columns.
        self.app.push_screen(ChoiceScreen(
            f"Merge into {keep_name}?",
            f"A, kept: {keep_name} ({keep})\nB, merged into A: {other_name} ({other}); its file is removed.\n\n"
            "Contacts, orders and the log are joined; where the two differ, A's value stays and B's waits in its "
            "conflicts block. One commit; undo in the history (u) puts both back.",
            [("y", "Merge, keep A"), ("s", "Keep B instead"), ("n", "Cancel")],
        ), answer)

    def merge(self, keep: str, other: str) -> None:
        from tui.core.merge_customers import merge_customers

        app = self.app

        def run(digest: str | None):
            return merge_customers(app.ws, keep, other, app.today).change

        def merged(change) -> None:
            app.post_message(RecordsChanged([], [other]))  # the other's file is gone: every screen drops it

        app.submit(Write(keep, run, None, after=merged))
