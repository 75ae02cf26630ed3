"""The customer table: a ScrollView that draws only the rows on screen, so 100,000 rows cost a screenful.

Rows come from a source with `len()` and `row(i)` (a Listing, or the due queue); the table keeps its
cursor on a customer id, so rows moving under it (a sort, a live update) never move the selection.
Each row starts with a marker column that tells its state without colour:
`x` invalid, `!` overdue, `*` due today, `~` due within x-crm.due_days (a follow-up or any other reminder);
the second says which reminder besides a follow-up: `b` birthday, `a` anniversary, `$` payment, `p` returns
to the pool, `n` never touched (tui.core.reminders). The owner column says `(pool)` for no owner and `?`
when the file could not be read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, Optional, Protocol, Sequence

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.core.cadence import birthday_within, followup_state
from tui.core.catalog import Summary
from tui.core.display import printable
from tui.core.reminders import Window, most_urgent

STATE_MARK = {"overdue": "!", "today": "*", "soon": "~"}
MORE = "  (?)"


def legend_items(due_days: int = 7) -> tuple[str, ...]:
    """What the markers mean, most urgent first: a narrow status line keeps the head of this list."""
    soon = "~ due tomorrow" if due_days == 1 else f"~ due in {due_days} days"
    return ("! overdue", "* due today", soon, "x invalid", "b birthday soon", "a anniversary", "$ payment",
            "p returns to pool soon", "n never touched", "(pool) no owner", "? unreadable")


def legend(width: int, due_days: int = 7) -> str:
    """The markers that fit in `width` cells, most urgent first, with `(?)` (the help key) when some are left out."""
    items = legend_items(due_days)
    for n in range(len(items), 0, -1):
        text = "  ".join(items[:n]) + ("" if n == len(items) else MORE)
        if cell_len(text) <= width:
            return text
    return ""


class RowSource(Protocol):
    def __len__(self) -> int: ...
    def row(self, index: int) -> Summary: ...
    def position(self, rid: str) -> int | None: ...


@dataclass(frozen=True)
class RowContext:
    today: dt.date
    birthday_days: int
    wide: bool
    window: Optional[Window] = None  # the reminders of the day; None: follow-ups and birthdays only
    due_days: int = 7  # without a window: how far ahead "soon" looks


@dataclass(frozen=True)
class Column:
    """One column: its title, the field it sorts on (if any), how wide, and the text of a cell."""

    title: str
    cell: Callable[[Summary, RowContext], str]
    width: int = 0  # 0: takes the width left over
    wide_width: int = 0  # width when the table is at least WIDE columns wide
    sort: str = ""
    right: bool = False


WIDE = 110


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _date(value: str, ctx: RowContext) -> str:
    """ISO when there is room; else `17 Nov` this year and `Nov '25` in another (never `26-11-17`,
    which reads as 26 Nov 2017). Sorting uses the raw value, not this text."""
    if not value:
        return "-"
    if ctx.wide:
        return value
    month = _MONTHS[int(value[5:7]) - 1]
    if value[:4] == str(ctx.today.year):
        return f"{int(value[8:10]):2d} {month}"
    return f"{month} '{value[2:4]}"


def _owner(s: Summary, ctx: RowContext) -> str:
    if not s.owner:
        return "(pool)" if s.readable else "?"
    return s.owner if ctx.wide else s.owner.split("@")[0]


def _total(s: Summary, ctx: RowContext) -> str:
    return f"{s.order_total:,.0f}" if s.order_total else "-"


def marker(s: Summary, ctx: RowContext) -> str:
    if ctx.window is not None:
        state, letter = most_urgent(s, ctx.window)
        return ("x" if s.problems else STATE_MARK.get(state, " ")) + letter
    if s.problems:
        first = "x"
    else:
        first = STATE_MARK.get(followup_state(s.next_followup, ctx.today, ctx.due_days) or "", " ")
    second = "b" if birthday_within(s.birthdays, ctx.today, ctx.birthday_days) else " "
    return first + second


MAIN_COLUMNS: tuple[Column, ...] = (
    Column("", marker, 2),
    Column("name", lambda s, c: s.name, 0, sort="name"),
    Column("cc", lambda s, c: s.country or "-", 2, sort="country"),
    Column("g", lambda s, c: s.grade or "-", 1, sort="grade"),
    Column("stage", lambda s, c: s.stage or "-", 11, sort="stage"),
    Column("owner", _owner, 9, 22, sort="owner"),
    Column("last", lambda s, c: _date(s.last_contact, c), 8, 10, sort="last_contact"),
    Column("next", lambda s, c: _date(s.next_followup, c), 8, 10, sort="next_followup"),
    Column("total", _total, 9, 12, sort="order_total", right=True),
)

def layout(columns: Sequence[Column], width: int) -> list[int]:
    """Each column's width for a table `width` cells wide (flexible columns share what is left)."""
    wide = width >= WIDE
    fixed = [(c.wide_width or c.width) if wide else c.width for c in columns]
    flexible = [i for i, c in enumerate(columns) if c.width == 0]
    left = max(width - sum(fixed) - (len(columns) - 1), 4 * len(flexible))
    for n, i in enumerate(flexible):
        share = left // len(flexible) + (1 if n < left % len(flexible) else 0)
        fixed[i] = share
    return fixed


