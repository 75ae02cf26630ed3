"""Helpers for the fault tests: workspaces in real git repositories, the real CLI as a subprocess,
snapshots of what a user would see (record bytes, HEAD, `git status`), and kills.

Nothing here reads the wall clock for a date: crm runs with CRM_TODAY and git with fixed commit dates."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-23"
DATE = "2026-11-23T10:00:00+00:00"
ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "CRM_"))},
    "CRM_TODAY": TODAY,
    "NO_COLOR": "1",
    "GIT_AUTHOR_DATE": DATE,
    "GIT_COMMITTER_DATE": DATE,
    "GIT_CONFIG_NOSYSTEM": "1",
    "LC_ALL": "C",
}
RID = "acme-7k3q"      # the record the actions change
OTHER = "beta-2m4n"    # a second record (used by the check write after a kill)
HANDED = "gamma-5p6r"  # a record with a pending hand edit the user has before the action
CONF = "delta-8s9t"    # a record with a conflicts block, for `crm resolve`

ACME = """\
# yaml-language-server: $schema=../schema.yaml
name: Acme Lighting   # the one on the invoices
country: "DE"
city: Hamburg
industry: lighting distribution
grade: C
stage: quoted
tags: [distributor]
contacts:
  - name: Hans Muller
    email: hans@acme.example
    phone: "+49 40 1234567"
log:
  - on: 2025-10-01
    by: alice@example.com
    via: email
    note: First contact.
notes: Prefers email.
"""

BETA = """\
# yaml-language-server: $schema=../schema.yaml
name: Beta Optics
country: "FR"
city: Lyon
grade: B
stage: lead
"""

GAMMA = """\
# yaml-language-server: $schema=../schema.yaml
name: Gamma Tubes
country: "IT"
city: Milan
grade: D
stage: contacted
"""

DELTA = """\
# yaml-language-server: $schema=../schema.yaml
name: Delta Lamps
country: "ES"
city: Madrid
grade: C
stage: quoted
conflicts:
  - field: grade
    value: A
    by: bob@example.com
    "on": 2026-11-20
"""

RECORDS = {RID: ACME, OTHER: BETA, HANDED: GAMMA, CONF: DELTA}


def git(cwd: Path, *args: str, check: bool = True, env: dict | None = None) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          env={**ENV, "GIT_OPTIONAL_LOCKS": "0", **(env or {})})
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed in {cwd}:\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def identity(path: Path, name: str = "alice") -> None:
    git(path, "config", "user.name", name.title())
    git(path, "config", "user.email", f"{name}@example.com")
    git(path, "config", "commit.gpgsign", "false")


def make_ws(path: Path, records: dict[str, str] | None = None) -> Path:
    """A workspace: schema.yaml, .gitattributes, records, one commit."""
    from tui.core.create import GITATTRIBUTES

    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    identity(path)
    shutil.copy(ROOT / "schema.yaml", path / "schema.yaml")
    (path / ".gitattributes").write_text(GITATTRIBUTES)
    (path / "records").mkdir()
    for rid, text in (RECORDS if records is None else records).items():
        (path / "records" / f"{rid}.yaml").write_text(text)
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "crm: new workspace")
    return path


def crm(ws: Path, *args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`crm -w WS ARGS...` as a subprocess (the real entry point)."""
    return subprocess.run(command(ws, args), cwd=ws, capture_output=True,
                          text=True, env={**ENV, **(env or {})}, timeout=timeout)


def ok(ws: Path, *args: str) -> subprocess.CompletedProcess:
    proc = crm(ws, *args)
    assert proc.returncode == 0, f"crm {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}"
    return proc


def command(ws: Path, args) -> list[str]:
    return [sys.executable, "-m", "tui", "-w", str(ws), *args]


def spawn(ws: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    """crm in its own process group (so the test can tell when git children it left behind are gone)."""
    return subprocess.Popen(command(ws, args), cwd=ws, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**ENV, **(env or {})}, start_new_session=True)


def group_alive(pgid: int) -> bool:
    """Is any live (non-zombie) process left in process group `pgid`? (Linux /proc; elsewhere: no.)"""
    try:
        names = os.listdir("/proc")
    except OSError:
        return False
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        rest = stat.rsplit(")", 1)[1].split()
        if rest[0] != "Z" and int(rest[2]) == pgid:
            return True
    return False


def wait_for_change(proc: subprocess.Popen, ws: Path, limit: float) -> None:
    """Return as soon as records/ differs from how it was (a temporary file, the swap), or the process
    has ended, or `limit` seconds have passed."""
    start, t0 = record_files(ws), time.perf_counter()
    while proc.poll() is None and time.perf_counter() - t0 < limit and record_files(ws) == start:
        time.sleep(0.0005)


