"""Shared helpers of the UI tests: a real workspace in a temp git repo, a fixed today, screen text."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
from pathlib import Path

from rich.console import Console

from tui.core.demo import build_demo
from tui.core.workspace import Workspace

TODAY = dt.date(2026, 11, 23)
ROOT = Path(__file__).resolve().parent.parent
_DEMO_CACHE: dict[str, Path] = {}


def today() -> dt.date:
    return TODAY


def git(ws: Workspace | Path, *args: str) -> str:
    root = ws.root if isinstance(ws, Workspace) else ws
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout.strip()


def last_commit(ws: Workspace) -> str:
    return git(ws, "log", "-1", "--format=%s")


def demo_workspace(tmp_path: Path) -> Workspace:
    """A copy of the sample workspace with its demo history (built once per session, then copied)."""
    if "demo" not in _DEMO_CACHE:
        base = Path(os.environ.get("PYTEST_UI_CACHE", "/tmp")) / f"crm-ui-demo-{os.getpid()}"
        if base.exists():
            shutil.rmtree(base)
        build_demo(base)
        _DEMO_CACHE["demo"] = base
    target = tmp_path / "ws"
    shutil.copytree(_DEMO_CACHE["demo"], target, symlinks=True)
    subprocess.run(["git", "config", "user.name", "Test User"], cwd=target, check=True)
    subprocess.run(["git", "config", "user.email", "alice@example.com"], cwd=target, check=True)
    return Workspace(target)


def small_workspace(tmp_path: Path, ids: list[str] | None = None) -> Workspace:
    """A workspace with the sample schema and a few sample records, committed."""
    target = tmp_path / "small"
    (target / "records").mkdir(parents=True)
    shutil.copy(ROOT / "schema.yaml", target / "schema.yaml")
    chosen = ids or sorted(p.stem for p in (ROOT / "records").glob("*.yaml"))[:5]
    for rid in chosen:
        shutil.copy(ROOT / "records" / f"{rid}.yaml", target / "records" / f"{rid}.yaml")
    git(target, "init", "-q", "-b", "main")
    git(target, "config", "user.name", "Test User")
    git(target, "config", "user.email", "alice@example.com")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "start")
    return Workspace(target)


def screen_text(app) -> str:
    """What the terminal shows, as plain text (for assertions)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True,
                      color_system="truecolor", legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens, simplify=True))
    return console.export_text()


def write_editor(tmp_path: Path, body: str) -> str:
    """A small $EDITOR: a Python script that edits the file it is given ($1)."""
    import sys

    script = tmp_path / "editor.py"
    script.write_text("import sys, pathlib\npath = pathlib.Path(sys.argv[1])\ntext = path.read_text()\n" + body
                      + "\npath.write_text(text)\n")
    return f"{sys.executable} {script}"
