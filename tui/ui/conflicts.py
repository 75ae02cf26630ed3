"""Settling conflicts (`r`): where a sync kept two values of a field, the user picks the one that wins.

One dialog per conflicted field, each choice one commit through tui.core.conflicts.resolve; for a
record deleted elsewhere while edited here: keep it or delete it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from tui.core.changes import Change
from tui.core.conflicts import RECORD, Conflict, pending
from tui.core.resolve import resolve
from tui.core.errors import StaleWrite
from tui.core.record import Record
from tui.ui.messages import Write
from tui.ui.prompts import ChoiceScreen

if TYPE_CHECKING:
    from tui.ui.app import CrmApp


def show(value: Any, limit: int = 60) -> str:
    """A field value on one line, as the user wrote it in YAML."""
    if value is None:
        return "(unset)"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(show(v, limit) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v, limit)}" for k, v in value.items()) + "}"
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def has_conflicts(record: Record | None) -> bool:
    return record is not None and record.data is not None and bool(pending(record.data))


def question(name: str, conflict: Conflict, position: int, total: int) -> tuple[str, str, list[tuple[str, str]], dict]:
    """(title, body, choices, what each choice settles to) for one conflict."""
    who = conflict.by or "someone else"
    when = f" on {conflict.on.isoformat()}" if conflict.on else ""
    count = f" ({position} of {total})" if total > 1 else ""
    if conflict.field == RECORD:
        title = f"{name} was deleted by {who}{when}{count}"
        body = (f"{who} deleted this customer while it was edited here, so the edited record was kept. "
                "Keep it, or delete it now? Either way is one commit.")
        return title, body, [("k", "Keep the record"), ("d", "Delete it")], {"k": ("keep", False), "d": ("delete", False)}
    title = f"{name}: which {conflict.field} wins?{count}"
    body = (f"A sync found two values for {conflict.field}:\n"
            f"  [h] here: {show(conflict.here)}\n"
            f"  [o] {who}{when}: {show(conflict.other)}\n\n"
            "The one you choose stays, the other goes, in one commit. escape decides later.")
    keep = ("Keep it unset" if conflict.here is None else f"Keep {show(conflict.here, 20)}")
    take = ("Unset it" if conflict.other is None else f"Take {show(conflict.other, 20)}")
    settles = {"h": (conflict.here, conflict.here is None), "o": (conflict.other, conflict.other is None)}
    return title, body, [("h", keep), ("o", take)], settles


def settle(app: "CrmApp", record: Record, position: int = 1) -> None:
    """Ask which value wins for the record's first conflict; after that commit, ask about the next."""
    conflicts = pending(record.data) if record.data is not None else []
    if not conflicts:
        app.notify(f"{record.id} has no conflicts to settle")
        return
    rid = record.id
    name = str(record.data.get("name") or rid)
    conflict = conflicts[0]
    title, body, choices, settles = question(name, conflict, position, position - 1 + len(conflicts))

    def answer(key: str | None) -> None:
        if key not in settles:
            return
        value, unset = settles[key]

        def run(digest: str | None) -> Change:
            fresh = app.changes.read(rid)
            if digest is not None and fresh.digest != digest:
                raise StaleWrite(fresh.relpath, fresh.text or "")
            return resolve(app.ws, rid, conflict.field, value, unset=unset, today=app.today)

        def next_one(change: Change) -> None:
            if not change.commit or not app.ws.record_path(rid).exists():
                return
            fresh = app._read(rid)
            if has_conflicts(fresh):
                settle(app, fresh, position + 1)

        app.submit(Write(rid, run, record.digest, after=next_one))

    app.push_screen(ChoiceScreen(title, body, choices), answer)
