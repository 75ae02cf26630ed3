"""History (`h`): one customer's timeline, newest first, field by field, with the record as of the
selected change; `u` undoes the latest change as a new commit.

The timeline comes from tui.core.history in a worker: the history index's first build reads the
whole `git log` (seconds on a big repository), so the screen shows its progress meanwhile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from tui.core.display import printable
from tui.core.history import HistoryEntry, record_history, text_at
from tui.core.undo import undo, undo_target
from tui.ui.messages import (
    HistoryFailed, HistoryLoaded, HistoryProgress, UndoFound, VersionRead, Write, history_progress,
)
from tui.ui.prompts import ChoiceScreen
from tui.ui.sync import SYNC_BINDING, SyncStatus

if TYPE_CHECKING:
    from tui.ui.app import CrmApp

MAX_CHANGE_LINES = 8  # per entry in the list; the version below shows the rest
STATUS_WORDS = {"A": "created", "D": "deleted"}


def what_changed(rid: str, entry: HistoryEntry) -> str:
    """The commit subject without the record id in front (`grade C -> B`)."""
    prefix = f"{rid}: "
    return entry.subject[len(prefix):] if entry.subject.startswith(prefix) else entry.subject


def entry_text(rid: str, entry: HistoryEntry) -> Text:
    """One timeline entry: when, who, what, then its field-level changes, one per line."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append(f"{entry.when:%Y-%m-%d %H:%M}", style="bold")
    text.append(f"  {printable(entry.email or entry.author, one_line=True)}", style="italic")
    text.append(f"  {printable(what_changed(rid, entry), one_line=True)}")
    changes = [printable(c, one_line=True) for c in entry.changes]
    shown = changes if len(changes) <= MAX_CHANGE_LINES else changes[: MAX_CHANGE_LINES - 1]
    for change in shown:
        text.append(f"\n    {change}")
    if len(shown) < len(changes):
        text.append(f"\n    … and {len(changes) - len(shown)} more", style="italic")
    return text


