"""The real `crm` in a real terminal: tmux at 80x24, keys sent, the screen read back."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest
from conftest_ui import fixed_workspace, last_commit, rid_of

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def wait_for(session: str, text: str, timeout: float = 15.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", session)
        if text in screen:
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{text!r} did not appear; the screen was:\n{screen}")


def test_crm_in_tmux_grades_and_quits(tmp_path):
    ws = fixed_workspace(tmp_path)
    session = f"crm-test-{tmp_path.name}"[:40]
    done = tmp_path / "exit-code"
    command = (f"cd {ws.root} && CRM_TODAY=2026-11-23 TERM=xterm-256color {sys.executable} -m tui; "
               f"echo $? > {done}")
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command)
    try:
        wait_for(session, "19 of 19 customers")
        screen = wait_for(session, "? Help")  # the footer fits in 80 columns
        assert "/ Search" in screen and "q Quit" in screen
        time.sleep(0.5)
        tmux("send-keys", "-t", session, "/")
        time.sleep(0.3)
        tmux("send-keys", "-t", session, "Thornbury")
        wait_for(session, "1 of 19 customers")
        tmux("send-keys", "-t", session, "Enter")  # back to the table, on the one row
        time.sleep(0.3)
        tmux("send-keys", "-t", session, "g")
        wait_for(session, "Press A..E to grade")
        tmux("send-keys", "-t", session, "a")
        wait_for(session, "GB A negotiating")
        deadline = time.monotonic() + 5
        while last_commit(ws) == "start" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert last_commit(ws) == f"{rid_of('Thornbury Electrical')}: grade B -> A"
        tmux("send-keys", "-t", session, "q")
        deadline = time.monotonic() + 10
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert done.read_text().strip() == "0"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
