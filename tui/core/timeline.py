"""Every version of every customer, as the few facts reports need: the stage-transition index.

Reports ask "how many were in each stage on that day", "when did this customer reach quoted", "who
touched whom last month". Re-reading git for that costs seconds per question, so a derived index in
.git/crm/timeline.marshal keeps, for each record, its versions newest first (commit, day, author email,
Card), and a Card per distinct blob: the record's Summary plus its source, products, orders and touch
log in small tuples. It is built on the history index (tui/core/history.py), which already reads only
the commits that are new since its last update, and parses only blobs it has not seen: a new commit
costs one blob. A missing, unreadable or stale index (another HEAD, another schema, another crm) is
brought up to date or rebuilt; it is derived, never the truth.

The workspace on a past day is the newest version of each record among the commits reachable from the
commit `--as-of` picks (tui/core/asof.py). The index keeps every commit's parents (read once per new
commit, when it is brought up to date), so that set is walked in memory: a report as of any day runs
no git beyond resolving the day's commit, and costs what today's does.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import marshal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NamedTuple

import tui
from tui.core.catalog import Summary, summarize
from tui.core.gitrepo import Git, git_env, parse_status, status_args
from tui.core.history import _data, index_for, read_blobs
from tui.core.record import decode, read_raw
from tui.core.schema import Rules
from tui.core.workspace import Workspace

INDEX_FORMAT = 3
INDEX_NAME = "timeline.marshal"

Progress = Callable[[int, int], None]


class Card(NamedTuple):
    """What reports read from one version of a record. Dates are ISO strings; amounts are in the
    base currency (None: a currency with no rate)."""

    summary: Summary
    source: str
    products: tuple[str, ...]
    orders: tuple[tuple[str, float | None, str, tuple[str, ...]], ...]  # (date, base amount, currency, products)
    log: tuple[tuple[str, str, str, str], ...]  # (on, by, via, due)


class Version(NamedTuple):
    """One commit that touched a record. `card` is the Card as marshal bytes (`card_at` reads it):
    a report reads only the cards of the versions it counts, so loading the index stays cheap), None
    where the record was deleted."""

    commit: str
    day: str  # the commit's author date, YYYY-MM-DD
    email: str  # who made the commit
    blob: str | None
    stage: str
    grade: str
    card: bytes | None
    dues: tuple[tuple[str, str, str], ...] = ()  # (on, by, due) of each touch in its log with a due date


def card_at(raw: bytes) -> Card:
    summary, *rest = marshal.loads(raw)
    return Card(Summary._make(summary), *rest)


def _text(value) -> str:
    return "" if value is None else str(value)


def _iso(value) -> str:
    return value.isoformat() if isinstance(value, dt.date) else ""


def _strings(value) -> tuple[str, ...]:
    return tuple(_text(v) for v in value if v is not None) if isinstance(value, list) else ()


def card_of(rid: str, data: dict | None, problem: str | None, rules: Rules, intern: dict) -> tuple:
    """The Card of one version; `intern` shares equal tuples between versions (a long history repeats
    almost every touch), which keeps the index small and quick to load."""
    if data is None:
        return (tuple(summarize(rid, None, [problem or "could not be read"], rules)), "", (), (), ())
    orders, log = [], []
    for item in data.get("orders") or () if isinstance(data.get("orders"), list) else ():
        if isinstance(item, dict) and isinstance(item.get("date"), dt.date):
            amount = item.get("amount")
            currency = _text(item.get("currency") or rules.base_currency)
            base = rules.to_base(amount, currency) if isinstance(amount, (int, float)) and not isinstance(amount, bool) else None
            row = (item["date"].isoformat(), base, currency, _strings(item.get("products")))
            orders.append(intern.setdefault(row, row))
    for item in data.get("log") or () if isinstance(data.get("log"), list) else ():
        if isinstance(item, dict) and isinstance(item.get("on"), dt.date):
            row = (item["on"].isoformat(), _text(item.get("by")), _text(item.get("via")), _iso(item.get("due")))
            log.append(intern.setdefault(row, row))
    summary = summarize(rid, data, (), rules)
    summary = summary._replace(**{k: intern.setdefault(getattr(summary, k), getattr(summary, k))
                                  for k in ("name", "owner", "tags", "search", "industry", "city")})
    products = _strings(data.get("products"))
    return (tuple(summary), _text(data.get("source")), intern.setdefault(products, products), tuple(orders), tuple(log))


@dataclass
class Timeline:
    """rid -> versions newest first, for HEAD of one clone, under one schema."""

    ws: Workspace
    head: str | None = None
    key: tuple = ()
    records: dict[str, list[tuple]] = field(default_factory=dict)  # rid -> raw Versions, newest first
    parents: bytes = b""  # marshal of {commit: its parents} for every commit reachable from head

    @property
    def path(self) -> Path:
        return self.ws.state_dir / INDEX_NAME

    def _key(self) -> tuple:
        return (INDEX_FORMAT, tui.__version__, self.ws.schema.digest)

    def load(self) -> None:
        """Stored with marshal: plain tuples, and each Card as bytes read only when a report counts
        it; at 30,000 versions that loads many times faster than pickling them as objects."""
        try:
            # loads(read_bytes()), not load(fh): marshal reads a file object piece by piece, 5x slower
            head, key, records, parents = marshal.loads(self.path.read_bytes())
            self.head, self.key, self.records, self.parents = head, tuple(key), records, parents
        except (OSError, EOFError, ValueError, TypeError):
            self.head, self.key, self.records, self.parents = None, (), {}, b""

    def save(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
            tmp.write_bytes(marshal.dumps((self.head, self.key, self.records, self.parents)))
            os.replace(tmp, self.path)
        except (OSError, ValueError):
            pass  # a read-only clone rebuilds in memory next time

    def update(self, progress: Progress | None = None) -> int:
        """Bring the index up to HEAD; returns how many blobs were parsed (0 when it was up to date)."""
        self.load()
        head = Git(self.ws.root).run("rev-parse", "-q", "--verify", "HEAD^{commit}", check=False).stdout.strip() or None
        key = self._key()
        if head == self.head and key == self.key:
            return 0
        seen = {v[3]: v[6] for vs in self.records.values() for v in vs if v[6]} if key == self.key else {}
        history = index_for(self.ws, progress) if head else None
        entries = history.records if history else {}
        texts = read_blobs(self.ws, [e[3] for es in entries.values() for e in es if e[3] and e[3] not in seen])
        rules, intern, pieces, parsed = self.ws.rules, {}, {}, 0
        records: dict[str, list[tuple]] = {}
        for rid, items in entries.items():
            versions = []
            for sha, _status, _old, blob in items:
                _author, email, when, _subject = history.commits.get(sha, ("?", "", "1970-01-01", ""))
                card = seen.get(blob) if blob else None
                if blob and card is None:
                    data, problem = _data(texts[blob], pieces) if blob in texts else (None, "its blob is missing")
                    card = seen[blob] = marshal.dumps(card_of(rid, data, problem and f"records/{rid}.yaml: {problem}", rules, intern))
                    parsed += 1
                    if progress and parsed % 500 == 0:
                        progress(parsed, len(texts))
                versions.append((sha, intern.setdefault(when[:10], when[:10]), intern.setdefault(email, email), blob,
                                 *_facts(card, intern)))
            records[rid] = versions
        self.parents = marshal.dumps(self._parents(head, key)) if head else b""
        self.records, self.head, self.key = records, head, key
        self.save()
        return parsed


    def _parents(self, head: str, key: tuple) -> dict[str, tuple[str, ...]]:
        """{commit: parents} for every commit reachable from `head`: the last index's, plus the commits
        that are new since its head (one `git rev-list`), less any a rewrite left unreachable."""
        known = marshal.loads(self.parents) if self.parents and self.head and key == self.key else {}
        args = ["rev-list", "--parents", head, *(["--not", self.head] if known else [])]
        out = Git(self.ws.root).run(*args, check=False)
        if out.returncode != 0:  # the old head is gone (gc after a rewrite): read them all
            known, out = {}, Git(self.ws.root).run("rev-list", "--parents", head)
        for line in out.stdout.splitlines():
            sha, *parents = line.split()
            known[sha] = tuple(parents)
        reached = ancestors(known, head)
        return known if len(reached) == len(known) else {sha: known[sha] for sha in reached}

    def reachable(self, commit: str) -> set[str]:
        """The commits reachable from `commit` (itself included), from the index alone."""
        known = marshal.loads(self.parents) if self.parents else {}
        if commit not in known:  # not in HEAD's history (asof picks from it, so only a broken index)
            return set(Git(self.ws.root).run("rev-list", commit).stdout.split())
        return ancestors(known, commit)


def ancestors(parents: dict[str, tuple[str, ...]], start: str) -> set[str]:
    """`start` and every commit reachable from it through `parents`."""
    seen, todo = {start}, [start]
    while todo:
        for p in parents.get(todo.pop(), ()):
            if p not in seen:
                seen.add(p)
                todo.append(p)
    return seen


def _facts(card: bytes | None, intern: dict) -> tuple[str, str, bytes | None, tuple]:
    """(stage, grade, card, dues) of a version: what reports read of every version without its card."""
    if card is None:
        return "", "", None, ()
    loaded = card_at(card)
    dues = tuple((on, by, due) for on, by, _via, due in loaded.log if due)
    return loaded.summary.stage, loaded.summary.grade, card, intern.setdefault(dues, dues)


def timeline_for(ws: Workspace, progress: Progress | None = None) -> Timeline:
    """The workspace's timeline index, up to date with HEAD."""
    line = Timeline(ws)
    line.update(progress)
    return line


