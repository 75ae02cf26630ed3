"""Reports as text: tables with horizontal bars and sparklines that read at 80 columns, in plain
characters (no colour is needed to read them, so NO_COLOR loses nothing; `ascii=True` for terminals
that cannot show block characters)."""

from __future__ import annotations

import unicodedata

from tui.core.display import printable
from tui.core.reports import Report, Table

EIGHTHS = " ▏▎▍▌▋▊▉█"
SPARKS = "▁▂▃▄▅▆▇█"
ASCII_SPARKS = "_.-=+*#@"
LABEL_MAX = 24
TREND_MAX = 16
MAX_ROWS = 30  # a longer table is cut in the terminal (its total still counts every row)


def bar(value: float, top: float, width: int, ascii: bool = False) -> str:
    """A horizontal bar `width` cells long at `top`, in eighths of a cell."""
    if not top or not value or value < 0 or width <= 0:
        return ""
    eighths = round(min(value / top, 1.0) * width * 8)
    if ascii:
        return "#" * max(1, round(eighths / 8))
    full, part = divmod(max(1, eighths), 8)
    return "█" * full + (EIGHTHS[part] if part else "")


def sparkline(values: list[float], ascii: bool = False) -> str:
    """One character per value, lowest to highest of the series; zero is the lowest mark."""
    marks = ASCII_SPARKS if ascii else SPARKS
    top = max(values, default=0)
    if not top:
        return marks[0] * len(values)
    return "".join(marks[0] if v <= 0 else marks[max(1, min(len(marks) - 1, round(v / top * (len(marks) - 1))))] for v in values)


def cell(value, column: str = "") -> str:
    """A figure as the report shows it: thousands separated, percentages to one place, '-' for none."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if column.endswith("%") or column.endswith("days"):
            return f"{value:,.1f}".replace(".0", "") if column.endswith("days") else f"{value:.1f}"
        return f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return printable(str(value), one_line=True)


def _cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def fit(text: str, width: int) -> str:
    """`text` cut (with …) and padded to exactly `width` terminal cells; CJK characters take two."""
    if _cells(text) <= width:
        return text + " " * (width - _cells(text))
    out, used = [], 0
    for ch in text:
        if used + _cells(ch) > width - 1:
            break
        out.append(ch)
        used += _cells(ch)
    return "".join(out) + "…" + " " * (width - 1 - used)


def render_table(table: Table, width: int = 80, ascii: bool = False, max_rows: int | None = MAX_ROWS) -> list[str]:
    """The table as lines no wider than `width`: a label column, the figures, then a bar (or a trend
    sparkline when the table has a series per row) in what room is left."""
    rows = [[cell(v, c) for v, c in zip(r, table.columns)] for r in table.rows]
    total = [cell(v, c) for v, c in zip(table.total, table.columns)] if table.total else None
    every = rows + ([total] if total else []) + [list(table.columns)]
    widths = [max(_cells(r[i]) for r in every) for i in range(len(table.columns))]
    widths[0] = min(widths[0], LABEL_MAX)
    used = sum(widths) + 2 * (len(widths) - 1)
    if used > width:  # too many columns: squeeze the label, then drop columns from the right
        widths[0] = max(12, widths[0] - (used - width))
        used = sum(widths) + 2 * (len(widths) - 1)
    shown = len(widths)
    while used > width and shown > 2:
        shown -= 1
        used -= widths[shown] + 2
    room = width - used - 2
    trend = bool(table.series) and room >= 4
    barcol = table.columns.index(table.bar) if table.bar in table.columns else None
    draw = room >= 6 and (trend or barcol is not None)

    def line(cells: list[str], extra: str = "") -> str:
        parts = [fit(cells[0], widths[0])] + [c.rjust(widths[i]) if numeric[i] else fit(c, widths[i])
                                               for i, c in enumerate(cells[1:shown], 1)]
        text = "  ".join(parts)
        return (text + "  " + extra).rstrip() if extra else text.rstrip()

    numeric = [all(isinstance(r[i], (int, float)) or r[i] is None for r in table.rows) for i in range(len(table.columns))]
    head = "trend" if trend else ""
    out = [table.title, line(list(table.columns), head if draw else "")]
    numbers = [r[barcol] for r in table.rows] if barcol is not None else []
    top = max((v for v in numbers if isinstance(v, (int, float))), default=0)
    for i, (r, cells) in enumerate(zip(table.rows[:max_rows], rows)):
        extra = ""
        if draw and trend:
            extra = sparkline(table.series[i][-min(room, TREND_MAX * 3):], ascii)
        elif draw and isinstance(r[barcol], (int, float)):
            extra = bar(r[barcol], top, room, ascii)
        out.append(line(cells, extra))
    if max_rows is not None and len(rows) > max_rows:
        out.append(f"… {len(rows) - max_rows} more rows (--json, --csv or --xlsx show them all)")
    if total:
        out.append(line(total))
    if shown < len(widths):
        out.append(f"({len(widths) - shown} more columns: --json, --csv or --xlsx show them all)")
    if not table.rows:
        out.append("(nothing)")
    return out


def render(report: Report, width: int = 80, ascii: bool = False) -> str:
    """A report as terminal text."""
    lines = [f"{report.title} — as of {report.as_of.isoformat()}"]
    head = "  ".join(f"{k}: {cell(v, k)}" for k, v in report.headline)
    lines += _wrap(head, width) if head else []
    if report.kind == "summary":
        for table in report.tables:
            lines.append("")
            lines += _wrap(f"{table.name:<10} " + "  ".join(f"{cell(r[0])} {r[1]:,}" for r in table.rows), width, indent=11)
    else:
        for table in report.tables:
            lines.append("")
            lines += render_table(table, width, ascii)
    for note in report.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines) + "\n"


def _wrap(text: str, width: int, indent: int = 0) -> list[str]:
    """Words of `text` on lines of at most `width` cells (pairs like "A 5" are kept together by the caller
    through two spaces between them)."""
    out, current = [], ""
    for piece in text.split("  "):
        candidate = f"{current}  {piece}" if current else piece
        if current and _cells(candidate) > width:
            out.append(current)
            current = " " * indent + piece
        else:
            current = candidate
    if current:
        out.append(current)
    return out
