"""Settling a conflict: `crm resolve ID FIELD VALUE` puts the winning value in place and drops the
field's entries from the record's `conflicts:` block, in one commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tui.core.changes import Changes
from tui.core.conflicts import KEY, RECORD, entries, field_path, is_conflict
from tui.core.conflicts import show_conflict_value as show
from tui.core.errors import CrmError, UsageError
from tui.core.transaction import Change, Transaction
from tui.core.display import show_value
from tui.core.yamledit import EditError, delete_value, set_value, value_at


def resolve(ws, rid: str, field: str, value: Any = None, *, unset: bool = False, today=dt.date.today):
    """Settle `field` of record `rid` to `value` (or remove it with unset=True) and drop its conflict
    entries, in one commit. For `field="record"`, value "keep" keeps the record and "delete" deletes it.
    Returns the Change; raises UsageError when there is no such conflict."""
    changes = Changes(ws, today)
    with changes.transaction("crm resolve") as tx:
        return _resolve(tx, changes, rid, field, value, unset)


def _resolve(tx: Transaction, changes: Changes, rid: str, field: str, value: Any, unset: bool) -> Change:
    record = changes.editable(tx, rid, None)
    data = record.data
    block = data.get(KEY) if isinstance(data.get(KEY), list) else []
    hits = [i for i, e in enumerate(block) if isinstance(e, dict) and e.get("field") == field]
    if not hits:
        fields = sorted({e["field"] for e in entries(data)})
        hint = f"its conflicts are on: {', '.join(fields)}" if fields else "it has no conflicts"
        raise UsageError(f"{rid}: no conflict on {show(field)!r}; {hint}")
    text = record.text
    others = ", ".join(show(block[i].get("value")) for i in hits)
    try:
        if field == RECORD:
            choice = str(value or "").lower()
            if choice == "delete":
                name = data.get("name", rid)
                return tx.land(record, None, f"{rid}: delete customer {show_value(name, 40)} (resolve: it was deleted elsewhere)")
            if choice != "keep":
                raise UsageError(f"settle a deleted record with `crm resolve {rid} {RECORD} keep` or `... {RECORD} delete`")
            message = "resolve: keep the record (it was deleted elsewhere)"
        else:
            path = field_path(field)
            current = value_at(data, path)
            if unset:
                if current is not None:
                    text = delete_value(text, path)
                message = f"resolve {field}: {show(current)} / {others} -> (unset)"
            else:
                if value is None:
                    raise UsageError("give the VALUE that wins (or --unset)")
                if current != value:
                    text = set_value(text, path, value, style='"' if path[-1] == "country" else None)
                message = f"resolve {field}: {show(current)} / {others} -> {show(value)}"
        if len(hits) == len(block):
            text = delete_value(text, (KEY,))
        else:
            for i in reversed(hits):
                text = delete_value(text, (KEY, i))
    except EditError as exc:
        raise CrmError(f"{record.relpath}: {exc}; settle it by hand with `crm edit {rid}`") from None
    return tx.land(record, text, f"{rid}: {message}", allow=lambda p: is_conflict(p.message))
