"""The command palette (ctrl+p): every key binding of the current screen, plus what it offers besides
(sort by a column, filter presets), so any action can be found by name.

It is the palette's only provider: crm's actions come first, and of Textual's generic commands only
the theme is offered, last (Maximize, Screenshot or Keys are no help in a customer list)."""

from __future__ import annotations

from functools import partial
from typing import Callable, Iterator

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

Command = tuple[str, str, Callable[[], object]]
GENERIC_KEPT = ("Theme",)  # of Textual's system commands
# Textual's own bindings on every screen: they move focus or copy, which no one looks up by name.
TEXTUAL_ACTIONS = {"app.focus_next", "app.focus_previous", "focus_next", "focus_previous", "screen.copy_text",
                   "copy_text", "app.command_palette", "command_palette", "screen.maximize", "screen.minimize"}
GENERIC_WEIGHT = 0.5  # a generic command ranks below a crm action that matches as well


def screen_commands(screen: Screen) -> list[Command]:
    """(title, help, callback) for what `screen` can do, its key bindings first: the screen's own, then
    the app's, then the focused widget's (moving the cursor is the least a palette is for)."""
    app = screen.app
    out: list[Command] = []
    seen = set()
    bindings = sorted(screen.active_bindings.values(), key=lambda a: 0 if a.node is screen else 1 if a.node is app else 2)
    for active in bindings:
        binding = active.binding
        if not binding.description or not active.enabled or binding.action in seen:
            continue
        if binding.action in TEXTUAL_ACTIONS:
            continue
        seen.add(binding.action)
        keys = binding.key_display or app.get_key_display(binding)
        help_text = f"{active.tooltip or binding.tooltip or binding.description} ({keys})"
        out.append((binding.description, help_text, partial(app.run_action, binding.action, active.node)))
    extra = getattr(screen, "palette_commands", None)
    if extra is not None:
        out.extend(extra())
    return out


def generic_commands(screen: Screen) -> list[Command]:
    """The few of Textual's own commands worth offering, to list after crm's."""
    return [(c.title, c.help, c.callback) for c in screen.app.get_system_commands(screen) if c.title in GENERIC_KEPT]


class ScreenCommands(Provider):
    """Offers what the screen under the palette can do."""

    def _commands(self) -> Iterator[tuple[Command, float]]:
        for command in screen_commands(self.screen):
            yield command, 1.0
        for command in generic_commands(self.screen):
            yield command, GENERIC_WEIGHT

    async def discover(self) -> Hits:
        for (title, help_text, callback), _ in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for (title, help_text, callback), weight in self._commands():
            score = matcher.match(title) * weight
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)
