"""Item: every text/background pair the snapshots show reads at 4.5:1 or more (WCAG AA) with colour on,
and under NO_COLOR the states are drawn by style (bold, underline, italic), never by a dim grey.

Read from the SVG snapshots of tests/test_ui_snapshots.py: each <text> is one run of one style, and the
<rect> at the same cell holds its background. Behind a dialog the screen is dimmed on purpose, so on a
dialog's snapshot only the dialog (its round border and what is inside) is measured.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

SNAPSHOTS = Path(__file__).parent / "__snapshots__"
CELL = 12.2  # width of one terminal cell in Rich's SVG export
DIALOGS = {"test_grade_prompt", "test_log_form", "test_release_note_prompt"}
GLYPHS = re.compile(r"[\u2580-\u259f\u2500-\u257f]")  # scrollbars and borders: drawing, not text
MINIMUM = 4.5


def luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def runs(svg: str):
    """(line, first column, text, foreground, background or None) for every run of text."""
    classes = dict(re.findall(r"\.(terminal-r\d+) \{ fill: (#[0-9a-f]{6})", svg))
    backgrounds = {
        (round((float(y) - 1.5) / 24.4), round(float(x) / CELL)): fill for fill, x, y in
        re.findall(r'<rect fill="(#[0-9a-f]{6})" x="([\d.]+)" y="([\d.]+)" width="[\d.]+" height="24.65"', svg)
    }
    pattern = (r'<text class="(terminal-r\d+)" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
               r'clip-path="url\(#terminal-line-(\d+)\)">([^<]*)</text>')
    for cls, x, line, text in re.findall(pattern, svg):
        line, col = int(line), round(float(x) / CELL)
        yield line, col, html.unescape(text).replace("\xa0", " "), classes[cls], backgrounds.get((line, col))


def dialog_box(found: list) -> tuple[int, int, int, int]:
    """Lines and columns of the dialog's round border."""
    top = next((line, col) for line, col, text, *_ in found if text.startswith("╭"))
    bottom = next(line for line, col, text, *_ in found if text.startswith("╰") and col == top[1])
    right = next(col + len(text) for line, col, text, *_ in found if line == top[0] and text.endswith("╮"))
    return top[0], bottom, top[1], right


def low_contrast(name: str) -> list[str]:
    found = list(runs(snapshot(name)))
    box = dialog_box(found) if name in DIALOGS else None
    bad = []
    for line, col, text, fg, bg in found:
        if not GLYPHS.sub("", text).strip():
            continue
        if box and not (box[0] <= line <= box[1] and box[2] <= col < box[3]):
            continue
        ratio = contrast(fg, bg) if bg else 0.0
        if ratio < MINIMUM:
            bad.append(f"line {line} col {col}: {fg} on {bg} is {ratio:.2f}:1: {text.strip()[:40]!r}")
    return bad


COLOUR_SNAPSHOTS = sorted(p.stem for p in SNAPSHOTS.glob("*/*.svg") if "no_color" not in p.stem)


def snapshot(name: str) -> str:
    return next(SNAPSHOTS.glob(f"*/{name}.svg")).read_text(encoding="utf-8")


def test_the_measure_is_wcag():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54  # the lightest grey AA allows on white
    assert contrast("#595959", "#121212") < MINIMUM  # NO_COLOR's old overdue rows fail it


def test_every_colour_snapshot_is_measured():
    assert {"test_main_screen", "test_due_queue", "test_history", "test_grade_prompt",
            "test_search_note_under_the_box"} <= set(COLOUR_SNAPSHOTS)
    assert all(len(list(runs(snapshot(n)))) > 10 for n in COLOUR_SNAPSHOTS)


@pytest.mark.parametrize("name", COLOUR_SNAPSHOTS)
def test_text_reads_at_4_5_to_1(name):
    assert low_contrast(name) == []


def test_no_color_draws_states_by_style_not_grey():
    svg = snapshot("test_main_screen_no_color")
    styles = dict(re.findall(r"\.(terminal-r\d+) \{ ([^}]*)\}", svg))
    rows = [(text, styles[cls]) for cls, text in re.findall(r'<text class="(terminal-r\d+)"[^>]*>([^<]*)</text>', svg)]
    overdue = [style for text, style in rows if html.unescape(text).startswith("!")]
    assert overdue and all("bold" in style and "underline" in style for style in overdue)
    for line, col, text, fg, bg in runs(svg):
        if GLYPHS.sub("", text).strip():
            assert bg and contrast(fg, bg) >= MINIMUM, (line, col, text, fg, bg)
