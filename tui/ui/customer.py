"""The customer view: every field, contacts, orders, the touch log as a timeline, and derived values."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.core.cadence import cooperation_text, facts, followup_state
from tui.core.conflicts import is_conflict
from tui.core.display import printable
from tui.core.errors import CrmError
from tui.core.record import Record
from tui.core.schema import Rules
from tui.ui.browse import customer_bindings
from tui.ui.conflicts import has_conflicts
from tui.ui.sync import SYNC_KEY, SyncStatus

if TYPE_CHECKING:
    from tui.ui.app import CrmApp

SHOWN_ELSEWHERE = {"name", "name_local", "contacts", "orders", "log", "notes"}
STATE_WORDS = {"overdue": "overdue", "today": "due today", "soon": "due soon"}


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def _visible(value: Any) -> Any:
    """`value` with every string (keys too) showing its control characters as escapes: record text is data."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, list):
        return [_visible(v) for v in value]
    if isinstance(value, dict):
        return {_visible(k): _visible(v) for k, v in value.items()}
    return value


def _row(table: Table, *cells: RenderableType) -> None:
    """A table row whose text cells are plain Text: Rich would read a str cell as markup."""
    table.add_row(*(Text(printable(cell)) if isinstance(cell, str) else cell for cell in cells))


def _heading(title: str) -> Text:
    return Text(f"\n{title}", style="bold underline")


def customer_view(record: Record, rules: Rules, today: dt.date) -> RenderableType:
    """Everything about one customer, as one renderable."""
    data = _visible(record.data or {})
    parts: list[RenderableType] = []
    title = Text(str(data.get("name") or record.id), style="bold")
    if data.get("name_local"):
        title.append(f"  {data['name_local']}")
    title.append(f"  [{record.id}]", style="italic")
    parts.append(title)
    if record.problems:
        conflicted = any(is_conflict(p.message) for p in record.problems)
        parts.append(_heading("Problems (r chooses which value wins; ctrl+e opens the file)" if conflicted
                              else "Problems (ctrl+e opens the file to fix them)"))
        for problem in record.problems:
            parts.append(Text(f"✗ {printable(problem)}", style="bold red"))
    if record.data is None:
        if record.text is not None:
            parts.append(_heading(f"{record.relpath} as written"))
            parts.append(Text(printable(record.text)))
        return Group(*parts)

    f = facts(record.data, rules)
    state = followup_state(f.next_followup, today, rules.due_days)
    derived = Table.grid(padding=(0, 2))
    derived.add_column(style="bold", no_wrap=True)
    derived.add_column()
    grade = str(data.get("grade") or "-")
    meaning = rules.grades.get(grade)
    _row(derived, "grade", grade + (f"  {meaning.meaning} (every {meaning.cadence_days} d)" if meaning else ""))
    _row(derived, "stage", _plain(data.get("stage")) or "-")
    _row(derived, "owner", _plain(data.get("owner")) or "(public pool)")
    _row(derived, "last contact", f.last_contact.isoformat() if f.last_contact else "never")
    next_text = Text(f.next_followup.isoformat() if f.next_followup else "-")
    if state:
        next_text.append(f"  {STATE_WORDS[state]}", style="bold red" if state == "overdue" else "bold yellow")
    _row(derived, "next follow-up", next_text)
    if f.next_action:
        _row(derived, "next action", printable(_plain(f.next_action)))
    _row(derived, "orders", f"{f.order_count} · total {f.order_total:,.2f} {rules.base_currency}")
    _row(derived, "tier", f"{f.value_tier} · {f.frequency}")
    _row(derived, "cooperation", cooperation_text(f.first_order, today)
                    + (f" (first order {f.first_order.isoformat()})" if f.first_order else ""))
    parts.append(derived)

    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold", no_wrap=True)
    fields.add_column()
    for key, value in data.items():
        if key in SHOWN_ELSEWHERE or key in ("grade", "stage", "owner"):
            continue
        text = _plain(value)
        if key == "country":
            text += f" ({rules.region(str(value))})"
        _row(fields, str(key), text)
    parts.append(_heading("Fields"))
    parts.append(fields)

    contacts = [c for c in data.get("contacts") or () if isinstance(c, dict)]
    if contacts:
        parts.append(_heading(f"Contacts ({len(contacts)})"))
        for c in contacts:
            line = Text(str(c.get("name", "?")), style="bold")
            if c.get("role"):
                line.append(f", {c['role']}")
            birthday = c.get("birthday")
            if isinstance(birthday, dt.date):
                line.append(f"  birthday {birthday.strftime('%b %d')}")
            parts.append(line)
            reach = [f"{k} {c[k]}" for k in ("email", "phone", "whatsapp", "wechat") if c.get(k)]
            if reach:
                parts.append(Text("  " + " · ".join(reach)))
            if c.get("notes"):
                parts.append(Text(f"  {c['notes']}", style="italic"))

    orders = [o for o in data.get("orders") or () if isinstance(o, dict)]
    if orders:
        parts.append(_heading(f"Orders ({len(orders)})"))
        table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
        for column in ("date", "ref", "amount", "status"):
            table.add_column(column, justify="right" if column == "amount" else "left")
        for o in orders:
            amount = o.get("amount")
            amount_text = f"{amount:,.2f} {o.get('currency', '')}" if isinstance(amount, (int, float)) else _plain(amount)
            _row(table, _plain(o.get("date")), _plain(o.get("ref")), amount_text, _plain(o.get("status")))
        parts.append(table)

    log = [e for e in data.get("log") or () if isinstance(e, dict)]
    if log:
        parts.append(_heading(f"Touches ({len(log)}, newest first)"))
        for n, entry in enumerate(reversed(log)):
            head = Text("● " if n == 0 else "○ ", style="bold")
            head.append(_plain(entry.get("on")), style="bold")
            head.append(f"  {entry.get('via', '?')}")
            if entry.get("by"):
                head.append(f"  {entry['by']}", style="italic")
            parts.append(head)
            if entry.get("note"):
                parts.append(Text(f"│ {entry['note']}"))
            if entry.get("next") or entry.get("due"):
                parts.append(Text(f"│ next: {_plain(entry.get('next')) or '-'}"
                                  + (f" (due {_plain(entry.get('due'))})" if entry.get("due") else ""), style="italic"))

    if data.get("notes"):
        parts.append(_heading("Notes"))
        parts.append(Text(str(data["notes"]).rstrip()))
    return Group(*parts)


