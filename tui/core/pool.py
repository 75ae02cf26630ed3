"""The public pool (公海): its rules, read in one place from schema.yaml `x-crm.pool`.

Everyone who needs a pool rule (claiming, the sweep, the due queue, permission checks) asks
`pool_rules(schema)`, so a rule edited in schema.yaml means the same thing everywhere.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Any, Callable, Iterable, NamedTuple

from tui.core.cadence import add_days
from tui.core.catalog import Summary
from tui.core.changes import Changes, short
from tui.core.display import printable
from tui.core.errors import CrmError, NothingToChange, Problem
from tui.core.record import Record
from tui.core.schema import Schema
from tui.core.transaction import Change, Transaction
from tui.core.workspace import Workspace
from tui.core.yamledit import EditError, append_value, delete_keys, set_value
from tui.core.yamlparse import YamlProblem, parse


class PoolRules(NamedTuple):
    """`no_order_days` None: orders play no part in returning a customer to the pool."""

    claim_limit: int = 50  # customers one owner may hold
    idle_days: int = 90  # no touch for this long: back to the pool
    no_order_days: int | None = None  # no order for this long (since claimed): back to the pool
    cooldown_days: int = 30  # a customer taken back may not be claimed again by its owner for this long
    warn_days: int = 7  # the due queue warns this many days before a customer returns


# key -> (smallest value, may be null)
KEYS: dict[str, tuple[int, bool]] = {
    "claim_limit": (0, False),
    "idle_days": (1, False),
    "no_order_days": (1, True),
    "cooldown_days": (0, False),
    "warn_days": (0, False),
}


def _block(schema: Schema) -> Any:
    xcrm = schema.json.get("x-crm")
    return xcrm.get("pool") if isinstance(xcrm, dict) else None


def pool_problems(schema: Schema) -> list[Problem]:
    """What is wrong with `x-crm.pool`, each at its line and column (for `crm validate`)."""
    block = _block(schema)
    if block is None:
        return []
    if not isinstance(block, dict):
        line, col = schema.locate(("x-crm", "pool"))
        return [Problem(schema.name, line, col, "x-crm.pool must be a mapping of rules (claim_limit: 50, ...)")]
    found = []
    for key, value in block.items():
        line, col = schema.locate(("x-crm", "pool", key))
        if key not in KEYS:
            near = difflib.get_close_matches(str(key), list(KEYS), n=1, cutoff=0.6)
            hint = f"did you mean {near[0]}? " if near else ""
            found.append(Problem(schema.name, line, col, f"x-crm.pool.{key} is not a pool rule; {hint}"
                                 f"the rules are {', '.join(KEYS)}"))
            continue
        low, nullable = KEYS[key]
        if value is None and nullable:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            also = " or null" if nullable else ""
            found.append(Problem(schema.name, line, col,
                                 f"x-crm.pool.{key} must be a whole number from {low} up{also}, not {value!r}"))
    return sorted(found)


def pool_rules(schema: Schema) -> PoolRules:
    """The pool rules of a workspace; defaults for keys left out. A bad value is a CrmError at its line."""
    problems = pool_problems(schema)
    if problems:
        raise CrmError(f"{problems[0]}; fix schema.yaml (crm validate lists every problem)")
    block = _block(schema) or {}
    defaults = PoolRules()
    return PoolRules(**{key: block.get(key, getattr(defaults, key)) for key in KEYS})


# ------------------------------------------------------------------ when a customer goes back


def _after(day: str, days: int) -> str:
    return add_days(dt.date.fromisoformat(day), days).isoformat()


def return_day(s: Summary, rules: PoolRules, created: str = "") -> str:
    """The day an owned customer goes back to the pool ("" for a pool customer, or when nothing dates it):
    `idle_days` after the later of its claim and its owner's last touch, or `no_order_days` (when set)
    after the later of its claim and its last order; a customer never claimed nor touched counts from the
    day it was created (`created`, from git history)."""
    if not s.owner:
        return ""
    start = max(s.claimed_on, s.owner_touch) or created
    if not start:
        return ""
    day = _after(start, rules.idle_days)
    if rules.no_order_days is not None:
        ordered = max(s.claimed_on, s.last_order) or created
        if ordered:
            day = min(day, _after(ordered, rules.no_order_days))
    return day


def needs_created(s: Summary, rules: PoolRules) -> bool:
    """Whether `return_day` (or the never-touched reminder) needs the day the record was created."""
    if not s.owner or s.claimed_on:
        return False
    return not s.owner_touch or (rules.no_order_days is not None and not s.last_order) or not s.touches


def created_days(ws: Workspace, rids: Iterable[str], progress=None) -> dict[str, str]:
    """rid -> the day (author date) of the commit that last created its file (a deleted record brought back
    starts again), from the history index (brought up to date first, reporting `progress(done, total)`)."""
    wanted = list(rids)
    if not wanted:
        return {}
    from tui.core.history import index_for

    index = index_for(ws, progress)
    out = {}
    for rid in wanted:
        added = [e for e in index.entries(rid) if e[1] == "A"]
        if added:
            out[rid] = index.commits[added[0][0]][2][:10]  # entries are newest first
    return out


def due_back(summaries: Iterable[Summary], rules: PoolRules, ws: Workspace) -> dict[str, str]:
    """rid -> the day each owned customer goes back to the pool (those that nothing dates are left out)."""
    owned = [s for s in summaries if s.owner]
    created = created_days(ws, (s.id for s in owned if needs_created(s, rules)))
    days = {s.id: return_day(s, rules, created.get(s.id, "")) for s in owned}
    return {rid: day for rid, day in days.items() if day}


# ------------------------------------------------------------------ why a customer is in the pool


class Why(NamedTuple):
    """`how`: "never owned", "released", "returned idle" or "owner removed"."""

    how: str
    by: str = ""
    on: str = ""
    commit: str = ""

    def __str__(self) -> str:
        if self.how == "never owned":
            return self.how
        return f"{self.how} on {self.on} by {self.by}"


RELEASED = "released to the pool"
SWEEP = "pool sweep:"
_OWNER = re.compile(r"(?:^|, )(?:unset )?owner\b")  # `crm set`/`crm edit` subjects: "unset owner (was ...)"


def _why(rid: str, subject_line: str) -> str | None:
    """What a commit that touched the record did to its owner, read from the subjects crm writes."""
    if subject_line.startswith(SWEEP):
        return "returned idle"
    body = subject_line.removeprefix(f"{rid}: ").removeprefix("hand edit: ")
    if body.startswith(f"{RELEASED} by "):
        return "released"
    if body != subject_line and _OWNER.search(body):
        return "owner removed"
    return None


def why_in_pool(ws: Workspace, rids: Iterable[str]) -> dict[str, Why]:
    """Why each customer is in the pool, from the subjects of the commits that touched it (no blob is read)."""
    from tui.core.history import index_for

    index = index_for(ws)
    out = {}
    for rid in rids:
        out[rid] = Why("never owned")
        for sha, *_ in index.entries(rid):
            author, email, when, subject_line = index.commits[sha]
            how = _why(rid, subject_line)
            if how:
                out[rid] = Why(how, email, when[:10], sha)
                break
    return out


def taken_back_from(ws: Workspace, rid: str, since: str) -> tuple[str, str, str] | None:
    """(owner, day, how) of the latest time since `since` that the customer's owner was taken away."""
    from tui.core.history import index_for, read_blobs

    index = index_for(ws)
    found = []
    for sha, _, old, new in index.entries(rid):
        when = index.commits[sha][2][:10]
        if when < since:
            break
        how = _why(rid, index.commits[sha][3])
        if how and old:
            found.append((old, new, when, how))
    texts = read_blobs(ws, [b for item in found for b in item[:2] if b])
    for old, new, when, how in found:
        before, after = _owner_of(texts.get(old)), _owner_of(texts.get(new)) if new else ""
        if before and not after:
            return before, when, how
    return None


