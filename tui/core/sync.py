"""`crm sync`: commit pending hand edits, fetch, rebase, validate and push, all or nothing.

The steps, and what a failure at each leaves behind (always: the workspace as it was, nothing lost):
1. check: a branch with an upstream, no rebase or merge in progress, no uncommitted changes outside
   records/ (we never stash the user's work);
2. validate pending hand edits to records/ (an invalid one stops the sync, listed file:line:col);
3. fetch (with a timeout; never prompts);
4. commit the hand edits, one commit per record;
5. rebase onto the upstream; git runs the field-level merge driver on records both sides changed, a
   delete against an edit keeps the edited record and flags it in its conflicts block;
6. validate every record that changed, and count the records the push would delete (the guard);
7. push (with a timeout). If the upstream moved meanwhile, go again from 3 (a few times).
On a failure after step 4 we put HEAD back where it was and turn our commits back into uncommitted
edits, so the files on disk are exactly what the user had.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from tui.core import conflicts as cf
from tui.core.display import printable, show_value
from tui.core.errors import CrmError, GitError, Problem
from tui.core.gitrepo import Git
from tui.core.merge import ensure_driver
from tui.core.record import read_record
from tui.core.syncrecovery import restore
from tui.core.transaction import SYNC_JOURNAL, Journal, Transaction, field_changes
from tui.core.workspace import ID_PATTERN, Workspace
from tui.core.yamlparse import YamlProblem, parse

DEFAULT_MAX_DELETES = 10
DEFAULT_TIMEOUT = 60.0
STATE_NAME = "sync.json"
ATTEMPTS = 3

Progress = Callable[[str], None]


class SyncError(CrmError):
    """A sync that did not happen; the workspace is as it was. `problems`: invalid records, if any."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass
class SyncResult:
    """What a sync did. Ids are record ids (file stems)."""

    committed: list[str] = field(default_factory=list)  # hand edits committed by this sync
    pulled: int = 0  # commits brought in
    pushed: int = 0  # commits sent
    changed_by_others: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # records with a conflicts block after the sync
    deleted: list[str] = field(default_factory=list)  # records the push deleted
    upstream: str = ""

    def summary(self) -> str:
        parts = []
        if self.committed:
            parts.append(f"committed {len(self.committed)} hand edit{'s' if len(self.committed) != 1 else ''}")
        parts.append(f"brought in {self.pulled} commit{'s' if self.pulled != 1 else ''}")
        parts.append(f"sent {self.pushed}")
        text = f"synced with {self.upstream}: " + ", ".join(parts)
        if self.changed_by_others:
            text += f"; others changed {len(self.changed_by_others)} record{'s' if len(self.changed_by_others) != 1 else ''}"
        if self.conflicts:
            text += f"; {len(self.conflicts)} with conflicts to settle (`crm validate` lists them)"
        return text


@dataclass
class SyncState:
    """What the UI footer shows: ahead / behind the upstream (as last fetched), last sync, last error."""

    branch: str | None
    upstream: str | None
    ahead: int
    behind: int
    pending: int  # records with uncommitted hand edits
    last_sync: str | None  # ISO timestamp of the last successful sync
    last_error: str | None


# ------------------------------------------------------------------ state for the footer


def _state_path(ws: Workspace) -> Path:
    return ws.state_dir / STATE_NAME


