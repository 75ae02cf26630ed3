"""Deleted customers (`X`, shift+x): who deleted which customer and when, from the history index; `r` or enter
brings the highlighted one back as it was, in one commit (the same as `crm restore ID`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from tui.core.deleted import Deleted, deleted_records, restore
from tui.core.display import printable
from tui.ui.messages import HistoryProgress, Write, history_progress
from tui.ui.sync import SYNC_BINDING, SyncStatus

if TYPE_CHECKING:
    from tui.ui.app import CrmApp


class DeletedLoaded(Message):
    """The deleted customers, newest deletion first (or the error that stopped reading them)."""

    def __init__(self, rows: list[Deleted], error: Exception | None = None) -> None:
        super().__init__()
        self.rows = rows
        self.error = error


def deleted_text(d: Deleted) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append(f"{d.when:%Y-%m-%d %H:%M}", style="bold")
    if d.merged_into:  # first: the one thing to know about this row, kept within 80 columns
        text.append(f"  merged into {d.merged_into}:", style="bold")
    text.append(f"  {printable(d.name, one_line=True)}  ")
    text.append(d.id, style="underline")
    text.append(f"  by {printable(d.email or d.author, one_line=True)}", style="italic")
    return text


class DeletedScreen(Screen):
    """Read in a worker (the history index's first build can take seconds); live after each commit."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", tooltip="Back to the list"),
        Binding("r", "restore", "Restore", tooltip="Bring the deleted customer back as it was (one commit); enter too"),
        SYNC_BINDING,
    ]

    DEFAULT_CSS = """
    DeletedScreen #deleted-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    DeletedScreen OptionList, DeletedScreen OptionList:focus { height: 1fr; border: none; padding: 0 1;
                                                               text-wrap: nowrap; text-overflow: ellipsis; }
    """

    app: "CrmApp"

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Deleted] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Static("Deleted customers · reading the git history…", id="deleted-title", markup=False)
        yield OptionList(id="deleted")
        yield SyncStatus(always=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.load()

    def current_id(self) -> str | None:
        return None  # no customer here to grade or open: they are deleted

    def records_changed(self, ids: set[str] | None = None) -> None:
        if self.loaded:
            self.load()

    @work(thread=True, exclusive=True, group="deleted")
    def load(self) -> None:
        worker = get_current_worker()
        try:
            with self.app.history_lock:
                rows = deleted_records(self.app.ws, history_progress(self.post_message, worker))
        except Exception as exc:  # shown on the screen; never ends the app
            self.post_message(DeletedLoaded([], exc))
            return
        if not worker.is_cancelled:
            self.post_message(DeletedLoaded(rows))

    def on_history_progress(self, message: HistoryProgress) -> None:
        if not self.loaded:
            self.query_one("#deleted-title", Static).update(
                f"Deleted customers · indexing the git history: {message.done:,} of {message.total:,} commits…")

    def on_deleted_loaded(self, message: DeletedLoaded) -> None:
        self.loaded = True
        options = self.query_one(OptionList)
        keep = options.highlighted
        self.rows = message.rows
        options.clear_options()
        options.add_options([Option(deleted_text(d), id=d.id) for d in self.rows])
        title = self.query_one("#deleted-title", Static)
        if message.error is not None:
            title.update(f"Deleted customers · cannot read the history: {printable(message.error, one_line=True)}")
        elif self.rows:
            count = len(self.rows)
            title.update(f"{count} deleted customer{'s' * (count != 1)}, newest first · r or enter brings one back")
        else:
            title.update("No customer was deleted.")
        if self.rows:
            options.highlighted = min(keep or 0, len(self.rows) - 1)

    def action_restore(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is None or not self.rows:
            self.app.notify("No deleted customer selected", severity="warning")
            return
        gone = self.rows[options.highlighted]
        self.app.submit(Write(gone.id, lambda digest: restore(self.app.ws, gone), None))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_restore()
