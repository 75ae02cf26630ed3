"""Putting a workspace back where a sync started, whether the sync failed or was killed half-way.

A sync notes in its journal (`.git/crm/sync-journal.json`) the commit it started from, the commits it
made of pending hand edits, and how far it got. If it is killed (a closed laptop lid, kill -9), the next
crm command finds the journal and, holding the write lock, aborts the rebase it left (removing the git
lock files its killed git left behind), and puts HEAD and the files back as they were before the sync;
a sync that had finished its rebase and checks is kept, and the next `crm sync` pushes it.
"""

from __future__ import annotations

from pathlib import Path

from tui.core.gitrepo import Git


def restore(git: Git, saved_head: str | None, committed_tip: str | None, committed: list[str]) -> None:
    """Back to where the sync started: abort a rebase, HEAD at the saved commit, and our commits of
    hand edits turned back into the uncommitted edits they were (the files on disk as the user left them).
    `reset --hard` is safe here: the sync refused to start with other uncommitted tracked changes."""
    git_dir = git.git_dir()
    if (git_dir / "rebase-merge").exists() or (git_dir / "rebase-apply").exists():
        git.run("rebase", "--abort", check=False)
    if saved_head is None or committed_tip is None:
        return
    if git.head() == saved_head == committed_tip:
        return  # nothing was committed or brought in: the user's uncommitted edits are untouched, keep them so
    git.run("reset", "-q", "--hard", committed_tip)
    if committed_tip != saved_head:
        git.run("reset", "-q", "--soft", saved_head)
        git.run("reset", "-q", saved_head, "--", *committed, check=False)


def recover_sync(ws, git: Git, entry: dict) -> str:
    """Finish or roll back a sync that was interrupted; returns what was done."""
    git_dir = git.git_dir()
    # Our killed git processes may have left their locks; we hold the write lock, so no crm is running.
    for lock in (git_dir / "index.lock", git_dir / "HEAD.lock", *_ref_locks(git)):
        try:
            lock.unlink()
        except FileNotFoundError:
            pass
    rebasing = (git_dir / "rebase-merge").exists() or (git_dir / "rebase-apply").exists()
    if entry.get("step") == "push" and not rebasing:
        return "an interrupted sync had merged and checked everything; run `crm sync` again to send it"
    saved_head = entry.get("saved_head")
    tip = entry.get("committed_tip") or saved_head
    restore(git, saved_head, tip, list(entry.get("committed") or []))
    return "rolled back an interrupted sync; the workspace is as it was before it, run `crm sync` again"


def _ref_locks(git: Git) -> list[Path]:
    try:
        head = (git.git_dir() / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return []
    return [git.common_dir() / f"{head[5:]}.lock"] if head.startswith("ref: ") else []
