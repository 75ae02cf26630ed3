"""Deleted customers and bringing them back: which records were deleted, when and by whom, read from
the history index (history.py) rather than a walk of `git log`, and a restore as one commit."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from tui.core.changes import short
from tui.core.conflicts import is_conflict
from tui.core.errors import CrmError, NotFound, UsageError
from tui.core.history import Progress, index_for, read_blobs
from tui.core.merge_customers import KEY as MERGED_FROM, SUBJECT as MERGE_SUBJECT
from tui.core.transaction import Change, Transaction
from tui.core.workspace import ID_PATTERN, Workspace
from tui.core.yamlparse import YamlProblem, parse

_NAME_LINE = re.compile(r"^name:[^\n]*", re.M)


@dataclass(frozen=True)
class Deleted:
    """A record whose file is gone, as the commit that deleted it left it."""

    id: str
    name: str
    when: dt.datetime
    author: str
    email: str
    commit: str
    blob: str  # the record's text just before it was deleted
    merged_into: str = ""  # KEEP, when `crm merge KEEP this` removed it and KEEP still says merged_from it

    @property
    def short(self) -> str:
        return self.commit[:7]


def deleted_records(ws: Workspace, progress: Progress | None = None) -> list[Deleted]:
    """Every customer whose latest commit deleted it and whose file is still gone, newest deletion first."""
    index = index_for(ws, progress)
    gone = []
    for rid, entries in index.records.items():
        sha, status, old, _ = entries[0]  # newest first
        if status == "D" and old and ID_PATTERN.match(rid) and not ws.exists(rid):
            gone.append((rid, sha, old))
    texts = read_blobs(ws, [old for _, _, old in gone])
    out = []
    for rid, sha, old in gone:
        author, email, when, subject = index.commits.get(sha, ("?", "?", "1970-01-01T00:00:00+00:00", ""))
        out.append(Deleted(rid, name_in(texts.get(old, ""), rid), dt.datetime.fromisoformat(when), author, email, sha, old,
                           _merged_into(ws, rid, subject)))
    return sorted(out, key=lambda d: (d.when, d.id), reverse=True)


def _merged_into(ws: Workspace, rid: str, subject: str) -> str:
    """KEEP, when the commit that removed `rid` was `crm merge KEEP rid` and KEEP still lists it in
    merged_from (a KEEP that cannot be read is taken to list it: restoring would risk a duplicate)."""
    m = MERGE_SUBJECT.match(subject)
    if not m or m[2] != rid or not ws.exists(m[1]):
        return ""
    try:
        data, _ = parse(ws.require(m[1]).read_text(encoding="utf-8"))
    except (CrmError, OSError, UnicodeDecodeError, YamlProblem):
        return m[1]
    kept = data.get(MERGED_FROM) if isinstance(data, dict) else None
    return m[1] if isinstance(kept, list) and rid in kept else ""


def name_in(text: str, fallback: str) -> str:
    """The `name:` of a record's text, reading that one line (a deleted record may no longer parse)."""
    line = _NAME_LINE.search(text)
    if line:
        try:
            data, _ = parse(line.group() + "\n")
        except YamlProblem:
            data = None
        if isinstance(data, dict) and data.get("name"):
            return str(data["name"])
    return fallback


def find_deleted(ws: Workspace, query: str, rows: list[Deleted] | None = None) -> Deleted:
    """The deleted customer whose id is `query` or the only one that starts with it."""
    rows = deleted_records(ws) if rows is None else rows
    exact = [d for d in rows if d.id == query]
    matches = exact or [d for d in rows if d.id.startswith(query)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        shown = ", ".join(d.id for d in matches[:5]) + (", ..." if len(matches) > 5 else "")
        raise UsageError(f"{query!r} matches {len(matches)} deleted customers ({shown}); give more of the id")
    present = [rid for rid in ws.ids() if rid.startswith(query)]
    if len(present) == 1:
        raise UsageError(f"{present[0]} is not deleted: records/{present[0]}.yaml is there")
    raise NotFound(f"no deleted customer {query!r}; `crm deleted` lists them")


def restore(ws: Workspace, gone: Deleted) -> Change:
    """Put the record back exactly as it was before its deletion, in one commit; refused for a record
    merged into another, which already holds its contacts, orders and touches (it would be there twice)."""
    if gone.merged_into:
        raise CrmError(f"{gone.id} was merged into {gone.merged_into}; `crm undo {gone.merged_into}` puts both back")
    text = read_blobs(ws, [gone.blob]).get(gone.blob)
    if text is None:
        raise CrmError(f"git no longer has the text of records/{gone.id}.yaml from {gone.short}; nothing was written")
    with Transaction(ws, "crm restore") as tx:
        if ws.exists(gone.id):
            raise CrmError(f"records/{gone.id}.yaml is there again; nothing was written")
        record = tx.blank(gone.id)
        message = f"{gone.id}: restore customer {short(gone.name)} (deleted in {gone.short})"
        # Conflict entries the record carried when it was deleted come back with it.
        return tx.land(record, text, message, allow=lambda p: is_conflict(p.message))
