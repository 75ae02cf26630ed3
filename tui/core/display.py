"""How record text reads for people: control characters made visible, values on one line, cut to a length.

Record text is data. Anything crm prints (CLI output, UI, notifications, commit messages, CSV) goes
through `printable` so that an escape sequence in a name shows as `\\x1b[2J` instead of clearing the
screen, setting the window title or writing the clipboard.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

# C0 controls except tab and newline, DEL, C1 controls, and the bidirectional overrides and isolates
# that can make a line read differently from its bytes.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]")
_CONTROL_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]")


def _escape(match: re.Match) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: Any, one_line: bool = False) -> str:
    """`text` with every control character shown as an escape (`\\x1b`); tab and newline kept unless
    `one_line`, where they are escaped too."""
    text = text if isinstance(text, str) else str(text)
    pattern = _CONTROL_ONE_LINE if one_line else _CONTROL
    return pattern.sub(_escape, text) if pattern.search(text) else text


def show_value(value: Any, limit: int = 60, none: str = "(none)") -> str:
    """`[a, b]`, `{k: v}`, ISO dates, whitespace folded, control characters escaped, at most `limit` characters."""
    if value is None:
        return none
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(show_value(v, limit, none) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{printable(k, True)}: {show_value(v, limit, none)}" for k, v in value.items()) + "}"
    text = printable(" ".join(str(value).split()), one_line=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"
