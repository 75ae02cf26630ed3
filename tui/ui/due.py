"""The due queue (`d`): every reminder (tui.core.reminders) overdue, today and in the next `x-crm.due_days`
days, in that order, one row a customer with the kinds it has, and the one-key actions."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.core.catalog import Summary
from tui.core.reminders import Reminder, queue
from tui.core.team import view_is_mine
from tui.ui.browse import customer_bindings
from tui.ui.sync import SYNC_BINDING, SyncStatus
from tui.ui.table import Column, CustomerTable, RowContext, _owner, marker

if TYPE_CHECKING:
    from tui.ui.app import CrmApp


def days_text(days: int) -> str:
    return "day" if days == 1 else f"{days} days"


class DueRows:
    """The due queue as rows for the table: one row a customer, at its most urgent reminder."""

    def __init__(self, queue: list[Reminder]):
        self.reminders: dict[str, list[Reminder]] = {}
        for r in queue:
            self.reminders.setdefault(r.id, []).append(r)
        # (state, summary) of each customer's most urgent reminder, in the queue's order
        self.queue = [(found[0].state, found[0].summary) for found in self.reminders.values()]
        self._index = {s.id: i for i, (_, s) in enumerate(self.queue)}

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

    def kinds(self, s: Summary, ctx: RowContext) -> str:
        return ",".join(dict.fromkeys(r.kind for r in self.reminders.get(s.id, ())))

    def about(self, s: Summary, ctx: RowContext) -> str:
        found = self.reminders.get(s.id, ())
        return "; ".join(r.text for r in found) or "-"

    def when(self, s: Summary, ctx: RowContext) -> str:
        found = self.reminders.get(s.id)
        if not found:
            return "-"
        days = (dt.date.fromisoformat(found[0].day) - ctx.today).days
        return f"{-days}d late" if days < 0 else "today" if days == 0 else f"in {days}d"


def due_columns(rows: Callable[[], DueRows]) -> tuple[Column, ...]:
    """The due table's columns; the reminder cells read the screen's current rows."""
    return (
        Column("", marker, 2),
        Column("when", lambda s, c: rows().when(s, c), 9),
        Column("kind", lambda s, c: rows().kinds(s, c), 13, 24),
        Column("g", lambda s, c: s.grade or "-", 1),
        Column("name", lambda s, c: s.name, 0),
        Column("about", lambda s, c: rows().about(s, c), 0),
        Column("owner", _owner, 9, 22),
    )


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
        table = CustomerTable(self.rows, due_columns(lambda: self.rows), self.app.today(), rules.birthday_window_days, id="due")
        table.window = self.app.window
        yield table
        yield SyncStatus(always=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.mine = view_is_mine(self.app.ws.root)  # `git config crm.view mine`; m shows everyone's
        self.records_changed()
        self.query_one("#due", CustomerTable).focus()

    def current_id(self) -> str | None:
        return self.query_one("#due", CustomerTable).cursor_id

    def records_changed(self, ids: set[str] | None = None) -> None:
        today = self.app.today()
        owner = self.app.me if self.mine else ""
        if self.mine and not owner:
            owner = "\0nobody"
        window = self.app.window()  # looks x-crm.due_days ahead
        days = window.days
        self.rows = DueRows(queue(self.app.listing.summaries(), window, owner))
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
