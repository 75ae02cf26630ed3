"""The real `crm` in a real terminal: tmux at 80x24, keys sent, the screen read back."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest
from conftest_ui import fixed_workspace, git, last_commit, rid_of

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


# ------------------------------------------------------------------ the morning routine, end to end

CHINESE = """# yaml-language-server: $schema=../schema.yaml
name: Dongguan Lamps Co.
name_local: 东莞灯具有限公司
country: "CN"
owner: alice@example.com
grade: C
stage: inquiry
contacts:
  - name: Chen Jing
    email: chen.jing@dongguan-lamps.example
"""


class Terminal:
    """One tmux server of its own (its own socket, UTF-8), one window at 80x24 running the real crm."""

    def __init__(self, tmp_path, ws):
        self.socket = f"crm-walk-{tmp_path.name}"[:60]
        self.done = tmp_path / "exit-code"
        self.env = env = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
        command = (f"cd {ws.root} && CRM_TODAY=2026-11-23 TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 "
                   f"{sys.executable} -m tui; echo $? > {self.done}")
        subprocess.run(["tmux", "-L", self.socket, "-u", "new-session", "-d", "-s", "walk", "-x", "80", "-y", "24",
                        command], check=True, env=env, capture_output=True)

    def screen(self) -> str:
        return subprocess.run(["tmux", "-L", self.socket, "capture-pane", "-p", "-t", "walk"],
                              capture_output=True, text=True, check=True, env=self.env).stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        subprocess.run(["tmux", "-L", self.socket, "send-keys", "-t", "walk", *(["-l"] if literal else []), *keys],
                       check=True, capture_output=True, env=self.env)
        time.sleep(0.3)

    def type(self, text: str) -> None:
        self.keys(text, literal=True)

    def wait_for(self, *texts: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(t in screen for t in texts):
                time.sleep(0.4)  # drawn is not yet settled: a screen that just came back restores its focus
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{texts!r} did not all appear; the screen was:\n{screen}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


def commits_after(ws, count: int, timeout: float = 10.0) -> list[str]:
    """The subjects of the commits made after "start", newest first, once there are `count` of them."""
    deadline = time.monotonic() + timeout
    subjects: list[str] = []
    while time.monotonic() < deadline:
        subjects = git(ws, "log", "--format=%s", "start..HEAD").splitlines()
        if len(subjects) >= count:
            return subjects
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} commits after start: {subjects}")


def test_the_morning_routine_in_tmux(tmp_path):
    ws = fixed_workspace(tmp_path)
    (ws.root / "records" / "dongguan-lamps-co-q001.yaml").write_text(CHINESE, encoding="utf-8")
    git(ws, "add", "-A")
    git(ws, "commit", "-q", "-m", "a Chinese customer")
    git(ws, "tag", "start")
    name = "Lichtwerk Süd GmbH"  # due 2026-03-20: the most overdue, first in the queue
    rid = rid_of(name)
    term = Terminal(tmp_path, ws)
    try:
        term.wait_for("20 of 20 customers", "? Help")
        time.sleep(0.5)

        # The due queue, most urgent first; enter opens the first customer in it.
        term.keys("d")
        term.wait_for("Due (", "overdue", name)
        term.keys("Enter")
        term.wait_for(name, "contacted")

        # Log a touch and re-grade it in the same breath.
        term.keys("l")
        term.wait_for("Log a touch")
        for label, value in (("note *", "Called about the spring catalogue"), ("next action", "Send the catalogue"),
                             ("due", "+3")):
            term.type(value)
            term.wait_for(f"{label}".ljust(13) + value)  # typed into this field, and drawn, before enter moves on
            term.keys("Enter")
            time.sleep(0.5)
        term.wait_for("Re-grade after this touch?")
        term.keys("c")
        assert commits_after(ws, 2)[:2] == [f"{rid}: grade D -> C", f"{rid}: log email: Called about the spring catalogue"]
        text = ws.record_path(rid).read_text()
        assert "next: Send the catalogue" in text and "due: 2026-11-26" in text and "grade: C" in text

        # Back to the due queue (the touch moved the customer down it), then to the list; search by a
        # contact, by a Chinese name, then with filter words.
        term.keys("Escape")
        term.wait_for("in 3d     follow-up     C Lichtwerk Süd GmbH   Send the catalogue")
        term.keys("Escape")
        term.wait_for("20 of 20 customers")
        term.keys("/")
        term.type("Buyer 15")
        term.wait_for("1 of 20 customers", "Southern Cross Electr")
        term.keys("C-u")
        term.type("东莞")
        term.wait_for("1 of 20 customers", "Dongguan Lamps")
        term.keys("C-u")
        term.type("grade:A country:AU")
        term.wait_for("1 of 20 customers", "Southern Cross Electr")
        term.keys("C-u")
        term.wait_for("20 of 20 customers")
        term.keys("Enter")  # back to the table

        # Sort by stage, through the command palette.
        term.keys("C-p")
        term.type("Sort by stage")
        time.sleep(0.5)
        term.keys("Enter")
        term.wait_for("by stage ▲")

        # The customer's history, and undo its latest change (the re-grade).
        term.keys("/")
        term.type("Lichtwerk")
        term.wait_for("1 of 20 customers")
        term.keys("Enter")
        term.keys("h")
        term.wait_for(f"History of {name}", "u undoes the latest")
        term.keys("u")
        term.wait_for("Undo “grade D -> C”?")
        term.keys("y")
        assert commits_after(ws, 3)[0].startswith(f"{rid}: undo grade D -> C (")
        assert "grade: D" in ws.record_path(rid).read_text()
        term.keys("Escape")

        # Delete it, find it among the deleted, and bring it back.
        term.wait_for("1 of 20 customers")
        term.keys("DC")
        term.wait_for(f"Delete {name}?")
        term.keys("y")
        assert commits_after(ws, 4)[0] == f"{rid}: delete customer {name}"
        term.keys("X")
        term.wait_for("1 deleted customer", name)
        term.keys("r")
        assert commits_after(ws, 5)[0].startswith(f"{rid}: restore customer {name} (deleted in ")
        term.wait_for("No customer was deleted.")
        assert ws.record_path(rid).exists()
        term.keys("Escape")
        term.wait_for("1 of 20 customers")

        term.keys("q")
        deadline = time.monotonic() + 10
        while not term.done.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert term.done.read_text().strip() == "0"
        assert git(ws, "status", "--porcelain") == ""
    finally:
        term.close()