def state_at(ws: Workspace, line: Timeline, commit: str | None = None, today: dt.date | None = None,
             status: subprocess.Popen | None = None) -> dict[str, tuple[Card, list[Version]]]:
    """rid -> (its Card, its versions oldest first since it was last created) as of `commit` (None:
    HEAD, with files changed in the work tree but not committed read from disk, dated `today`)."""
    reachable = None
    if commit is not None and commit != line.head:
        reachable = line.reachable(commit)
    out = {}
    make = Version._make
    for rid, versions in line.records.items():
        life = []
        for v in versions:
            if reachable is not None and v[0] not in reachable:
                continue
            if v[6] is None:
                break
            life.append(v)
        if life:
            out[rid] = (card_at(life[0][6]), [make(v) for v in reversed(life)])
    if commit is None:
        _overlay(ws, out, (today or dt.date.today()).isoformat(), status)
    return out


def start_status(ws: Workspace) -> subprocess.Popen | None:
    """`git status` of records/, started now so it runs while the index loads (`state_at` reads it)."""
    if not Git(ws.root).is_repo():
        return None
    return subprocess.Popen(["git", *status_args("records")], cwd=ws.root, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=git_env())


def _overlay(ws: Workspace, out: dict, day: str, status: subprocess.Popen | None) -> None:
    """Records changed in the work tree since HEAD, as they are on disk."""
    git = Git(ws.root)
    if status is not None:
        changed = parse_status(status.communicate()[0].decode("utf-8", "replace"))
        if status.returncode != 0:
            changed = git.status_paths("records")  # said again, so its error is reported
    else:
        changed = git.status_paths("records") if git.is_repo() else [("??", f"records/{e.name}") for e in ws.record_files()]
    intern: dict = {}
    for _xy, path in changed:
        if not (path.startswith("records/") and path.endswith(".yaml") and path.count("/") == 1):
            continue
        rid = path[8:-5]
        try:
            raw, problem = read_raw(ws.root / path, path)
        except FileNotFoundError:
            out.pop(rid, None)
            continue
        text, problem = decode(raw, path) if raw is not None else (None, problem)
        data, message = _data(text) if text is not None else (None, str(problem))
        raw = marshal.dumps(card_of(rid, data, message and f"{path}: {message}", ws.rules, intern))
        life = out.get(rid, (None, []))[1]
        out[rid] = (card_at(raw), [*life, Version("", day, "", None, *_facts(raw, intern))])