def _load_state(ws: Workspace) -> dict:
    try:
        return json.loads(_state_path(ws).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _save_state(ws: Workspace, **changes) -> None:
    state = _load_state(ws)
    state.update(changes)
    path = _state_path(ws)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(state), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # derived state only


def sync_state(ws: Workspace) -> SyncState:
    """Ahead/behind against the upstream as last fetched (no network), pending edits, last sync."""
    git = Git(ws.root)
    saved = _load_state(ws)
    branch = _branch(git)
    upstream = _upstream(git) if branch else None
    ahead = behind = 0
    if upstream:
        proc = git.run("rev-list", "--left-right", "--count", f"HEAD...{upstream}", check=False)
        if proc.returncode == 0:
            left, right = proc.stdout.split()
            ahead, behind = int(left), int(right)
    pending = len(_pending(git)) if git.is_repo() else 0
    return SyncState(branch, upstream, ahead, behind, pending, saved.get("last_sync"), saved.get("last_error"))


# ------------------------------------------------------------------ git facts


def _branch(git: Git) -> str | None:
    proc = git.run("symbolic-ref", "-q", "--short", "HEAD", check=False)
    return proc.stdout.strip() or None


def _upstream(git: Git) -> str | None:
    proc = git.run("rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}", check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def _pending(git: Git) -> list[tuple[str, str]]:
    """(status, path) of records with uncommitted changes (new, changed or deleted)."""
    out = []
    for status, path in git.status_paths("records"):
        name = path.rsplit("/", 1)[-1]
        if path.startswith("records/") and path.count("/") == 1 and name.endswith(".yaml") and not name.startswith("."):
            out.append((status, path))
    return out


def _dirty_elsewhere(git: Git) -> list[str]:
    """Tracked files outside records/ with uncommitted changes: a rebase would refuse to run."""
    return [path for _, path in git.status_paths(untracked=False) if not path.startswith("records/")]


def _network_error(exc: GitError, remote: str, what: str, timeout: float) -> SyncError:
    text = str(exc)
    low = text.lower()
    if "longer than" in low:
        return SyncError(f"offline: could not reach {remote} within {timeout:.0f} s; nothing changed, your commits are "
                         f"kept; check the connection (or raise --timeout) and run `crm sync` again")
    if any(s in low for s in ("authentication failed", "permission denied", "could not read username", "terminal prompts disabled",
                              "host key verification failed", "403")):
        return SyncError(f"{remote} refused our credentials ({_first_line(text)}); nothing changed. Set up an ssh key or a "
                         f"git credential helper (try `git {what}` once in a terminal), then run `crm sync` again")
    if any(s in low for s in ("could not resolve host", "connection refused", "network is unreachable", "could not read from remote",
                              "does not appear to be a git repository", "unable to access", "connection timed out")):
        return SyncError(f"offline: could not reach {remote} ({_first_line(text)}); nothing changed, your commits are kept; "
                         f"run `crm sync` again when online")
    return SyncError(f"git {what} failed: {_first_line(text)}; nothing changed, run `crm sync` again")


def _first_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in lines:
        if ln.lower().startswith(("fatal:", "error:")):
            return ln
    return lines[0] if lines else text


# ------------------------------------------------------------------ sync


def sync(ws: Workspace, *, force: bool = False, max_deletes: int | None = None, timeout: float = DEFAULT_TIMEOUT,
         progress: Progress | None = None) -> SyncResult:
    """Sync the workspace with its upstream; raises SyncError (workspace unchanged) on any failure."""
    say = progress or (lambda step: None)
    if not (timeout > 0 and timeout < 86400):  # also refuses nan
        raise SyncError(f"the timeout must be a number of seconds between 0 and 86400, not {timeout}")
    try:
        with Transaction(ws, "crm sync") as tx:
            result = _sync(ws, tx, force, max_deletes, timeout, say)
    except SyncError as exc:
        _save_state(ws, last_error=str(exc).splitlines()[0])
        raise
    except CrmError as exc:
        _save_state(ws, last_error=str(exc).splitlines()[0])
        raise SyncError(str(exc)) from None
    _save_state(ws, last_sync=dt.datetime.now().astimezone().isoformat(timespec="seconds"), last_error=None)
    return result


def _sync(ws: Workspace, tx: Transaction, force: bool, max_deletes: int | None, timeout: float, say: Progress) -> SyncResult:
    git = tx.git
    ensure_driver(ws.root)
    git_dir = git.git_dir()
    branch = _branch(git)
    if branch is None:
        raise SyncError("HEAD is detached; check out a branch (`git switch main`) and sync again")
    upstream = _upstream(git)
    if upstream is None:
        remotes = git.run("remote").stdout.split()
        if not remotes:
            raise SyncError(f"no upstream: run `git remote add origin URL && git push -u origin {branch}`")
        raise SyncError(f"no upstream for {branch}: run `git push -u {remotes[0]} {branch}` once")
    remote = git.run("config", f"branch.{branch}.remote", check=False).stdout.strip() or upstream.split("/")[0]
    if max_deletes is None:
        configured = git.run("config", "--int", "crm.maxDeletes", check=False).stdout.strip()
        max_deletes = int(configured) if configured else DEFAULT_MAX_DELETES
    dirty = _dirty_elsewhere(git)
    if dirty:
        raise SyncError(f"uncommitted changes outside records/ ({', '.join(dirty[:5])}); commit or stash them, then sync")

    pending = _pending(git)
    bad: list[Problem] = []
    for status, path in pending:
        target = ws.root / path
        if target.is_symlink():
            bad.append(Problem(path, 1, 1, "a symbolic link, which crm does not follow or commit; replace it with the file"))
        elif target.exists():
            record = read_record(ws.schema, Path(path).stem, target, path)
            bad += [p for p in record.problems if not cf.is_conflict(p.message)]
            if not ID_PATTERN.match(Path(path).stem):
                bad.append(Problem(path, 1, 1, "file name is not a record id (lower-case letters, digits and dashes)"))
    if bad:
        raise SyncError(f"{len(bad)} problem{'s' if len(bad) != 1 else ''} in hand-edited records; fix them and sync again "
                        "(nothing was committed, fetched or pushed)", bad)

    saved_head = git.head()
    journal = Journal(ws, SYNC_JOURNAL)
    journal.write({"kind": "sync", "saved_head": saved_head, "committed_tip": saved_head, "committed": [], "step": "fetch"})
    committed: list[str] = []
    committed_tip = saved_head
    result = SyncResult(upstream=upstream)
    try:
        for attempt in range(ATTEMPTS):
            say(f"fetching {remote}")
            try:
                git.run("fetch", "--quiet", "--no-tags", remote, timeout=timeout)
            except GitError as exc:
                raise _network_error(exc, remote, "fetch", timeout) from None
            if attempt == 0 and pending:
                committed = _commit_pending(tx, pending, say)
                committed_tip = git.head()
                journal.update(committed_tip=committed_tip, committed=committed)
                result.committed = [Path(p).stem for p in committed]
            journal.update(step="rebase")
            try:
                result = _rebase_validate_push(ws, git, git_dir, upstream, remote, branch, saved_head, force, max_deletes,
                                               timeout, say, result, journal)
                journal.clear()
                return result
            except _Retry:
                say(f"{remote} moved meanwhile; trying again")
                journal.update(step="fetch")
        raise SyncError(f"{remote} kept moving while we synced; nothing changed, run `crm sync` again")
    except BaseException:
        restore(git, saved_head, committed_tip, committed)
        journal.clear()
        raise


class _Retry(Exception):
    pass


def _commit_pending(tx: Transaction, pending: list[tuple[str, str]], say: Progress) -> list[str]:
    """Commit each pending hand edit of a record on its own, with a message naming what changed."""
    if not pending:
        return []
    say(f"committing {len(pending)} hand edit{'s' if len(pending) != 1 else ''}")
    git = tx.git
    done = []
    head = git.head()
    for status, path in pending:
        rid = Path(path).stem
        try:
            raw = (tx.ws.root / path).read_bytes()  # read once: the message describes exactly what is committed
        except FileNotFoundError:
            raw = None
        entry = git.tree_entry(head, path)
        if raw is None:
            message = f"{rid}: delete customer (hand edit)"
        elif entry is None:
            data = _data(raw.decode("utf-8", "replace"))
            message = f"{rid}: new customer {show_value(data.get('name', rid), 40)} (hand edit)"
        else:
            before = _data(git.blob_text(entry[1]).decode("utf-8", "replace"))
            message = f"{rid}: hand edit: {field_changes(before, _data(raw.decode('utf-8', 'replace')))}"
        if tx.commit_present(path, raw, message):
            done.append(path)
            head = git.head()
    return done


def _data(text: str) -> dict:
    try:
        data, _ = parse(text)
    except YamlProblem:
        return {}
    return data if isinstance(data, dict) else {}


def _rebase_validate_push(ws, git, git_dir, upstream, remote, branch, saved_head, force, max_deletes, timeout, say, result,
                          journal) -> SyncResult:
    behind = int(git.run("rev-list", "--count", f"HEAD..{upstream}").stdout.strip() or 0) if saved_head else 0
    ahead = int(git.run("rev-list", "--count", f"{upstream}..HEAD").stdout.strip() or 0) if saved_head else 0
    others = []
    if saved_head and behind:
        names = git.run("log", "--format=", "--name-only", "--no-renames", f"HEAD..{upstream}", "--", "records/").stdout.split()
        others = sorted({Path(n).stem for n in names if n.endswith(".yaml")})
    if saved_head is None:
        say(f"checking out {upstream}")
        git.run("reset", "-q", "--hard", upstream)
    elif behind and ahead:
        say(f"rebasing {ahead} commit{'s' if ahead != 1 else ''} onto {behind} new one{'s' if behind != 1 else ''}")
        _rebase(ws, git, git_dir, upstream)
    elif behind:
        say(f"bringing in {behind} commit{'s' if behind != 1 else ''}")
        git.run("merge", "-q", "--ff-only", upstream)

    say("validating")
    changed = git.run("diff", "--name-only", "--no-renames", f"{upstream}", "HEAD", "--", "records/").stdout.split()
    bad: list[Problem] = []
    conflicted = set()
    for path in changed:
        target = ws.root / path
        if not path.endswith(".yaml") or not target.exists():
            continue
        record = read_record(ws.schema, Path(path).stem, target, path)
        bad += [p for p in record.problems if not cf.is_conflict(p.message)]
        if cf.entries(record.data):
            conflicted.add(Path(path).stem)
    if bad:
        raise SyncError("after merging, these records do not validate; nothing changed. Fix them on your side, commit, "
                        "and sync again", bad)
    for rid in others:
        target = ws.record_path(rid) if ID_PATTERN.match(rid) else None
        # Only a file that mentions the block can hold one: skip parsing the rest (a sync may bring in thousands).
        if target is not None and target.exists() and f"{cf.KEY}:".encode() in target.read_bytes():
            record = read_record(ws.schema, rid, target, f"records/{rid}.yaml")
            if cf.entries(record.data):
                conflicted.add(rid)
    deleted = [Path(p).stem for p in git.run("diff", "--name-only", "--no-renames", "--diff-filter=D", upstream, "HEAD", "--",
                                             "records/*.yaml").stdout.split()]
    if len(deleted) > max_deletes and not force:
        raise SyncError(f"this sync would delete {len(deleted)} records ({', '.join(deleted[:5])}{', ...' if len(deleted) > 5 else ''}), "
                        f"more than the limit of {max_deletes}; nothing changed. Check with `git diff --stat {upstream} HEAD`, "
                        "then run `crm sync --force` (or --max-deletes N) if that is intended")

    to_push = int(git.run("rev-list", "--count", f"{upstream}..HEAD").stdout.strip() or 0)
    if to_push:
        say("checking the team rules")
        _check_permissions(git, upstream)
    journal.update(step="push")
    if to_push:
        say(f"pushing {to_push} commit{'s' if to_push != 1 else ''} to {remote}")
        try:
            proc = git.run("push", "--porcelain", remote, f"HEAD:refs/heads/{_remote_branch(git, branch, upstream)}", check=False,
                           timeout=timeout)
        except GitError:
            raise SyncError(f"{remote} did not answer the push within {timeout:g} s; the push may or may not have landed. "
                            "Nothing here changed; run `crm sync` again, which finds out and sends what is missing") from None
        if proc.returncode != 0:
            text = proc.stderr + proc.stdout
            reasons = [printable(ln[7:].strip(), True) for ln in text.splitlines() if ln.startswith("remote:") and ln[7:].strip()]
            if "[remote rejected]" in text or "hook declined" in text:
                why = "; ".join(reasons) if reasons else _first_line(text)
                raise SyncError(f"{remote} refused the push: {why}. Nothing changed here; fix what it names "
                                "(or ask whoever runs the server), then `crm sync` again")
            if "[rejected]" in text or "non-fast-forward" in text or "fetch first" in text:
                raise _Retry()
            raise _network_error(GitError(text), remote, "push", timeout)
        git.run("fetch", "--quiet", "--no-tags", remote, check=False, timeout=timeout)  # refresh upstream for ahead/behind
    result.pulled = behind
    result.pushed = to_push
    result.changed_by_others = others
    result.conflicts = sorted(conflicted)
    result.deleted = deleted
    return result


def _check_permissions(git: Git, upstream: str) -> None:
    """Refuse to push what the upstream's team rules (x-crm.team) do not allow, as its hook would."""
    from tui.core.permissions import check_range

    refusals = check_range(git, f"{upstream}..HEAD").refusals
    if refusals:
        lines = "".join(f"\n  {r}" for r in refusals)
        raise SyncError(f"the team rules (x-crm.team in schema.yaml) do not allow {len(refusals)} of these changes; "
                        f"nothing was pushed and nothing here changed:{lines}\nUndo them (`crm undo ID` for a commit, `git checkout -- FILE` for a hand edit), or ask a manager")


def _remote_branch(git: Git, branch: str, upstream: str) -> str:
    merge = git.run("config", f"branch.{branch}.merge", check=False).stdout.strip()
    return merge.removeprefix("refs/heads/") if merge else upstream.split("/", 1)[-1]


def _rebase(ws: Workspace, git: Git, git_dir: Path, upstream: str) -> None:
    proc = git.run("rebase", "--no-autostash", upstream, check=False)
    for _ in range(10_000):
        if not (git_dir / "rebase-merge").exists() and not (git_dir / "rebase-apply").exists():
            if proc.returncode != 0:
                raise SyncError(f"git rebase failed: {_first_line(proc.stderr + proc.stdout)}; nothing changed")
            return
        _settle_stop(ws, git, git_dir)
        proc = git.run("-c", "core.editor=true", "rebase", "--continue", check=False)
    raise SyncError("the rebase did not finish; nothing changed")


def _settle_stop(ws: Workspace, git: Git, git_dir: Path) -> None:
    """The rebase stopped: settle delete-against-edit of records; anything else stops the sync."""
    stages: dict[str, set[int]] = {}
    for line in git.run("ls-files", "-u", "-z").stdout.split("\0"):
        if line:
            info, path = line.split("\t", 1)
            stages.setdefault(path, set()).add(int(info.split()[2]))
    if not stages:
        raise SyncError("the rebase stopped without a conflict git could name; nothing changed. "
                        "Run `git pull --rebase` in a terminal to see why")
    for path, have in stages.items():
        is_record = path.startswith("records/") and path.endswith(".yaml") and path.count("/") == 1
        if not is_record:
            raise SyncError(f"{path} was changed both here and upstream and is not a record; nothing changed. "
                            "Merge it by hand with `git pull --rebase`, then sync")
        if 2 in have and 3 in have:
            raise SyncError(f"{path} could not be merged field by field (one side does not parse as a record); nothing changed. "
                            "Fix it on your side, commit, and sync again")
        # One side deleted the record, the other edited it: keep the edited one and flag it.
        kept_stage = 2 if 2 in have else 3
        text = git.run("show", f":{kept_stage}:{path}").stdout
        if kept_stage == 2:  # upstream kept it, the commit being replayed (ours, locally) deleted it
            who = _rebase_author(git, git_dir)
        else:
            who = git.run("log", "-1", "--format=%ae", "--diff-filter=D", "HEAD", "--", path, check=False).stdout.strip() or None
        from tui.core.clock import today  # CRM_TODAY, as the CLI and the merge driver read it

        text = flag_deleted(text, who, today())
        (ws.root / path).write_text(text, encoding="utf-8")
        git.run("add", "--", path)


def _rebase_author(git: Git, git_dir: Path) -> str | None:
    done = git_dir / "rebase-merge" / "done"
    try:
        lines = [ln.split() for ln in done.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    except OSError:
        return None
    if not lines or len(lines[-1]) < 2:
        return None
    return git.run("log", "-1", "--format=%ae", lines[-1][1], check=False).stdout.strip() or None


def flag_deleted(text: str, by: str | None, on: dt.date) -> str:
    """Add a delete-against-edit entry to a record's conflicts block."""
    from tui.core.yamledit import append_value

    entry = {"field": cf.RECORD, "value": cf.DELETED}
    if by:
        entry["by"] = by
    entry["on"] = on
    return append_value(text, (cf.KEY,), entry)


def as_dict(result: SyncResult) -> dict:
    return asdict(result)