def fit(text: str, width: int, right: bool = False) -> str:
    """Text cut (with …) or padded to exactly `width` cells."""
    text = text.replace("\n", " ")
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…" if width > 1 else set_cell_size(text, width)
    if right:
        return " " * (width - cell_len(text)) + text
    return set_cell_size(text, width)


class CustomerTable(ScrollView, can_focus=True):
    """Rows of customers, drawn line by line; the cursor follows a customer, not a position."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("enter", "choose", "Open", show=False, tooltip="Open the customer: every field, contacts, orders, touches"),
    ]

    COMPONENT_CLASSES = {
        "customer-table--header",
        "customer-table--cursor",
        "customer-table--overdue",
        "customer-table--today",
        "customer-table--invalid",
        "customer-table--pool",
        "customer-table--birthday",
    }

    DEFAULT_CSS = """
    CustomerTable {
        height: 1fr;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
        & > .customer-table--header { text-style: bold; background: $panel; color: $text; }
        & > .customer-table--cursor { background: $block-cursor-blurred-background; text-style: bold; }
        &:focus > .customer-table--cursor { background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold; }
        & > .customer-table--overdue { color: $text-error; }
        & > .customer-table--today { color: $warning; text-style: bold; }
        & > .customer-table--invalid { color: $text-error; text-style: italic; }
        & > .customer-table--pool { color: $text-muted; }
        & > .customer-table--birthday { color: $accent; }
        /* NO_COLOR: the states by style alone, never by a dim grey */
        &:nocolor > .customer-table--overdue { color: $foreground; text-style: bold underline; }
        &:nocolor > .customer-table--today { color: $foreground; text-style: bold; }
        &:nocolor > .customer-table--invalid { color: $foreground; text-style: italic underline; }
        &:nocolor > .customer-table--pool { color: $foreground; }
        &:nocolor > .customer-table--birthday { color: $foreground; text-style: bold; }
        &:nocolor:focus > .customer-table--cursor { text-style: bold reverse; }
    }
    """

    cursor = reactive(0, always_update=True, init=False)

    class Moved(Message):
        """The cursor is on another customer (or on none: rid is None)."""

        def __init__(self, table: CustomerTable, rid: str | None) -> None:
            super().__init__()
            self.table = table
            self.rid = rid

    class Chosen(Message):
        """The user pressed enter (or clicked twice) on a customer."""

        def __init__(self, table: CustomerTable, rid: str) -> None:
            super().__init__()
            self.table = table
            self.rid = rid

    class SortClicked(Message):
        """The user clicked a column title."""

        def __init__(self, table: CustomerTable, sort: str) -> None:
            super().__init__()
            self.table = table
            self.sort = sort

    def __init__(self, source: RowSource, columns: Sequence[Column] = MAIN_COLUMNS, today: dt.date | None = None,
                 birthday_days: int = 7, *, name: str | None = None, id: str | None = None, classes: str | None = None,
                 due_days: int = 7):
        super().__init__(name=name, id=id, classes=classes)
        self.due_days = due_days
        self.source = source
        self.columns = tuple(columns)
        self.today = today or dt.date.today()
        self.birthday_days = birthday_days
        self.window: Callable[[], Window] | None = None  # the app's reminders window, for the markers
        self.sort_field = ""
        self.sort_reverse = False
        self._cursor_id: str | None = None
        self._strips: dict[tuple, Strip] = {}
        self._widths: list[int] = []

    # ------------------------------------------------------------ what is selected

    @property
    def cursor_id(self) -> str | None:
        """The id of the customer under the cursor."""
        return self._cursor_id

    def current(self) -> Summary | None:
        if not len(self.source):
            return None
        return self.source.row(min(self.cursor, len(self.source) - 1))

    def select_id(self, rid: str) -> bool:
        """Put the cursor on a customer; False when it is not shown."""
        index = self.source.position(rid)
        if index is None:
            return False
        self.cursor = index
        return True

    # ------------------------------------------------------------ the source changed

    def rows_changed(self, keep: str | None = None) -> None:
        """The source's rows changed: keep the cursor on the same customer when it is still shown."""
        keep = keep or self._cursor_id
        self._strips.clear()
        self.virtual_size = Size(self.size.width, len(self.source) + 1)
        index = self.source.position(keep) if keep else None
        if index is None:
            index = min(self.cursor, max(len(self.source) - 1, 0))
        self.cursor = index
        self._follow_cursor()  # the cursor may stay at its index while the row under it changes
        self.refresh()

    def set_today(self, today: dt.date) -> None:
        self.today = today
        self._strips.clear()
        self.refresh()

    def set_sort(self, field: str, reverse: bool) -> None:
        self.sort_field, self.sort_reverse = field, reverse
        self._strips.clear()
        self.refresh()

    # ------------------------------------------------------------ cursor

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.source) - 1)) if len(self.source) else 0

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_to_cursor()
        self.refresh()
        self._follow_cursor()

    def _follow_cursor(self) -> None:
        summary = self.current()
        rid = summary.id if summary else None
        if rid != self._cursor_id:
            self._cursor_id = rid
            self.post_message(self.Moved(self, rid))

    def _scroll_to_cursor(self) -> None:
        rows = max(self.size.height - 1, 1)
        top = round(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + rows:
            self.scroll_to(y=self.cursor - rows + 1, animate=False, immediate=True)

    def action_cursor(self, step: int) -> None:
        self.cursor += step

    def action_page(self, step: int) -> None:
        self.cursor += step * max(self.size.height - 2, 1)

    def action_jump(self, where: int) -> None:
        self.cursor = 0 if where == 0 else len(self.source) - 1

    def action_choose(self) -> None:
        summary = self.current()
        if summary is not None:
            self.post_message(self.Chosen(self, summary.id))

    def on_resize(self, event: events.Resize) -> None:
        self._strips.clear()
        self.virtual_size = Size(event.size.width, len(self.source) + 1)
        self._scroll_to_cursor()

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            x = 0
            for column, width in zip(self.columns, self._widths):
                if x <= event.x < x + width + 1 and column.sort:
                    self.post_message(self.SortClicked(self, column.sort))
                    return
                x += width + 1
            return
        index = round(self.scroll_y) + event.y - 1
        if 0 <= index < len(self.source):
            if index == self.cursor and event.chain >= 2:
                self.action_choose()
            self.cursor = index

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    # ------------------------------------------------------------ drawing

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if width != sum(self._widths) + len(self._widths) - 1:
            self._widths = layout(self.columns, width)
        if y == 0:
            return self._header(width)
        index = round(self.scroll_y) + y - 1
        if index >= len(self.source):
            return Strip.blank(width, self.rich_style)
        summary = self.source.row(index)
        selected = index == self.cursor
        key = (summary, width, selected, self.has_focus)
        strip = self._strips.get(key)
        if strip is None:
            if len(self._strips) > 4000:
                self._strips.clear()
            strip = self._strips[key] = self._row(summary, selected, width)
        return strip

    def _header(self, width: int) -> Strip:
        style = self.get_component_rich_style("customer-table--header")
        cells = []
        for column, w in zip(self.columns, self._widths):
            title = column.title
            if column.sort and column.sort == self.sort_field:
                arrow = "▼" if self.sort_reverse else "▲"
                title = f"{title} {arrow}" if cell_len(title) + 2 <= w else title[: max(w - 1, 0)] + arrow
            cells.append(fit(title, w, column.right))
        return Strip([Segment(" ".join(cells), style)]).adjust_cell_length(width, style)

    def _row(self, s: Summary, selected: bool, width: int) -> Strip:
        ctx = RowContext(self.today, self.birthday_days, width >= WIDE, self.window() if self.window else None,
                         self.due_days)
        base = self.rich_style
        mark = marker(s, ctx)
        if s.problems:
            base += self.get_component_rich_style("customer-table--invalid")
        elif mark[0] == "!":
            base += self.get_component_rich_style("customer-table--overdue")
        elif mark[0] == "*":
            base += self.get_component_rich_style("customer-table--today")
        elif not s.owner:
            base += self.get_component_rich_style("customer-table--pool")
        if selected:
            base += self.get_component_rich_style("customer-table--cursor")
        segments = []
        for n, (column, w) in enumerate(zip(self.columns, self._widths)):
            text = fit(printable(column.cell(s, ctx), one_line=True), w, column.right)
            style = base
            if column.cell is marker and mark[1] == "b":
                style = base + self.get_component_rich_style("customer-table--birthday")
            segments.append(Segment(text, style))
            if n < len(self.columns) - 1:
                segments.append(Segment(" ", base))
        return Strip(segments).adjust_cell_length(width, base)
