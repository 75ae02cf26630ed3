"""The command palette (ctrl+p): every key binding of the current screen, plus what it offers besides
(sort by a column, filter presets), so any action can be found by name."""

from __future__ import annotations

from functools import partial
from typing import Callable, Iterator

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

Command = tuple[str, str, Callable[[], object]]


def screen_commands(screen: Screen) -> list[Command]:
    """(title, help, callback) for what `screen` can do, its key bindings first."""
    app = screen.app
    out: list[Command] = []
    seen = set()
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.description or not active.enabled or binding.action in seen:
            continue
        if binding.action in ("app.command_palette", "command_palette"):
            continue
        seen.add(binding.action)
        keys = binding.key_display or app.get_key_display(binding)
        help_text = f"{active.tooltip or binding.tooltip or binding.description} ({keys})"
        out.append((binding.description, help_text, partial(app.run_action, binding.action, active.node)))
    extra = getattr(screen, "palette_commands", None)
    if extra is not None:
        out.extend(extra())
    return out


class ScreenCommands(Provider):
    """Offers what the screen under the palette can do."""

    def _commands(self) -> Iterator[Command]:
        yield from screen_commands(self.screen)

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)