def _owner_of(text: str | None) -> str:
    if not text:
        return ""
    try:
        data, _ = parse(text)
    except YamlProblem:
        return ""
    return str(data.get("owner") or "") if isinstance(data, dict) else ""


# ------------------------------------------------------------------ claim, release, sweep

RELEASE_KIND = "release"
OWNERSHIP = ("owner", "claimed_on")  # what going back to the pool removes


def owned_by(summaries: Iterable[Summary], email: str) -> int:
    email = email.casefold()
    return sum(1 for s in summaries if s.owner.casefold() == email)


def claim(changes: Changes, rid: str, summaries: Iterable[Summary]) -> Change:
    """Make the customer yours (`owner`, `claimed_on` today) in one commit, within the pool's rules."""
    ws, me, today = changes.ws, changes.git.identity()[1], changes.today()
    rules = pool_rules(ws.schema)
    held = owned_by((s for s in summaries if s.id != rid), me)
    if held >= rules.claim_limit:
        raise CrmError(f"you own {held} customer{'' if held == 1 else 's'}, the claim limit (x-crm.pool.claim_limit: {rules.claim_limit}); "
                       f"release one first (`crm release ID`)")
    if rules.cooldown_days:
        back = taken_back_from(ws, rid, add_days(today, -rules.cooldown_days).isoformat())
        if back and back[0].casefold() == me.casefold():
            again = _after(back[1], rules.cooldown_days)
            how = {"released": f"you released {rid}", "returned idle": f"{rid} went back to the pool idle from you",
                   "owner removed": f"{rid} was taken from you"}[back[2]]
            raise CrmError(f"{how} on {back[1]}; you may claim it again from {again} "
                           f"(x-crm.pool.cooldown_days: {rules.cooldown_days})")

    def edit(record: Record, text: str) -> tuple[str, str]:
        owner = str((record.data or {}).get("owner") or "")
        if owner.casefold() == me.casefold():
            raise NothingToChange(f"{rid}: you own it already")
        if owner:
            raise CrmError(f"{rid} is owned by {printable(owner, True)}, not in the pool; they can release it "
                           f"(`crm release {rid}`)")
        text = set_value(text, ("owner",), me, after=changes._after("owner"))
        text = set_value(text, ("claimed_on",), today, after=changes._after("claimed_on"))
        return text, f"claimed from the pool by {me}"

    return changes.apply(rid, edit, what="crm claim")


