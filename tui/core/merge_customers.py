"""Merging two records of one customer (`crm merge KEEP OTHER`) into KEEP, as one commit.

The merge is the merge driver's (merge.py) with no common base: contacts, orders and the touch log are
unioned by the driver's identities, fields only OTHER has are taken, and a field both set differently
keeps KEEP's value with OTHER's in the `conflicts:` block for `crm resolve`. KEEP's text is edited in
place (comments and formatting stay), KEEP records `merged_from: [OTHER]`, and OTHER's file goes in the
same commit, so `crm undo KEEP` puts both back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tui.core import conflicts as cf
from tui.core.changes import short
from tui.core.errors import CrmError, InvalidRecord, UsageError
from tui.core.gitrepo import Git
from tui.core.identity import PHONE_FIELDS, email_key, phone_e164
from tui.core.merge import identity, merge_data, rewrite
from tui.core.transaction import Change, Transaction
from tui.core.workspace import ID_PATTERN, Workspace

KEY = "merged_from"
SUBJECT = re.compile(r"^([a-z0-9][a-z0-9-]*): merge duplicate ([a-z0-9][a-z0-9-]*)\b")


@dataclass(frozen=True)
class Merged:
    change: Change
    keep: str
    other: str
    conflicts: tuple[str, ...]  # the fields set differently, now in KEEP's conflicts block


def _spelled_alike(keep: dict, other: dict) -> dict:
    """OTHER's data with a contact's email or phone that is KEEP's in another spelling (`H.Mueller@...`,
    `040 1234567` for `+49 40 1234567`) written as KEEP has it: the same value is no conflict."""
    ours = keep.get("contacts") if isinstance(keep.get("contacts"), list) else []
    theirs = other.get("contacts") if isinstance(other.get("contacts"), list) else []
    by_identity = {identity("contacts", c): c for c in ours if isinstance(c, dict)}
    countries = [d.get("country") if isinstance(d.get("country"), str) else None for d in (keep, other)]
    contacts = []
    for contact in theirs:
        mine = by_identity.get(identity("contacts", contact)) if isinstance(contact, dict) else None
        if mine is not None:
            contact = dict(contact)
            for field, key in (("email", lambda v, _: email_key(v)), *((f, phone_e164) for f in PHONE_FIELDS)):
                a, b = mine.get(field), contact.get(field)
                if isinstance(a, str) and isinstance(b, str) and a != b and key(a, countries[0]) is not None \
                        and key(a, countries[0]) == key(b, countries[1]):
                    contact[field] = a
        contacts.append(contact)
    return {**other, "contacts": contacts} if theirs else other


def merged_record(keep: dict, other: dict, other_id: str, by: str | None = None, on=None) -> tuple[dict, list[dict]]:
    """KEEP's data with OTHER's merged in, and the conflict entries the merge added."""
    theirs = {k: v for k, v in _spelled_alike(keep, other).items() if k != KEY}
    merged, added = merge_data({}, keep, theirs, by or other_id, on)
    before = keep.get(KEY) if isinstance(keep.get(KEY), list) else []
    extra = other.get(KEY) if isinstance(other.get(KEY), list) else []
    ids = list(dict.fromkeys([*before, *extra, other_id]))
    block = merged.pop(cf.KEY, None)
    merged[KEY] = ids
    if block is not None:
        merged[cf.KEY] = block  # the conflicts block stays last, where people look for it
    return merged, added


def merge_customers(ws: Workspace, keep_id: str, other_id: str, today=None) -> Merged:
    """Merge OTHER into KEEP in one commit; refuses records that do not parse."""
    if keep_id == other_id:
        raise UsageError(f"{keep_id}: a customer cannot be merged with itself; give two different ids")
    with Transaction(ws, "crm merge") as tx:
        keep, other = tx.read(keep_id), tx.read(other_id)
        for record in (keep, other):
            if record.data is None or record.text is None:
                raise InvalidRecord(record.problems, None, f"{record.relpath} does not parse, so it cannot be merged; fix it "
                                    f"first (`crm edit {record.id}`)")
        merged, added = merged_record(keep.data, other.data, other_id, on=today() if today else None)
        text = rewrite(keep.text, keep.data, merged, merged)  # keys new to KEEP go last, in merged order
        name = other.data.get("name", other_id)
        fields = tuple(dict.fromkeys(e["field"] for e in added))
        body = "\n".join([f"merged {other_id} ({short(name)}) into {keep_id}; {other_id}'s file is removed"]
                         + ([f"set differently, kept {keep_id}'s value (settle with crm resolve): {', '.join(fields)}"] if fields else []))
        change = tx.land_many([(keep, text), (other, None)], f"{keep_id}: merge duplicate {other_id} ({short(name)})",
                              rid=keep_id, body=body, allow=lambda p: cf.is_conflict(p.message))
        return Merged(change, keep_id, other_id, fields)


def merged_into(ws: Workspace, rid: str, hops: int = 8) -> str | None:
    """The customer a removed record was merged into (following later merges), from the commit that
    removed its file; None when it was not removed by a merge."""
    if not ID_PATTERN.match(rid) or ws.exists(rid):
        return None
    git = Git(ws.root)
    current = rid
    for _ in range(hops):
        proc = git.run("log", "-1", "--diff-filter=D", "--format=%s", "--", f"records/{current}.yaml", check=False)
        m = SUBJECT.match(proc.stdout.strip()) if proc.returncode == 0 else None
        if not m or m[2] != current:
            return None if current == rid else current
        current = m[1]
        if ws.exists(current):
            return current
    raise CrmError(f"{rid}: its merges go round in a circle; look at `crm history {rid}`")
