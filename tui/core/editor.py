"""The user's editor ($VISUAL, $EDITOR, else vi) and how to open it at a line and column: `+LINE` for
the terminal editors that take it, `--goto FILE:LINE:COL` for VS Code, the plain file for the rest."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

# Editors that take `+LINE FILE` (emacs and nano take a column too: +LINE:COL, +LINE,COL).
_PLUS_LINE = {"vi", "vim", "nvim", "gvim", "mvim", "view", "nano", "micro", "hx", "helix", "emacs", "emacsclient",
              "kak", "joe", "ne", "mg", "jed"}
_GOTO = {"code", "code-insiders", "codium", "vscodium", "cursor"}
_WHERE = re.compile(r"^.*?:(\d+):(\d+): ")


def editor_command() -> list[str]:
    return shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")


def position_of(problem: str) -> tuple[int, int] | None:
    """(line, column) of a "file:line:col: message" problem; None when it names no place."""
    m = _WHERE.match(problem)
    return (int(m[1]), int(m[2])) if m else None


def open_at(command: list[str], path: str, at: tuple[int, int] | None = None) -> list[str]:
    """The command line that opens `path` in `command` at (line, column), as far as the editor allows."""
    if not at or not command:
        return [*command, path]
    line, col = max(at[0], 1), max(at[1], 1)
    name = Path(command[0]).name.lower().removesuffix(".exe")
    if name in _GOTO:
        return [*command, "--goto", f"{path}:{line}:{col}"]
    if name in ("emacs", "emacsclient", "micro"):
        return [*command, f"+{line}:{col}", path]
    if name == "nano":
        return [*command, f"+{line},{col}", path]
    if name in _PLUS_LINE:
        return [*command, f"+{line}", path]
    return [*command, path]
