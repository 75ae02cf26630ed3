"""Reports as an Excel workbook (`crm report ... --xlsx FILE`): a sheet per report, each table of it
under the other with a native chart beside it: bars for distributions and the funnel, lines for
figures per period. Written with xlsxwriter, so the file opens in Excel, LibreOffice and Numbers
with the charts live on the cells."""

from __future__ import annotations

import re
from pathlib import Path

from tui.core.errors import UsageError
from tui.core.reports import Report, Table

MAX_SERIES = 8  # lines in one chart of groups per period; more is unreadable
CHART_ROWS = 16  # rows a chart takes


def sheet_name(report: Report, taken: set[str]) -> str:
    base = report.title if report.kind == "by" else report.kind.capitalize()
    base = re.sub(r"[\[\]:*?/\\]", " ", base)[:28].strip() or report.kind
    name, n = base, 2
    while name.lower() in taken:
        name, n = f"{base[:25]} {n}", n + 1
    taken.add(name.lower())
    return name


def write_workbook(reports: list[Report], path: str | Path) -> Path:
    """Write the reports to `path` (.xlsx); UsageError when the file cannot be written."""
    import xlsxwriter

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"{path}: give the workbook a name ending in .xlsx")
    book = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True})
    fmt = {"title": book.add_format({"bold": True, "font_size": 14}), "head": book.add_format({"bold": True, "bottom": 1}),
           "total": book.add_format({"bold": True, "top": 1}), "note": book.add_format({"italic": True})}
    taken: set[str] = set()
    for report in reports:
        sheet = book.add_worksheet(sheet_name(report, taken))
        sheet.write(0, 0, f"{report.title}, as of {report.as_of.isoformat()}", fmt["title"])
        row = 1
        for key, value in report.headline:
            sheet.write(row, 0, key)
            sheet.write(row, 1, value)
            row += 1
        for note in report.notes:
            sheet.write(row, 0, note, fmt["note"])
            row += 1
        row += 1
        for table in report.tables:
            row = _table(book, sheet, table, row, fmt) + 2
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, 12, 12)
    try:
        book.close()
    except OSError as exc:
        raise UsageError(f"{path}: cannot write the workbook ({exc.strerror or exc})") from None
    return path


def _table(book, sheet, table: Table, row: int, fmt: dict) -> int:
    """Write one table at `row` with its chart beside it; returns the next free row."""
    name = sheet.get_name()
    sheet.write(row, 0, table.title, fmt["head"])
    top = row + 1
    sheet.write_row(top, 0, table.columns, fmt["head"])
    for i, values in enumerate(table.rows, 1):
        sheet.write_row(top + i, 0, ["" if v is None else v for v in values])
    end = top + len(table.rows)
    if table.total:
        sheet.write_row(end + 1, 0, ["" if v is None else v for v in table.total], fmt["total"])
    last = end + (1 if table.total else 0)
    chart_at = (top, len(table.columns) + 1)
    if table.rows and table.bar in table.columns and table.chart:
        col = table.columns.index(table.bar)
        kind = "line" if table.chart == "line" else "bar"
        chart = book.add_chart({"type": kind})
        chart.add_series({"name": table.bar, "categories": [name, top + 1, 0, end, 0], "values": [name, top + 1, col, end, col],
                          "data_labels": {"value": kind == "bar" and len(table.rows) <= 20}})
        chart.set_title({"name": table.title})
        chart.set_legend({"none": True})
        if kind == "bar":
            chart.set_y_axis({"reverse": True})  # first row on top, as in the table (the funnel narrows downwards)
        sheet.insert_chart(*chart_at, chart, {"x_scale": 1.2, "y_scale": 1.0})
        last = max(last, top + CHART_ROWS)
    if table.series and table.periods:
        last = _series(book, sheet, table, last + 2, fmt)
    return last


def _series(book, sheet, table: Table, row: int, fmt: dict) -> int:
    """The table's figures per period (one row per group) and a line chart of the largest groups."""
    name = sheet.get_name()
    sheet.write(row, 0, f"{table.title}, per period", fmt["head"])
    sheet.write_row(row + 1, 0, [table.columns[0], *table.periods], fmt["head"])
    for i, (values, series) in enumerate(zip(table.rows, table.series), 1):
        sheet.write_row(row + 1 + i, 0, [values[0], *series])
    chart = book.add_chart({"type": "line"})
    for i in range(1, min(len(table.rows), MAX_SERIES) + 1):
        chart.add_series({"name": [name, row + 1 + i, 0], "categories": [name, row + 1, 1, row + 1, len(table.periods)],
                          "values": [name, row + 1 + i, 1, row + 1 + i, len(table.periods)]})
    chart.set_title({"name": f"{table.title}, per period"})
    sheet.insert_chart(row + len(table.rows) + 3, 0, chart, {"x_scale": 1.5})
    return row + len(table.rows) + 3 + CHART_ROWS
