"""Who may change whose customers: every commit of a range checked against x-crm.team.

A manager may change anything. A salesperson may change the customers they own, claim customers from
the pool (within `x-crm.pool.claim_limit`), release their own, and add customers owned by themselves or
by nobody; not another's customer, not the x-crm rules. Someone not in the team may change no record.
The rules that apply are those in force before the commits (at the range's base, or on the server
before a push): a salesperson cannot make themselves a manager in the same push.

The commits are read with one `git log --raw` and the files they change with one `git cat-file --batch`, so a
thousand commits cost a few processes, not a few thousand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tui.core.errors import CrmError, UsageError
from tui.core.gitrepo import Git
from tui.core.history import read_blobs
from tui.core.schema import Schema
from tui.core.team import Team, team_of
from tui.core.workspace import Workspace
from tui.core.yamlparse import YamlProblem, parse

SCHEMA = "schema.yaml"
AUTHOR = "(author)"  # the "record" of a refusal about who made the commit, not what it changes
ZERO = re.compile(r"0+\Z")
_UNREADABLE = object()  # a version of a file that does not parse: its owner cannot be told
_PLAIN_OWNER = re.compile(r"^owner:[ \t]+([^\s\"'#&*!|>{}\[\],%@`][^\s#]*@[^\s#]+)[ \t]*(?:#.*)?$", re.M)
_OWNER_LINE = re.compile(r"""^owner:[ \t]*["']?([^"'\s#]+)""")


@dataclass(frozen=True)
class Refusal:
    """One change its author may not make."""

    commit: str
    author: str
    path: str
    why: str

    @property
    def record(self) -> str:
        return Path(self.path).stem if self.path.startswith("records/") else self.path

    def __str__(self) -> str:
        return f"{self.commit[:10]} {self.record}: {self.why}"

    def as_dict(self) -> dict:
        return {"commit": self.commit, "author": self.author, "record": self.record, "path": self.path, "why": self.why}


@dataclass
class Commit:
    sha: str
    author: str
    touches: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # (path, blob before, blob after)


@dataclass
class Report:
    """What a check found; `team` is the rules that applied (empty: no rules, nothing refused)."""

    refusals: list[Refusal]
    commits: int
    team: Team


# ------------------------------------------------------------------ reading git


def _is_record(path: str) -> bool:
    return path.startswith("records/") and path.count("/") == 1 and path.endswith(".yaml")


def read_commits(git: Git, revs: str, new_only: bool = False) -> list[Commit]:
    """The commits of `revs` (a range, or with `new_only` a tip less everything the repository's refs reach),
    oldest first, with the records and schema.yaml each one changes (a merge: what it changes against every
    parent, i.e. its own resolution)."""
    negate = ["--not", "--all", "--not"] if new_only else []
    out = git.run("-c", "core.quotePath=false", "log", "--reverse", "--topo-order", "-c", "--raw", "--no-renames",
                  "--no-abbrev", "--format=%x01%H %ae", *negate, "--end-of-options", revs, "--").stdout
    commits: list[Commit] = []
    for line in out.splitlines():
        if line.startswith("\x01"):
            sha, _, author = line[1:].partition(" ")
            commits.append(Commit(sha, author.strip()))
        elif line.startswith(":") and commits:
            meta, _, path = line.partition("\t")
            if not (_is_record(path) or path == SCHEMA):
                continue
            parents = len(meta) - len(meta.lstrip(":"))
            blobs = meta.lstrip(":").split()[parents + 1: 2 * parents + 2]
            before, after = blobs[0], blobs[-1]
            commits[-1].touches.append((path, None if ZERO.match(before) else before, None if ZERO.match(after) else after))
    return commits


def resolve(git: Git, rev: str) -> str | None:
    proc = git.run("rev-parse", "-q", "--verify", f"{rev}^{{commit}}", check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def team_at(git: Git, rev: str | None) -> Team:
    """The team rules in schema.yaml at `rev` (no rev, no schema.yaml, or one that does not read: no rules)."""
    if rev is None:
        return Team()
    proc = git.run("show", f"{rev}:{SCHEMA}", check=False)
    if proc.returncode != 0:
        return Team()
    try:
        return team_of(Schema(Path(SCHEMA), proc.stdout))
    except CrmError:
        return Team()


def owner_counts(git: Git, rev: str) -> dict[str, int]:
    """How many customers each owner has at `rev`: one `git grep` over the tree, no parsing."""
    out = git.run("grep", "-I", "--no-color", "-E", "^owner:", rev, "--", "records/*.yaml", check=False).stdout
    counts: dict[str, int] = {}
    for line in out.splitlines():
        _, path, text = line.split(":", 2)
        owner = _OWNER_LINE.match(text)
        if owner and _is_record(path):
            counts[owner[1].lower()] = counts.get(owner[1].lower(), 0) + 1
    return counts


# ------------------------------------------------------------------ the rules


def _owner(text: str | None):
    """The owner (lower-case) of one version of a record; None: in the pool or no such file."""
    if text is None:
        return None
    # Most records say `owner: x@y` once, on a line of its own: read that without parsing (2 ms a record).
    # Anything that could spell the key another way (an escape, a quoted or nested `owner`) is parsed.
    if "\\" not in text and text.count("owner") <= 1:
        line = _PLAIN_OWNER.search(text)
        if line:
            return line[1].lower()
        if "owner" not in text:
            return None
    try:
        data, _ = parse(text)
    except YamlProblem:
        return _UNREADABLE
    if not isinstance(data, dict):
        return _UNREADABLE
    owner = data.get("owner")
    return str(owner).strip().lower() if owner else None


def _xcrm(text: str | None):
    if text is None:
        return None
    try:
        data, _ = parse(text, problems=[])
    except YamlProblem:
        return _UNREADABLE
    return data.get("x-crm") if isinstance(data, dict) else _UNREADABLE


def _record_why(me: str, before, after, existed: bool) -> str | None:
    """Why salesperson `me` may not make this change to a record, or None when they may."""
    if before is _UNREADABLE or after is _UNREADABLE:
        return f"{me} (sales) changed a record that does not read as YAML, so whose it is cannot be told; a manager may"
    if existed and before not in (me, None):
        return f"{before}'s customer; {me} (sales) may change only their own (a manager may reassign it)"
    if existed and before is None and after != me:
        return f"in the public pool; {me} (sales) may change it only by claiming it (`crm claim ID`)"
    if after not in (me, None):
        return f"{me} (sales) may not give a customer to {after}; a manager assigns customers"
    return None


class _Owners:
    """Owner counts as the commits go by: read at the base only once a salesperson claims."""

    def __init__(self, git: Git, base: str | None):
        self.git, self.base = git, base
        self.counts: dict[str, int] | None = None
        self.delta: dict[str, int] = {}

    def move(self, before, after) -> None:
        for who, step in ((before, -1), (after, 1)):
            if isinstance(who, str):
                self.delta[who] = self.delta.get(who, 0) + step

    def held(self, who: str) -> int:
        if self.counts is None:
            self.counts = owner_counts(self.git, self.base) if self.base else {}
        return self.counts.get(who, 0) + self.delta.get(who, 0)


def _pushed_by_another(commits: list[Commit], team: Team, pusher: str | None) -> list[Refusal]:
    """A hook that knows who pushes (CRM_PUSHER, set per ssh key) refuses commits authored as someone else,
    unless a manager pushes them: an author's email is only what the commit says."""
    if not pusher or not team or team.role(pusher) == "manager":
        return []
    who = pusher.strip().lower()
    return [Refusal(c.sha, c.author, AUTHOR, f"authored as {c.author} but pushed with {who}'s key; only a manager pushes "
                    "others' commits") for c in commits if c.author.strip().lower() != who]


def check_commits(git: Git, commits: list[Commit], team: Team, base: str | None, pusher: str | None = None) -> list[Refusal]:
    """Every change in `commits` that `team` (the rules in force at `base`) does not allow."""
    forged = _pushed_by_another(commits, team, pusher)
    if not team or all(team.role(c.author) == "manager" for c in commits):
        return forged
    blobs = read_blobs(Workspace(git.root), (b for c in commits for _, *pair in c.touches for b in pair if b))
    owners = _Owners(git, base)
    refusals = []
    for c in commits:
        me, role = c.author.strip().lower(), team.role(c.author)
        for path, old, new in c.touches:
            why = None
            if path == SCHEMA:
                if role != "manager" and _xcrm(blobs.get(old) if old else None) != _xcrm(blobs.get(new) if new else None):
                    why = f"{me} ({role or 'not in the team'}) may not change the x-crm rules; a manager does"
                refusals += [Refusal(c.sha, c.author, path, why)] if why else []
                continue
            before = _owner(blobs.get(old)) if old else None
            after = _owner(blobs.get(new)) if new else None
            owners.move(before, after)
            if role == "manager":
                continue
            if role is None:
                why = f"{me} is not in x-crm.team (schema.yaml), so may change no customer; a manager adds them"
            else:
                why = _record_why(me, before, after, old is not None)
                if why is None and after == me and before != me and owners.held(me) > team.claim_limit:
                    why = (f"{me} (sales) would hold {owners.held(me)} customers, beyond x-crm.pool.claim_limit "
                           f"{team.claim_limit}; release one first (`crm release ID`)")
            if why:
                refusals.append(Refusal(c.sha, c.author, path, why))
    return forged + [r for r in refusals if not _undone(r.path, commits)]


def _undone(path: str, commits: list[Commit]) -> bool:
    """Whether the commits leave `path` as they found it (a change undone in the same push changes nothing)."""
    versions = [(old, new) for c in commits for p, old, new in c.touches if p == path]
    return bool(versions) and versions[0][0] == versions[-1][1]


# ------------------------------------------------------------------ the two ways in


def check_range(git: Git, text: str) -> Report:
    """`BASE..TIP` (or `BASE...TIP`): the commits in it, against the rules in force at BASE."""
    left, dots, right = text.partition("...") if "..." in text else text.partition("..")
    if not dots or not left:
        raise UsageError(f"{text!r} is not a range; give BASE..TIP (e.g. origin/main..HEAD): the rules at BASE apply")
    if resolve(git, left) is None or resolve(git, right or "HEAD") is None:
        raise UsageError(f"{text!r}: git knows no commit {left if resolve(git, left) is None else right!r}")
    base = resolve(git, left)
    if dots == "...":
        base = git.run("merge-base", left, right or "HEAD", check=False).stdout.strip() or None
    team = team_at(git, base)
    if not team:  # no rules: nothing to read
        return Report([], int(git.run("rev-list", "--count", "--end-of-options", text, "--").stdout.strip() or 0), team)
    commits = read_commits(git, text)
    return Report(check_commits(git, commits, team, base), len(commits), team)


def check_pushes(git: Git, stdin: str, pusher: str | None = None) -> Report:
    """What a pre-receive hook is given (`OLD NEW REF` lines): the new commits of each ref, against the rules
    on the server before the push (the ref's old tip, or HEAD for a new ref). `pusher`: the email of who
    pushes, when the server knows it."""
    refusals: dict[tuple[str, str], Refusal] = {}
    seen = 0
    team = Team()
    for line in stdin.splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        old, new, _ref = parts
        if ZERO.match(new):
            continue  # a deleted ref changes no record
        base = None if ZERO.match(old) else old
        base = base or resolve(git, "HEAD")
        team = team_at(git, base)
        if not team:
            continue
        commits = read_commits(git, new, new_only=True)
        seen += len(commits)
        for r in check_commits(git, commits, team, base, pusher):
            refusals.setdefault((r.commit, r.path), r)
    return Report(list(refusals.values()), seen, team)
