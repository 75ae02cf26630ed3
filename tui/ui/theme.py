"""Colours that stay readable: every text/background pair at least 4.5:1 (WCAG AA), and under NO_COLOR
states shown by bold, underline and italic rather than by shades of grey.

Textual's dark theme draws the cursor row light-on-blue at 3.8:1 and placeholders and unselected
dropdowns at half the foreground (3.5:1); crm's theme is the same theme with those few values darker or
lighter. tests/test_contrast.py measures the SVG snapshots.
"""

from __future__ import annotations

from dataclasses import replace

from textual.app import App
from textual.color import Color
from textual.theme import BUILTIN_THEMES

BASE_THEME = "textual-dark"
THEME = "crm-dark"

# App-level CSS: beats the widgets' DEFAULT_CSS, so it reaches Textual's own widgets too.
READABLE_CSS = """
SelectCurrent Static#label, SelectCurrent .arrow { color: $text-muted; }
"""


def readable_theme():
    """The default theme with the cursor background darkened until its text reads at 4.5:1 or more."""
    base = BUILTIN_THEMES[BASE_THEME]
    cursor = Color.parse(base.primary).darken(0.12)
    return replace(base, name=THEME, variables={
        **base.variables,
        "block-cursor-background": cursor.hex,
        "text-disabled": "auto 60%",  # placeholders: Textual's 38% is 2.8:1 on the surface
    })


def use_readable_theme(app: App) -> None:
    """Register crm's theme and make it the app's (the user can still pick another in the palette)."""
    app.register_theme(readable_theme())
    app.theme = THEME
