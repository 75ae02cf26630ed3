"""Undo the latest change to a record, as a new commit.

Repeated undos walk further back: a commit made by undo names the commit it undid (`(abc1234)` at
the end of its message), and both are skipped when looking for the next change to undo. When the
change to undo is not the latest one to the file (a sync brought later changes on top of it), it is
reverted field by field against the later ones; if a later change touched the same field, undo
refuses and says which.
"""

from __future__ import annotations

import datetime as dt
import re

from tui.core.conflicts import is_conflict
from tui.core.errors import CrmError, UsageError
from tui.core.history import HistoryEntry, read_blobs, record_history
from tui.core.merge import load, merge_data, rewrite
from tui.core.merge_customers import SUBJECT as MERGE_SUBJECT
from tui.core.record import Record
from tui.core.transaction import Change, Transaction
from tui.core.workspace import Workspace

_UNDO = re.compile(r": undo .* \(([0-9a-f]{7,40})\)\Z")


def undo_target(ws: Workspace, rid: str) -> HistoryEntry:
    """The change `undo` would revert: the newest one not already undone."""
    skip: list[str] = []
    for entry in record_history(ws, rid, changes=False):
        m = _UNDO.search(entry.subject)
        if m:
            skip.append(m[1])
            continue
        hit = next((s for s in skip if entry.commit.startswith(s)), None)
        if hit:
            skip.remove(hit)
            continue
        return entry
    raise UsageError(f"{rid}: nothing left to undo")


def undo(ws: Workspace, rid: str, today=dt.date.today, target: HistoryEntry | None = None) -> Change:
    """Revert one change to a record (by default its latest) in one new commit."""
    relpath = f"records/{rid}.yaml"
    path = ws.record_path(rid)
    with Transaction(ws, "crm undo") as tx:
        git = tx.git
        if git.run("status", "--porcelain", "--", relpath).stdout.strip():
            raise CrmError(f"{relpath} has changes that are not committed; commit them (`crm sync`) or discard them "
                           f"(`git checkout -- {relpath}`), then undo")
        target = target or undo_target(ws, rid)
        texts = read_blobs(ws, [target.old_blob or "", target.new_blob or ""])
        before = texts.get(target.old_blob) if target.old_blob else None
        after = texts.get(target.new_blob) if target.new_blob else None
        current = path.read_text(encoding="utf-8") if path.exists() else None
        what = target.subject.split(": ", 1)[-1] if target.subject.startswith(f"{rid}: ") else target.subject
        message = f"{rid}: undo {what} ({target.short})"

        merge = MERGE_SUBJECT.match(target.subject)
        if merge and merge[2] == rid:
            raise UsageError(f"{rid} was merged into {merge[1]} by {target.short}; undo the merge with `crm undo {merge[1]}`, "
                             "which puts both back")
        # A change of this record that touched others too (a merge) is undone whole; an import's or a
        # sweep's commit, named after no record, gives back only this record's part.
        others = _companions(tx, target, relpath) if target.subject.startswith(f"{rid}: ") else []
        if others and current != after:
            raise CrmError(f"{rid}: {target.short} ({what}) also changed {', '.join(r for r, _, _ in others)}, and {rid} changed "
                           f"since; undo the later change first (`crm history {rid}` lists them)")
        if current == after:
            new_text = before  # the change is the latest: put the file back exactly
        elif before is None:
            raise CrmError(f"{rid} was created by {target.short}, and changed since; undoing its creation would lose those "
                           "changes. Delete the record explicitly if that is what you want")
        elif current is None or after is None:
            raise CrmError(f"{rid} was deleted or re-created after {target.short}; undo the later change first "
                           f"(`crm history {rid}` lists them)")
        else:
            b, o, t = load(after, "after"), load(current, "current"), load(before, "before")
            merged, clashes = merge_data(b, o, t)
            if clashes:
                fields = ", ".join(sorted({c["field"] for c in clashes}))
                raise CrmError(f"cannot undo {target.short} ({what}): a later change to {fields} is in the way; "
                               f"`crm history {rid}` shows it; change the field by hand with `crm set`")
            new_text = rewrite(current, o, merged, t)

        if current == new_text:
            raise UsageError(f"{rid}: undoing {target.short} changes nothing")
        if current is None:
            record = Record(rid, path, relpath, None, "", None, [])
        else:
            record = tx.read(rid, settle=False)
        ws.records_dir.mkdir(exist_ok=True)
        # Conflict entries the old version carried may come back with it.
        allow = lambda p: is_conflict(p.message)  # noqa: E731
        if others:
            items = [(record, new_text)] + _restore_companions(tx, ws, others, target)
            return tx.land_many(items, message, rid=rid, allow=allow)
        return tx.land(record, new_text, message, allow=allow)


def _companions(tx: Transaction, target: HistoryEntry, relpath: str) -> list[tuple[str, str | None, str | None]]:
    """The other records the commit to undo changed (a merge of two customers changes two):
    (relpath, blob before, blob after)."""
    proc = tx.git.run("diff-tree", "-r", "--no-commit-id", "--no-renames", "--root", target.commit, "--", "records/")
    out = []
    for line in proc.stdout.splitlines():
        meta, _, path = line.partition("\t")
        fields = meta.split()
        if path == relpath or len(fields) < 5:
            continue
        old, new = (None if set(b) == {"0"} else b for b in fields[2:4])
        out.append((path, old, new))
    return out


def _restore_companions(tx: Transaction, ws: Workspace, others, target: HistoryEntry) -> list[tuple[Record, str | None]]:
    """Each companion file back as it was before `target`; refused when one changed since."""
    texts = read_blobs(ws, [b for _, old, new in others for b in (old, new) if b])
    items = []
    for path, old, new in others:
        rid = path.removeprefix("records/").removesuffix(".yaml")
        file = ws.records_dir / f"{rid}.yaml"
        current = file.read_text(encoding="utf-8") if file.exists() else None
        if current != (texts.get(new) if new else None):
            raise CrmError(f"cannot undo {target.short}: {path}, which it also changed, changed since; "
                           f"`crm history {rid}` shows how")
        record = tx.read(rid, settle=False) if current is not None else tx.blank(rid)
        items.append((record, texts.get(old) if old else None))
    return items