def kill_after(proc: subprocess.Popen, delay: float) -> tuple[bool, bool]:
    """SIGKILL the crm process (only it, as `kill -9 PID` does) after `delay` seconds; then wait until
    the git processes it started, which live on, have finished. Returns (killed while running, orphans seen)."""
    try:
        proc.wait(timeout=delay)
        proc.communicate()
        return False, False
    except subprocess.TimeoutExpired:
        pass
    try:
        os.kill(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    proc.communicate()
    orphans = False
    for _ in range(2000):
        if not group_alive(proc.pid):
            break
        orphans = True
        time.sleep(0.005)
    return True, orphans


# ------------------------------------------------------------------ what the user sees


def head(ws: Path) -> str:
    return git(ws, "rev-parse", "HEAD").strip()


def status(ws: Path) -> str:
    return git(ws, "status", "--porcelain=v1", "--untracked-files=all")


def record_files(ws: Path) -> dict[str, bytes]:
    """Every file in records/ (hidden ones too) -> bytes. A file removed while we list (a delete in
    flight, when polling a running crm) is left out."""
    d = ws / "records"
    out = {}
    for p in sorted(d.iterdir()) if d.is_dir() else []:
        try:
            if p.is_file():
                out[p.name] = p.read_bytes()
        except FileNotFoundError:
            pass
    return out


def hidden(ws: Path) -> list[str]:
    return sorted(n for n in record_files(ws) if n.startswith("."))


def fsck(ws: Path) -> str:
    """'' when `git fsck` is clean, else what it said."""
    proc = subprocess.run(["git", "fsck", "--no-progress", "--no-dangling"], cwd=ws, capture_output=True, text=True, env=ENV)
    bad = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip() and not ln.startswith("Checking")]
    return "" if proc.returncode == 0 and not bad else f"exit {proc.returncode}: " + "\n".join(bad)


def git_locks(ws: Path) -> list[str]:
    gd = Path(git(ws, "rev-parse", "--absolute-git-dir").strip())
    return sorted(str(p.relative_to(gd)) for p in gd.rglob("*.lock") if p.name != "write.lock" and "crm" not in p.parts)


def in_progress(ws: Path) -> list[str]:
    gd = Path(git(ws, "rev-parse", "--absolute-git-dir").strip())
    return [m for m in ("rebase-merge", "rebase-apply", "MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD") if (gd / m).exists()]


@dataclass
class Snap:
    files: dict[str, bytes]
    head: str
    status: str

    @classmethod
    def of(cls, ws: Path) -> "Snap":
        return cls(record_files(ws), head(ws), status(ws))


def assert_unchanged(ws: Path, before: Snap, proc: subprocess.CompletedProcess | None = None) -> None:
    after = Snap.of(ws)
    what = f"\ncrm said: {proc.stdout}{proc.stderr}" if proc is not None else ""
    changed = sorted(n for n in set(before.files) | set(after.files) if before.files.get(n) != after.files.get(n))
    assert not changed, f"records/ changed although the command failed: {changed}{what}"
    assert after.head == before.head, f"HEAD moved although the command failed: {git(ws, 'log', '--oneline', '-3')}{what}"
    assert after.status == before.status, f"git status changed:\nbefore:\n{before.status}\nafter:\n{after.status}{what}"


# ------------------------------------------------------------------ commits


def load(text: str | None) -> dict:
    if text is None:
        return {}
    data = yaml.safe_load(text)
    return data if isinstance(data, dict) else {}


def show(ws: Path, rev: str, relpath: str) -> str | None:
    proc = subprocess.run(["git", "show", f"{rev}:{relpath}"], cwd=ws, capture_output=True, text=True, env=ENV)
    return proc.stdout if proc.returncode == 0 else None


def changed_keys(old: dict, new: dict) -> set[str]:
    return {k for k in set(old) | set(new) if old.get(k, _MISSING) != new.get(k, _MISSING)}


_MISSING = object()


@dataclass
class Commit:
    sha: str
    subject: str
    paths: list[str]
    keys: dict[str, set[str]] = field(default_factory=dict)  # record path -> top-level keys that differ from the parent


def commits_since(ws: Path, base: str) -> list[Commit]:
    """The commits after `base` on HEAD, oldest first, each with the top-level keys it changed per record."""
    out = git(ws, "log", "--reverse", "--format=%H%x09%s", f"{base}..HEAD")
    result = []
    for line in out.splitlines():
        sha, subject = line.split("\t", 1)
        paths = [p for p in git(ws, "diff-tree", "--no-commit-id", "--name-only", "-r", "--root", sha).splitlines() if p]
        c = Commit(sha, subject, paths)
        for p in paths:
            if p.startswith("records/") and p.endswith(".yaml"):
                c.keys[p] = changed_keys(load(show(ws, f"{sha}^", p)), load(show(ws, sha, p)))
        result.append(c)
    return result


def diff_lines(ws: Path, sha: str) -> tuple[list[str], list[str]]:
    """(removed, added) lines of a commit's diff, without context."""
    out = git(ws, "show", "--format=", "--unified=0", sha)
    removed = [ln[1:] for ln in out.splitlines() if ln.startswith("-") and not ln.startswith("---")]
    added = [ln[1:] for ln in out.splitlines() if ln.startswith("+") and not ln.startswith("+++")]
    return removed, added


def summary(line: str) -> None:
    """Print a one-line figure (pytest -s shows it) and keep it in .pytest_cache/crm-faults-summary.txt."""
    print(f"\nFAULTS: {line}", flush=True)
    try:
        d = ROOT / ".pytest_cache"
        d.mkdir(exist_ok=True)
        with open(d / "crm-faults-summary.txt", "a") as fh:
            fh.write(line + "\n")
    except OSError:
        pass
