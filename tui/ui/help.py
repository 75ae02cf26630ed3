"""`?`: every key of the screen underneath, what it does, the row markers, the search words and the
sync state."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tui.ui.sync import SYNC_HELP
from tui.ui.table import legend_items

SEARCH_HELP = (
    "Type to search names, local names, contacts, emails, phones, tags and notes. Words like these filter:\n"
    "  grade:A,B  stage:quoted  country:DE  region:Europe  industry:lighting  tag:oem\n"
    "  owner:mine  owner:pool  owner:someone@example.com  due:overdue|today|soon|due  is:invalid"
)


KEY_NAMES = {"slash": "/", "question_mark": "?", "escape": "escape", "enter": "enter"}


def key_name(key: str) -> str:
    """A key as people write it: ctrl+e, delete, /, ?, shift+r (for R)."""
    if len(key) == 1 and key.isupper():
        return f"shift+{key.lower()}"
    return KEY_NAMES.get(key, key)


def key_table(screen: Screen) -> Table:
    """The screen's own keys first, then the app's, then the focused widget's (movement)."""
    table = Table(box=None, padding=(0, 2), show_header=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    active = screen.active_bindings
    app = screen.app

    def rank(item) -> int:
        node = item[1].node
        return 0 if node is screen else 1 if node is app else 2

    seen = set()
    for key, entry in sorted(active.items(), key=rank):
        binding = entry.binding
        if not binding.description or binding.action in seen or binding.action in GENERIC_ACTIONS:
            continue
        seen.add(binding.action)
        keys = [k for k, a in active.items() if a.binding.action == binding.action and a.node is entry.node]
        table.add_row(", ".join(key_name(k) for k in keys), entry.tooltip or binding.tooltip or binding.description)
    return table


# Textual's own scrolling, focus and copy keys: standard everywhere, so not worth a line of help.
GENERIC_ACTIONS = {"app.focus_next", "app.focus_previous", "scroll_left", "scroll_right", "page_left", "page_right", "focus_next", "focus_previous",
                   "screen.copy_text", "copy_text", "app.copy_text", "scroll_up", "scroll_down", "scroll_home",
                   "scroll_end", "page_up", "page_down"}


class HelpScreen(ModalScreen[None]):
    """The keys of the screen it was opened from."""

    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "Close", tooltip="Close the help"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 96; max-width: 100%; height: auto; max-height: 100%; border: round $accent; background: $surface; padding: 0 1; }
    """

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text("Keys", style="bold"))
            yield Static(key_table(self.under))
            yield Static(Text("\nRow markers", style="bold"))
            items = legend_items(self.app.ws.rules.due_days)
            yield Static("\n".join("   ".join(items[i:i + 4]) for i in range(0, len(items), 4)), markup=False)
            yield Static(Text("\nSearch", style="bold"))
            yield Static(SEARCH_HELP, markup=False)
            yield Static(Text("\nSync state (status line)", style="bold"))
            yield Static(SYNC_HELP, markup=False)
            yield Static(Text("\nctrl+p lists every action by name. escape, ? or q closes this.", style="italic"))

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()
