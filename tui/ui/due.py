"""The due queue (`d`): overdue, today and the next `x-crm.due_days` days, in that order, with the one-key actions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.core.catalog import Summary, due_queue
from tui.ui.browse import customer_bindings
from tui.ui.sync import SYNC_BINDING, SyncStatus
from tui.ui.table import DUE_COLUMNS, CustomerTable

if TYPE_CHECKING:
    from tui.ui.app import CrmApp


def days_text(days: int) -> str:
    return "day" if days == 1 else f"{days} days"


class DueRows:
    """The due queue as rows for the table."""

    def __init__(self, queue: list[tuple[str, Summary]]):
        self.queue = queue
        self._index = {s.id: i for i, (_, s) in enumerate(queue)}

    def __len__(self) -> int:
        return len(self.queue)

    def row(self, index: int) -> Summary:
        return self.queue[index][1]

    def position(self, rid: str) -> int | None:
        return self._index.get(rid)

    def counts(self) -> dict[str, int]:
        out = {"overdue": 0, "today": 0, "soon": 0}
        for state, _ in self.queue:
            out[state] += 1
        return out


class DueScreen(Screen):
    """Who to follow up, most urgent first."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", tooltip="Back to the list"),
        *customer_bindings(),
        Binding("m", "toggle_mine", "Mine/all", tooltip="Only my customers, or everyone's"),
        SYNC_BINDING,
    ]

    DEFAULT_CSS = """
    DueScreen #due-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    """

    app: "CrmApp"

    def __init__(self) -> None:
        super().__init__()
        self.mine = False
        self.rows = DueRows([])

    def compose(self) -> ComposeResult:
        yield Static("", id="due-title", markup=False)
        rules = self.app.ws.rules
        yield CustomerTable(self.rows, DUE_COLUMNS, self.app.today(), rules.birthday_window_days, id="due",
                            due_days=rules.due_days)
        yield SyncStatus(always=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.records_changed()
        self.query_one("#due", CustomerTable).focus()

    def current_id(self) -> str | None:
        return self.query_one("#due", CustomerTable).cursor_id

    def records_changed(self, ids: set[str] | None = None) -> None:
        today = self.app.today()
        owner = self.app.me if self.mine else ""
        if self.mine and not owner:
            owner = "\0nobody"
        days = self.app.ws.rules.due_days
        self.rows = DueRows(due_queue(self.app.listing.summaries(), today, owner, days))
        table = self.query_one("#due", CustomerTable)
        table.source = self.rows
        table.set_today(today)
        table.rows_changed()
        n = self.rows.counts()
        who = "mine" if self.mine else "everyone's"
        self.query_one("#due-title", Static).update(
            f"Due ({who}): {n['overdue']} overdue · {n['today']} today · {n['soon']} in the next {days_text(days)}"
        )

    def action_toggle_mine(self) -> None:
        if not self.app.me and not self.mine:
            self.app.notify("git does not know your email, so no customer is yours; set git config user.email",
                            severity="warning")
        self.mine = not self.mine
        self.records_changed()

    @on(CustomerTable.Chosen)
    def _chosen(self, event: CustomerTable.Chosen) -> None:
        self.app.open_customer(event.rid)
