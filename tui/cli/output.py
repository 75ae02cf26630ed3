"""What the CLI writes: record text made safe for a terminal, and JSON that is always valid JSON.

Record text is data. `guard` wraps stdout and stderr for the length of a command so that whatever a
command prints (a name, a note, a git subject, an error naming a value) shows control characters as
escapes (`\\x1b]0;...`) instead of sending them to the terminal. JSON escapes them its own way.
"""

from __future__ import annotations

import json
import math
import re
import sys
from contextlib import contextmanager
from typing import Any, Iterator

from tui.core.display import printable

# json.dumps(ensure_ascii=False) escapes C0 controls only; these pass through it raw.
_JSON_RAW = re.compile("[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]")


def json_safe(value: Any) -> Any:
    """`value` with every float that JSON cannot hold (inf, -inf, nan) made null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def dumps(value: Any, indent: int | None = None) -> str:
    """Valid JSON (never NaN or Infinity), with control and bidi characters escaped as \\uXXXX."""
    text = json.dumps(json_safe(value), ensure_ascii=False, allow_nan=False, indent=indent)
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


class _Printable:
    """A text stream that shows control characters as escapes (tab and newline pass)."""

    def __init__(self, stream):
        self.unguarded = stream

    def write(self, text: str) -> int:
        return self.unguarded.write(printable(text))

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str):
        return getattr(self.unguarded, name)


@contextmanager
def guard() -> Iterator[None]:
    """For the length of a command, everything written to stdout and stderr goes through `printable`."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Printable(out), _Printable(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


def raw_stderr():
    """stderr without the guard, for our own progress lines (which rewrite the line with \\r)."""
    return getattr(sys.stderr, "unguarded", sys.stderr)
