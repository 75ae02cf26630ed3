"""Shared fixtures: real workspaces in real git repositories under tmp_path, and the CLI as users run it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-23"  # the sample data is built around this day


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def make_repo(path: Path, name: str = "Test User", email: str = "test@example.com") -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", name)
    git(path, "config", "user.email", email)
    git(path, "config", "commit.gpgsign", "false")
    return path


@pytest.fixture
def sample_ids() -> list[str]:
    return sorted(p.stem for p in (ROOT / "records").glob("*.yaml"))


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A workspace with the sample schema and five sample records, committed."""
    ws = make_repo(tmp_path / "ws")
    shutil.copy(ROOT / "schema.yaml", ws / "schema.yaml")
    (ws / "records").mkdir()
    for p in sorted((ROOT / "records").glob("*.yaml"))[:5]:
        shutil.copy(p, ws / "records" / p.name)
    shutil.copy(ROOT / "records" / "mueller-lichttechnik-7k3q.yaml", ws / "records")
    git(ws, "add", "-A")
    git(ws, "commit", "-q", "-m", "start")
    return ws


class CLI:
    """Runs the real `crm` entry point in a subprocess, as a user's shell would."""

    def __init__(self, cwd: Path, env: dict | None = None):
        self.cwd = cwd
        self.env = {**os.environ, "CRM_TODAY": TODAY, "NO_COLOR": "1", **(env or {})}
        self.env.pop("CRM_WORKSPACE", None)

    def __call__(self, *args: str, input: str | None = None, env: dict | None = None, cwd: Path | None = None):
        return subprocess.run(
            [sys.executable, "-m", "tui", *args],
            cwd=cwd or self.cwd,
            input=input,
            capture_output=True,
            text=True,
            env={**self.env, **(env or {})},
            timeout=120,
        )


@pytest.fixture
def crm(workspace: Path) -> CLI:
    return CLI(workspace)
