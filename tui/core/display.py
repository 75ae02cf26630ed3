"""How a field's value reads in a message: on one line, cut to a length."""

from __future__ import annotations

import datetime as dt
from typing import Any


def show_value(value: Any, limit: int = 60, none: str = "(none)") -> str:
    """`[a, b]`, `{k: v}`, ISO dates, whitespace folded, at most `limit` characters."""
    if value is None:
        return none
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(show_value(v, limit, none) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show_value(v, limit, none)}" for k, v in value.items()) + "}"
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
