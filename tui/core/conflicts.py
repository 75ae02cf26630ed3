"""The `conflicts:` block of a record: values that collided in a merge, kept until someone settles them.

When two people set the same field to different values, the merge keeps one value in place and the
other here, so nothing is lost and the record stays valid YAML:

    conflicts:
      - field: grade        # a top-level key, or a path like contacts.0.phone
        value: C            # the value that is not in place (null: the other side removed the field)
        by: bob@example.com
        "on": 2025-10-02

A delete against an edit keeps the edited record with `field: record, value: deleted`.
`crm resolve ID FIELD VALUE` settles one field in one commit (resolve.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tui.core.display import show_value
from tui.core.yamledit import value_at

KEY = "conflicts"
RECORD = "record"  # the `field` of a delete-against-edit conflict
DELETED = "deleted"
PREFIX = "conflict: "  # every problem message about a conflict starts with this


def entries(data: Any) -> list[dict]:
    """The conflict entries of a record's data (empty when there are none or the block is malformed)."""
    block = data.get(KEY) if isinstance(data, dict) else None
    if not isinstance(block, list):
        return []
    return [e for e in block if isinstance(e, dict) and isinstance(e.get("field"), str)]


def show_conflict_value(value: Any) -> str:
    return show_value(value, 40, "(unset)")


def field_path(field: str) -> tuple:
    """'contacts.0.phone' -> ('contacts', 0, 'phone')."""
    return tuple(int(p) if p.isdigit() else p for p in field.split("."))


def describe(rid: str, data: dict, entry: dict) -> str:
    """The problem message for one entry: what collided and the command that settles it."""
    field = entry["field"]
    who = entry.get("by") or "someone else"
    when = f" on {show_conflict_value(entry['on'])}" if entry.get("on") else ""
    if field == RECORD:
        return (f"{PREFIX}this record was deleted by {who}{when} and edited here, so it was kept; settle it with "
                f"`crm resolve {rid} {RECORD} keep` (or `... {RECORD} delete`)")
    here = show_conflict_value(value_at(data, field_path(field)))
    other = entry.get("value")
    other_text = "unset it" if other is None else f"set it to {show_conflict_value(other)}"
    return (f"{PREFIX}field {field} is {here} here and {who} {other_text}{when}; settle it with "
            f"`crm resolve {rid} {field} VALUE`")


def problems(rid: str, data: Any) -> list[tuple[tuple, str]]:
    """(path, message) for every conflict entry, as schema validation reports problems."""
    block = data.get(KEY) if isinstance(data, dict) else None
    if not isinstance(block, list):
        return []
    return [((KEY, i), describe(rid, data, e)) for i, e in enumerate(block) if isinstance(e, dict) and isinstance(e.get("field"), str)]


def is_conflict(message: str) -> bool:
    """Whether a problem message is about a conflict (allowed through sync, unlike a broken record)."""
    return message.startswith(PREFIX) or f": {PREFIX}" in message


# ------------------------------------------------------------------ settling them


@dataclass(frozen=True)
class Conflict:
    """One field to settle: the value in place ("here") and the other one, for a UI to offer both."""

    field: str
    here: Any
    other: Any  # None: the other side removed the field
    by: str | None
    on: dt.date | None


def pending(data: Any) -> list[Conflict]:
    """The conflicts of a record, one per field (a field that collided twice shows its latest value)."""
    out: dict[str, Conflict] = {}
    for e in entries(data):
        here = value_at(data, field_path(e["field"])) if e["field"] != RECORD else "edited"
        out[e["field"]] = Conflict(e["field"], here, e.get("value"), e.get("by"), e.get("on") if isinstance(e.get("on"), dt.date) else None)
    return list(out.values())