def release(changes: Changes, rid: str, note: str | None = None, expected_digest: str | None = None) -> Change:
    """Give the customer back to the pool in one commit, with a touch logged that says why."""
    me, today = changes.git.identity()[1], changes.today()
    kinds = changes.ws.rules.touch_kinds
    if kinds and RELEASE_KIND not in kinds:
        raise CrmError(f"schema.yaml has no `{RELEASE_KIND}` touch kind; add it to x-crm.touch_kinds and to the "
                       "log's via enum, as the default schema.yaml has it")
    note = (note or "").strip()

    def edit(record: Record, text: str) -> tuple[str, str]:
        data = record.data or {}
        if not data.get("owner"):
            raise NothingToChange(f"{rid}: already in the pool")
        text = delete_keys(text, OWNERSHIP)
        entry = {"on": today, "by": me, "via": RELEASE_KIND, "note": note or f"{RELEASED} by {me}"}
        text = append_value(text, ("log",), entry, after=changes._after("log"))
        return text, f"{RELEASED} by {me}" + (f": {short(note, 50)}" if note else "")

    return changes.apply(rid, edit, expected_digest, "crm release")


def _swept(tx: Transaction, rid: str) -> tuple[Record, str] | None:
    """(record, its text without the ownership keys), or None for a record that is not a mapping. A file as
    HEAD has it is edited as it is read (one parse for the edit, one for its check); any other is read,
    checked and its hand edit committed first, as every change does."""
    record = tx.read_committed(rid)
    if record is not None:
        try:
            return record, delete_keys(record.text or "", OWNERSHIP)
        except (EditError, YamlProblem):
            pass  # read it again the careful way, which says why
    record = tx.read(rid)
    if record.text is None or not isinstance(record.data, dict):
        return None
    try:
        return record, delete_keys(record.text, OWNERSHIP)
    except (EditError, YamlProblem) as exc:
        raise CrmError(f"{record.relpath}: {printable(exc, True)}; nothing was swept; fix the file "
                       f"(`crm edit {rid}`) and sweep again") from None


class Sweep(NamedTuple):
    """Who goes back to the pool today: (summary, the day it became due to go back), by id."""

    today: dt.date
    back: list[tuple[Summary, str]]
    change: Change | None = None

    def lines(self) -> list[str]:
        return [f"{s.id} from {s.owner} (due back {day})" for s, day in self.back]


def sweep_due(ws: Workspace, summaries: Iterable[Summary], today: dt.date) -> list[tuple[Summary, str]]:
    """Every owned customer whose return day has come, by id: the same in every clone on the same day."""
    rules = pool_rules(ws.schema)
    listed = {s.id: s for s in summaries}
    days = due_back(listed.values(), rules, ws)
    now = today.isoformat()
    return sorted(((listed[rid], day) for rid, day in days.items() if day <= now), key=lambda item: item[0].id)


def sweep(ws: Workspace, summaries: Iterable[Summary], today: dt.date, dry_run: bool = False,
          progress: Callable[[int, int], None] | None = None) -> Sweep:
    """Return every idle customer to the pool in ONE commit that lists them. The edit (remove `owner` and
    `claimed_on`) and the message depend only on the records and the day, so two clones sweeping the same
    day make the same change, which a sync's rebase drops as already there."""
    back = sweep_due(ws, summaries, today)
    result = Sweep(today, back)
    if dry_run or not back:
        return result
    rules = pool_rules(ws.schema)
    reason = f"no touch for {rules.idle_days} days" + (
        f" or no order for {rules.no_order_days} days" if rules.no_order_days is not None else "")
    with Transaction(ws, "crm pool sweep") as tx:
        tx.prefetch()  # HEAD's entries in one `git ls-tree`, not one a record
        items = []
        for s, _ in back:
            item = _swept(tx, s.id)
            if item is not None:
                items.append(item)
        message = f"{SWEEP} {len(items)} customer{'s' if len(items) != 1 else ''} back on {today.isoformat()} ({reason})"
        # checked: removing two optional keys cannot make a record invalid
        change = tx.land_many(items, message, body="\n".join(result.lines()), checked=True, progress=progress)
    return result._replace(change=change)