class CustomerScreen(Screen):
    """One customer; the same one-key actions as the table. Live: redrawn when the file changes."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", tooltip="Back to the list"),
        *customer_bindings(one_customer=True),
        # Not in the footer (no room at 80 columns): the view's Problems heading says "r" when there is a conflict.
        Binding("r", "resolve", "Resolve", show=False,
                tooltip="Settle a conflict a sync left: choose which value wins (one commit)"),
        SYNC_KEY,
    ]

    DEFAULT_CSS = """
    CustomerScreen VerticalScroll { padding: 0 1; }
    """

    app: "CrmApp"

    def __init__(self, rid: str) -> None:
        super().__init__()
        self.rid = rid
        self.conflicted = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="customer"):
            yield Static(id="view")
        yield SyncStatus(always=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#customer").focus()
        self.redraw()

    def current_id(self) -> str | None:
        return self.rid

    def redraw(self) -> None:
        try:
            record = self.app.changes.read(self.rid)
        except CrmError as exc:
            self.query_one("#view", Static).update(Text(printable(exc), style="bold red"))
            return
        self.query_one("#view", Static).update(customer_view(record, self.app.ws.rules, self.app.today()))
        if has_conflicts(record) != self.conflicted:
            self.conflicted = not self.conflicted
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "resolve":
            return self.conflicted  # in the palette only when there is something to settle
        return True

    def action_resolve(self) -> None:
        self.app.action_resolve()

    def records_changed(self, ids: set[str] | None = None) -> None:
        if ids is not None and self.rid not in ids:
            return
        if not self.app.ws.record_path(self.rid).exists():
            self.app.notify(f"{self.rid} was deleted", severity="warning")
            if self.app.screen is self:
                self.app.pop_screen()
            return
        self.redraw()
