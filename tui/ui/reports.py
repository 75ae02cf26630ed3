"""Reports (`a`): the `crm report` reports on one screen, computed in a worker.

Keys pick the report (s b f a o c), switch its dimension (x) and period (p), and set the as-of day
(t); `enter` on a row lists the customers behind it (drill-down), where `enter` opens one.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING, Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Static
from textual.worker import get_current_worker

from tui.core.catalog import Filter, Summary
from tui.core.charts import cell, render_table
from tui.core.display import printable
from tui.core.reports import DIMENSIONS, REPORTS, Options, Report, build, population
from tui.ui.browse import customer_bindings
from tui.ui.sync import SYNC_BINDING, SyncStatus
from tui.ui.table import MAIN_COLUMNS, CustomerTable

if TYPE_CHECKING:
    from tui.ui.app import CrmApp

REPORT_KEYS = Binding.Group("Report", compact=True)  # one footer entry `sbfaoc Report`: the footer has 80 columns
KEYS = {"summary": "s", "by": "b", "funnel": "f", "activity": "a", "orders": "o", "changes": "c"}
PERIODS = {"activity": ("month", "week"), "orders": ("month", "quarter", "year")}
DIMS = {"by": DIMENSIONS, "funnel": (None, *DIMENSIONS), "orders": (None, "region", "country", "owner", "product")}


class ReportReady(Message):
    def __init__(self, report: Report, seconds: float, then: dict[str, Summary] | None = None) -> None:
        super().__init__()
        self.report, self.seconds, self.then = report, seconds, then


class ReportFailed(Message):
    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error


class ReportProgress(Message):
    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done, self.total = done, total


class DatePrompt(ModalScreen[str | None]):
    """Ask for the as-of day: YYYY-MM-DD, empty for today."""

    BINDINGS = [Binding("escape", "dismiss_none", "Cancel", tooltip="Keep the day as it is")]
    DEFAULT_CSS = """
    DatePrompt { align: center middle; }
    DatePrompt > Vertical { width: 60; max-width: 100%; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    """

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Report as of (YYYY-MM-DD; empty for today)", markup=False)
            yield Input(self.current, placeholder="YYYY-MM-DD", id="as-of")
            yield Static("", id="as-of-error", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if text:
            try:
                dt.date.fromisoformat(text)
            except ValueError:
                self.query_one("#as-of-error", Static).update(f"{printable(text, one_line=True)!s} is not a date; use YYYY-MM-DD")
                return
        self.dismiss(text)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class IdRows:
    """Customers by id, for the drill-down table (ids the list no longer has are left out)."""

    def __init__(self, summaries: list[Summary]):
        self.rows = sorted(summaries, key=lambda s: s.name.casefold())
        self._index = {s.id: i for i, s in enumerate(self.rows)}

    def __len__(self) -> int:
        return len(self.rows)

    def row(self, index: int) -> Summary:
        return self.rows[index]

    def position(self, rid: str) -> int | None:
        return self._index.get(rid)


class DrillScreen(Screen):
    """The customers behind one row of a report; of a report as of a day, with their values of that day."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back", tooltip="Back to the report"), *customer_bindings(), SYNC_BINDING]
    DEFAULT_CSS = "DrillScreen #drill-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }"

    app: "CrmApp"

    def __init__(self, title: str, ids: tuple[str, ...], then: dict[str, Summary] | None = None,
                 as_of: dt.date | None = None) -> None:
        super().__init__()
        self.heading, self.ids = title, ids
        self.then, self.as_of = (then, as_of) if then is not None and as_of is not None else (None, None)

    def compose(self) -> ComposeResult:
        known = self.then if self.then is not None else self.app.listing
        found = [s for s in (known.get(rid) for rid in self.ids) if s is not None]
        self.rows = IdRows(found)
        gone = len(self.ids) - len(found)
        note = f" · {gone} no longer in the workspace" if gone else ""
        when = f" · as of {self.as_of}" if self.as_of else ""
        yield Static(printable(f"{self.heading}{when}: {len(found)} customer{'' if len(found) == 1 else 's'}{note}", one_line=True), id="drill-title",
                     markup=False)
        yield CustomerTable(self.rows, MAIN_COLUMNS, self.as_of or self.app.today(),
                            self.app.ws.rules.birthday_window_days, id="drill")
        yield SyncStatus(always=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#drill", CustomerTable).focus()

    def current_id(self) -> str | None:
        return self.query_one("#drill", CustomerTable).cursor_id

    def records_changed(self, ids: set[str] | None = None) -> None:
        self.query_one("#drill", CustomerTable).rows_changed()

    @on(CustomerTable.Chosen)
    def _chosen(self, event: CustomerTable.Chosen) -> None:
        if self.app.listing.get(event.rid) is None:  # as of a day: a customer deleted since
            self.app.notify(f"{event.rid} was deleted since; shift+x lists deleted customers", severity="warning",
                            markup=False)
            return
        self.app.open_customer(event.rid)


class ReportScreen(Screen):
    """One report at a time, as a table with bars; recomputed in a worker on every change."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", tooltip="Back to the list"),
        *(Binding(key, f"show('{kind}')", kind.capitalize(), tooltip=f"The {kind} report", group=REPORT_KEYS)
          for kind, key in KEYS.items()),
        Binding("x", "next_dim", "Dimension", tooltip="Switch the dimension the report is broken down by"),
        Binding("p", "next_period", "Period", tooltip="Switch the period: week, month, quarter, year"),
        Binding("t", "as_of", "As of", tooltip="The day the report is as of (from git history); empty for today"),
        Binding("enter", "drill", "Customers", show=False, priority=True, tooltip="List the customers behind the row"),
    ]
    DEFAULT_CSS = """
    ReportScreen .bar { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    ReportScreen #headline { height: auto; padding: 0 1; }
    ReportScreen DataTable { height: 1fr; }
    ReportScreen Footer.-compact FooterLabel { margin: 0 1 0 0; }
    ReportScreen Footer.-compact KeyGroup.-compact { padding-left: 0; }
    """

    app: "CrmApp"

    def __init__(self, kind: str = "summary") -> None:
        super().__init__()
        self.kind = kind
        self.dims = {k: v[0] for k, v in DIMS.items()}
        self.periods = {k: v[0] for k, v in PERIODS.items()}
        self.as_of: dt.date | None = None
        self.report: Report | None = None
        self.then: dict[str, Summary] | None = None  # as of a day: each customer's summary of that day
        self.row_ids: list[tuple[str, tuple[str, ...]] | None] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="report-title", classes="bar", markup=False)
        yield Static("", id="headline", markup=False)
        yield DataTable(id="report", cursor_type="row", zebra_stripes=False, show_header=False)
        yield SyncStatus(always=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.refresh_report()

    def current_id(self) -> str | None:
        return None

    def records_changed(self, ids: set[str] | None = None) -> None:
        self.refresh_report()

    def _options(self) -> Options:
        return Options(dim=self.dims.get("by") or "region", by=self.dims.get(self.kind) if self.kind != "by" else None,
                       period=self.periods.get(self.kind))

    def _describe(self) -> str:
        parts = [] if self.kind == "by" else [self.kind]  # "by region", not "by by region"
        if self.dims.get(self.kind):
            parts.append(f"by {self.dims[self.kind]}")
        if self.kind in PERIODS:
            parts.append(f"per {self.periods[self.kind]}")
        day = self.as_of.isoformat() if self.as_of else f"today ({self.app.today().isoformat()})"
        return f"Reports · {' '.join(parts)} · as of {day}"

    def _title(self, note: str = "") -> None:
        text = self._describe() + (f" · {note}" if note else "")
        self.query_one("#report-title", Static).update(Text(text, no_wrap=True, overflow="ellipsis", end=""))

    # ------------------------------------------------------------ computing, in a worker

    def refresh_report(self) -> None:
        self._title("computing…")
        self.compute(self.kind, self._options(), self.as_of)

    @work(thread=True, exclusive=True, group="report")
    def compute(self, kind: str, opts: Options, as_of: dt.date | None) -> None:
        worker = get_current_worker()
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            if not worker.is_cancelled:
                self.post_message(ReportProgress(done, total))

        try:
            today = as_of or self.app.today()
            with self.app.history_lock:
                pop = population(self.app.ws, Filter(), today, as_of, progress=progress)
            report = build(kind, pop, opts)
            then = {rid: card.summary for rid, (card, _) in pop.members.items()} if as_of else None
        except Exception as exc:  # shown on the screen; never ends the app
            if not worker.is_cancelled:
                self.post_message(ReportFailed(exc))
            return
        if not worker.is_cancelled:
            self.post_message(ReportReady(report, time.perf_counter() - started, then))

    def on_report_progress(self, message: ReportProgress) -> None:
        self._title(f"reading history: {message.done:,} of {message.total:,} versions…")

    def on_report_failed(self, message: ReportFailed) -> None:
        self._title("failed")
        self.query_one("#headline", Static).update(printable(str(message.error)))
        self.query_one(DataTable).clear(columns=True)
        self.app.notify(str(message.error), severity="error", timeout=12, markup=False)

    def on_report_ready(self, message: ReportReady) -> None:
        self.report, self.then = message.report, message.then
        self._title()
        rep = message.report
        self.query_one("#headline", Static).update(printable("  ".join(f"{k}: {cell(v, k)}" for k, v in rep.headline), one_line=False))
        self._fill(rep)

    def _fill(self, rep: Report) -> None:
        """Every table of the report, one under the other, drawn as `crm report` draws it (bars,
        trends) to the screen's width; rows of figures remember their customers."""
        grid = self.query_one(DataTable)
        keep = grid.cursor_row
        grid.clear(columns=True)
        width = max(40, self.size.width - 3)
        grid.add_column("report", width=width)  # fixed: measured from the rows, it came out cut at times
        self.row_ids = []
        for table in rep.tables:
            lines = render_table(table, width, max_rows=None)
            for n, line in enumerate(lines):
                style = "bold" if n == 0 else "italic" if n == 1 else ""
                grid.add_row(Text(line, style=style, no_wrap=True, overflow="ellipsis"))
                i = n - 2
                ids = table.ids[i] if 0 <= i < len(table.rows) and i < len(table.ids) else ()
                self.row_ids.append((f"{table.title}: {table.rows[i][0]}", ids) if ids else None)
            grid.add_row(Text(""))
            self.row_ids.append(None)
        for note in rep.notes:
            grid.add_row(Text(f"note: {note}", style="italic"))
            self.row_ids.append(None)
        if keep and keep < grid.row_count:
            grid.move_cursor(row=keep)
        else:
            self._to_figures(0)

    # ------------------------------------------------------------ keys

    def action_show(self, kind: str) -> None:
        self.kind = kind
        self.refresh_report()

    def _cycle(self, choices: dict, options: dict, what: str) -> None:
        if self.kind not in options:
            self.app.notify(f"the {self.kind} report has no {what} to switch", severity="warning")
            return
        values = options[self.kind]
        choices[self.kind] = values[(values.index(choices[self.kind]) + 1) % len(values)]
        self.refresh_report()

    def action_next_dim(self) -> None:
        self._cycle(self.dims, DIMS, "dimension")

    def action_next_period(self) -> None:
        self._cycle(self.periods, PERIODS, "period")

    def action_as_of(self) -> None:
        def chosen(text: str | None) -> None:
            if text is None:
                return
            day = dt.date.fromisoformat(text) if text else None
            if day is not None and day > self.app.today():
                self.app.notify(f"{day} is after today; a report as of a day reads history", severity="warning")
                return
            self.as_of = day
            self.refresh_report()

        self.app.push_screen(DatePrompt(self.as_of.isoformat() if self.as_of else ""), chosen)

    def _to_figures(self, start: int) -> bool:
        """Move the cursor to the first row from `start` on that has customers behind it."""
        row = next((i for i in range(start, len(self.row_ids)) if self.row_ids[i] is not None), None)
        if row is not None:
            self.query_one(DataTable).move_cursor(row=row)
        return row is not None

    def action_drill(self) -> None:
        row = self.query_one(DataTable).cursor_row
        target = self.row_ids[row] if 0 <= row < len(self.row_ids) else None
        if target is None:  # a heading, a total, a note: on to the next row of figures, quietly
            self._to_figures(row + 1) or self._to_figures(0)
            return
        self.app.push_screen(DrillScreen(*target, then=self.then, as_of=self.report.as_of if self.then else None))

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_drill()

    def palette_commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        """Each report by name, and each dimension of the `by` report."""
        out = [(f"Report: {kind}", f"Show the {kind} report ({KEYS[kind]})", lambda k=kind: self.action_show(k)) for kind in REPORTS]
        for dim in DIMENSIONS:
            out.append((f"Report: by {dim}", f"Customers, order total and share by {dim}",
                        lambda d=dim: (self.dims.__setitem__("by", d), self.action_show("by"))))
        return out
