"""The workspace as it stood on a past day: `crm show/list/due --as-of DATE`.

The last commit on or before the end of DAY (committer time, local zone: when the change landed in
this branch) is extracted (schema.yaml and records/ only) into .git/crm/as-of/<commit>/, once; that
folder is a Workspace of its own whose cache also persists, so asking again is as fast as a normal
load. Old snapshots are pruned, keeping the most recently used few.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import tarfile
from pathlib import Path

from tui.core.errors import CrmError
from tui.core.gitrepo import Git
from tui.core.workspace import Workspace

KEEP = 5


def commit_as_of(ws: Workspace, day: dt.date) -> str:
    """The commit HEAD's history stood at by the end of `day`; CrmError when there is none."""
    git = Git(ws.root)
    if not git.is_repo() or not git.has_commits():
        raise CrmError(f"{ws.root} has no git history, so there is no as-of view; changes are recorded from the first commit on")
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time()).astimezone()
    sha = git.run("rev-list", "-1", "--first-parent", f"--before={(end - dt.timedelta(seconds=1)).isoformat()}", "HEAD").stdout.strip()
    if not sha:
        first = git.run("log", "--reverse", "--first-parent", "--format=%cs", "HEAD").stdout.split()
        since = first[0] if first else "?"
        raise CrmError(f"the workspace has no history on or before {day.isoformat()}; its history starts on {since}")
    return sha


def workspace_as_of(ws: Workspace, day: dt.date) -> Workspace:
    """A read-only Workspace holding schema.yaml and records/ as of the end of `day`."""
    sha = commit_as_of(ws, day)
    base = ws.state_dir / "as-of"
    folder = base / sha
    if not (folder / "schema.yaml").is_file():
        _extract(ws, sha, folder)
    os.utime(folder)  # most recently used, for pruning
    _prune(base, keep=folder)
    snapshot = Workspace(folder)
    snapshot.__dict__["state_dir"] = folder / ".crm"  # its own cache, kept with the snapshot
    snapshot.as_of = (day, sha)  # type: ignore[attr-defined]
    return snapshot


def _extract(ws: Workspace, sha: str, folder: Path) -> None:
    git = Git(ws.root)
    import subprocess

    from tui.core.gitrepo import git_env

    have = git.run("ls-tree", "--name-only", sha, "--", "schema.yaml", "records").stdout.split()
    if "schema.yaml" not in have:
        raise CrmError(f"commit {sha[:7]} has no schema.yaml: the workspace did not exist yet then")
    paths = ["schema.yaml"] + (["records"] if "records" in have else [])
    proc = subprocess.run(["git", "archive", "--format=tar", sha, "--", *paths], cwd=ws.root, capture_output=True, env=git_env())
    if proc.returncode != 0:
        raise CrmError(f"could not read commit {sha[:7]}: {proc.stderr.decode(errors='replace').strip()}")
    tmp = folder.with_name(f".{folder.name}.{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
        tar.extractall(tmp, filter="data")
    (tmp / "records").mkdir(exist_ok=True)
    try:
        os.replace(tmp, folder)
    except OSError:  # another process made it meanwhile
        shutil.rmtree(tmp, ignore_errors=True)


def _prune(base: Path, keep: Path) -> None:
    try:
        snapshots = sorted((p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")),
                           key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in snapshots[KEEP:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)