class HistoryScreen(Screen):
    """The timeline of one record; live: read again when the record changes (an undo, a sync)."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", tooltip="Back to where you came from"),
        Binding("u", "undo", "Undo", tooltip="Undo the latest change to this customer, as a new commit (asks first)"),
        SYNC_BINDING,
    ]

    DEFAULT_CSS = """
    HistoryScreen .bar { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    HistoryScreen #entries, HistoryScreen #entries:focus { height: 1fr; border: none; padding: 0 1;
                                                           text-wrap: nowrap; text-overflow: ellipsis; }
    HistoryScreen #version { height: 1fr; padding: 0 1; }
    """

    app: "CrmApp"

    def __init__(self, rid: str) -> None:
        super().__init__()
        self.rid = rid
        self.entries: list[HistoryEntry] = []
        self.loaded = False
        self._texts: dict[str | None, str | None] = {}  # blob -> text, read once
        self._shown: HistoryEntry | None = None
        # What the last undo reverted and its commit: the title says so while that commit is the newest
        # (reloads by the file watcher or a sync keep it); the first load after the undo moves to it.
        self._undone: tuple[str, str] | None = None
        self._to_head = False

    def compose(self) -> ComposeResult:
        yield Static("", id="history-title", classes="bar", markup=False)
        yield OptionList(id="entries")
        yield Static("", id="version-title", classes="bar", markup=False)
        with VerticalScroll(id="version"):
            yield Static("", id="version-text", markup=False)
        yield SyncStatus(always=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#entries", OptionList).focus()
        self._title(f"reading the history of records/{self.rid}.yaml…")
        self.load()

    def current_id(self) -> str | None:
        return self.rid

    @property
    def customer(self) -> str:
        summary = self.app.listing.get(self.rid)
        return summary.name if summary is not None and summary.name else self.rid

    def _title(self, note: str) -> None:
        title = Text(f"History of {printable(self.customer, one_line=True)} · {note}", no_wrap=True, overflow="ellipsis", end="")
        self.query_one("#history-title", Static).update(title)

    # ------------------------------------------------------------ loading, in a worker

    @work(thread=True, exclusive=True, group="history")
    def load(self) -> None:
        """The record's timeline with field-level changes (the index is built or updated first)."""
        worker = get_current_worker()
        try:
            with self.app.history_lock:
                entries = record_history(self.app.ws, self.rid, progress=history_progress(self.post_message, worker))
        except Exception as exc:  # shown on the screen and as a notification; never ends the app
            if not worker.is_cancelled:
                self.post_message(HistoryFailed(self.rid, exc))
            return
        if not worker.is_cancelled:
            self.post_message(HistoryLoaded(self.rid, entries))

    def on_history_progress(self, message: HistoryProgress) -> None:
        if not self.loaded:
            self._title(f"indexing the git history: {message.done:,} of {message.total:,} commits…")

    def on_history_failed(self, message: HistoryFailed) -> None:
        self.loaded = True
        self.entries = []
        self.query_one("#entries", OptionList).clear_options()
        self._title("no history")
        self.query_one("#version-title", Static).update("")
        self.query_one("#version-text", Static).update(printable(message.error))
        self.app.notify(str(message.error), severity="error", timeout=12, markup=False)

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        keep = self._shown.commit if self._shown is not None else None
        self.loaded = True
        self.entries = message.entries
        options = self.query_one("#entries", OptionList)
        options.clear_options()
        options.add_options([Option(entry_text(self.rid, e), id=e.commit) for e in self.entries])
        count = len(self.entries)
        head = self.entries[0].commit if self.entries else None
        if self._undone is not None and self._undone[1] != head:
            self._undone = None  # a later change is the head now
        note = f"undone: {self._undone[0]}" if self._undone is not None else "u undoes the latest"
        self._title(f"{count} change{'s' * (count != 1)} · {note}")
        if self._to_head:
            keep, self._to_head = None, False  # the undo is the new head: show the record as it is now
        if self.entries:
            index = next((i for i, e in enumerate(self.entries) if e.commit == keep), 0)
            options.highlighted = index
            self.show_version(self.entries[index])

    # ------------------------------------------------------------ the record as of the selected entry

    @on(OptionList.OptionHighlighted, "#entries")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if 0 <= event.option_index < len(self.entries):
            self.show_version(self.entries[event.option_index])

    def show_version(self, entry: HistoryEntry) -> None:
        self._shown = entry
        blob = self._blob(entry)
        if blob in self._texts:
            self._show_text(entry, self._texts[blob])
        else:
            self.query_one("#version-title", Static).update(f"{self._version_title(entry)} · reading…")
            self.read_version(entry)

    @staticmethod
    def _blob(entry: HistoryEntry) -> str | None:
        return entry.old_blob if entry.status == "D" else entry.new_blob

    def _version_title(self, entry: HistoryEntry) -> str:
        when = f"{entry.when:%Y-%m-%d %H:%M}"
        if entry.status == "D":
            return f"Deleted by {entry.short} ({when}); as it was just before"
        return f"As of {entry.short} ({when}, {printable(entry.author, one_line=True)})"

    @work(thread=True, exclusive=True, group="history-version")
    def read_version(self, entry: HistoryEntry) -> None:
        text = text_at(self.app.ws, self._blob(entry))
        self.post_message(VersionRead(entry, text))

    def on_version_read(self, message: VersionRead) -> None:
        self._texts[self._blob(message.entry)] = message.text
        if self._shown is not None and self._shown.commit == message.entry.commit:
            self._show_text(message.entry, message.text)

    def _show_text(self, entry: HistoryEntry, text: str | None) -> None:
        self.query_one("#version-title", Static).update(self._version_title(entry))
        self.query_one("#version-text", Static).update(
            printable(text) if text is not None else "(this version cannot be read from git)")
        self.query_one("#version", VerticalScroll).scroll_home(animate=False)

    # ------------------------------------------------------------ live

    def records_changed(self, ids: set[str] | None = None) -> None:
        if ids is None or self.rid in ids:
            self.load()

    # ------------------------------------------------------------ undo

    def undone(self, what: str, commit: str) -> None:
        """After an undo commit: the reload that follows moves to the new head."""
        self._undone, self._to_head = (what, commit), True
        if self.is_mounted:
            self.load()

    def action_undo(self) -> None:
        if not self.loaded:
            self.app.notify("The history is still being read; try again in a moment")
            return
        self.find_undo()

    @work(thread=True, exclusive=True, group="history-undo")
    def find_undo(self) -> None:
        try:
            with self.app.history_lock:
                target = undo_target(self.app.ws, self.rid)
        except Exception as exc:  # "nothing left to undo", or git's own words
            self.post_message(UndoFound(None, exc))
            return
        self.post_message(UndoFound(target))

    def on_undo_found(self, message: UndoFound) -> None:
        if message.target is None:
            self.app.notify(str(message.error), title="Nothing to undo", severity="error", timeout=12, markup=False)
            return
        target = message.target
        known = next((e for e in self.entries if e.commit == target.commit), target)
        what = what_changed(self.rid, known)
        lines = [f"{known.short} by {known.author} <{known.email}> on {known.when:%Y-%m-%d %H:%M}:"]
        lines += [f"  {change}" for change in known.changes]
        lines.append("")
        lines.append("It is reverted in a new commit; the history keeps both. If a later change touched "
                     "the same field, nothing is written and you are told which.")
        app, rid = self.app, self.rid

        def answer(key: str | None) -> None:
            if key != "y":
                return

            def run(digest: str | None):
                with app.history_lock:
                    return undo(app.ws, rid, app.today, target=target)

            app.submit(Write(rid, run, None, after=lambda change: self.undone(what, change.commit)))

        self.app.push_screen(ChoiceScreen(f"Undo “{what}”?", "\n".join(lines), [("y", "Undo it"), ("n", "Keep it")]),
                             answer)
