"""Texts crm could not land (an invalid edit, a stale one), kept where `git status` does not see them:
.git/crm/rejected/<id>.yaml (or the workspace's state folder outside git), one file per attempt."""

from __future__ import annotations

from pathlib import Path

from tui.core.workspace import Workspace


def rejected_dir(ws: Workspace) -> Path:
    return ws.state_dir / "rejected"


def keep_rejected(ws: Workspace, rid: str, text: str, kind: str = "rejected") -> Path:
    """Write `text` to a new file in the rejected folder (never over an earlier one) and return its path."""
    folder = rejected_dir(ws)
    folder.mkdir(parents=True, exist_ok=True)
    n = 1
    while True:
        path = folder / (f"{rid}.{kind}.yaml" if n == 1 else f"{rid}.{kind}.{n}.yaml")
        try:
            with open(path, "x", encoding="utf-8") as fh:
                fh.write(text)
            return path
        except FileExistsError:
            n += 1
