"""Transaction.land_many: many records in one commit, all or nothing (imports, merges, pool sweeps)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from faultkit import ENV, ROOT, Snap, assert_unchanged, crm, git, hidden, head, make_ws, record_files, status
from tui.core.errors import CrmError, NothingToChange, StaleWrite
from tui.core.gitrepo import Git
from tui.core.transaction import Transaction
from tui.core.workspace import Workspace

pytestmark = pytest.mark.usefixtures("pinned_env")

BASE = '# yaml-language-server: $schema=../schema.yaml\nname: {name}  # keep this comment\ncountry: "DE"\n'


@pytest.fixture
def pinned_env(monkeypatch):
    for key in list(os.environ):
        if key.startswith(("GIT_", "CRM_")):
            monkeypatch.delenv(key)
    for key in ("CRM_TODAY", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE", "GIT_CONFIG_NOSYSTEM"):
        monkeypatch.setenv(key, ENV[key])


def _ws(tmp_path: Path, n: int = 3) -> Path:
    return make_ws(tmp_path / "ws", {f"c{i:03d}": BASE.format(name=f"Customer {i}") for i in range(n)})


def _names(ws: Path, rev: str = "HEAD") -> list[str]:
    return git(ws, "show", "--no-renames", "--name-status", "--format=", rev).split("\n")


def test_one_commit_holds_exactly_the_new_changed_and_removed_files(tmp_path):
    ws = _ws(tmp_path)
    before = head(ws)
    w = Workspace.find(ws)
    with Transaction(w, "test") as tx:
        items = [
            (tx.read("c000"), BASE.format(name="Customer 0") + "city: Bonn\n"),
            (tx.read("c001"), None),
            (tx.blank("n001"), BASE.format(name="New one")),
            (tx.blank("n002"), BASE.format(name="New two")),
            (tx.read("c002"), (ws / "records/c002.yaml").read_text()),  # unchanged: left out
        ]
        change = tx.land_many(items, "import sheet.csv: 2 new, 1 updated", rid="", body="n001 New one\nn002 New two")
    assert git(ws, "rev-parse", "HEAD~1").strip() == before
    assert change.commit == head(ws)
    assert git(ws, "log", "-1", "--format=%s").strip() == "import sheet.csv: 2 new, 1 updated"
    assert git(ws, "log", "-1", "--format=%b").strip() == "n001 New one\nn002 New two"
    assert sorted(l for l in _names(ws) if l) == sorted(
        ["M\trecords/c000.yaml", "D\trecords/c001.yaml", "A\trecords/n001.yaml", "A\trecords/n002.yaml"])
    assert status(ws) == ""
    assert hidden(ws) == []
    assert (ws / "records/c000.yaml").read_text().endswith("# keep this comment\ncountry: \"DE\"\ncity: Bonn\n")
    assert not (ws / "records/c001.yaml").exists()
    # the commit holds the exact bytes on disk
    assert git(ws, "show", "HEAD:records/n002.yaml") == (ws / "records/n002.yaml").read_text()


def test_pending_hand_edit_is_committed_on_its_own_first(tmp_path):
    ws = _ws(tmp_path)
    path = ws / "records/c000.yaml"
    path.write_text(path.read_text() + "city: Kiel\n")
    w = Workspace.find(ws)
    with Transaction(w, "test") as tx:
        record = tx.read("c000")
        tx.land_many([(record, record.text + "grade: B\n"), (tx.blank("n001"), BASE.format(name="N"))], "batch")
    subjects = git(ws, "log", "-2", "--format=%s").splitlines()
    assert subjects == ["batch", "c000: hand edit: city (none) -> Kiel"]
    diff = git(ws, "show", "--format=", "-U0", "HEAD", "--", "records/c000.yaml").splitlines()
    assert [l for l in diff if l[:1] in "+-" and l[:3] not in ("+++", "---")] == ["+grade: B"]


def test_nothing_to_change_makes_no_commit(tmp_path):
    ws = _ws(tmp_path)
    before = Snap.of(ws)
    with Transaction(Workspace.find(ws), "test") as tx:
        record = tx.read("c000")
        with pytest.raises(NothingToChange):
            tx.land_many([(record, record.text)], "batch")
    assert_unchanged(ws, before)


def test_a_file_saved_meanwhile_stops_the_whole_batch(tmp_path):
    ws = _ws(tmp_path, 30)
    before = Snap.of(ws)
    with Transaction(Workspace.find(ws), "test") as tx:
        records = [tx.read(f"c{i:03d}") for i in range(30)]
        items = [(r, r.text + "city: Bonn\n") for r in records] + [(tx.blank("n001"), BASE.format(name="N"))]
        theirs = (ws / "records/c017.yaml").read_text() + "notes: saved by the user\n"
        (ws / "records/c017.yaml").write_text(theirs)
        with pytest.raises(StaleWrite):
            tx.land_many(items, "batch")
    after = record_files(ws)
    assert after.pop("c017.yaml") == theirs.encode()
    expected = dict(before.files)
    expected.pop("c017.yaml")
    assert after == expected
    assert head(ws) == before.head
    assert hidden(ws) == []


def test_a_failed_commit_puts_every_file_back(tmp_path, monkeypatch):
    ws = _ws(tmp_path, 25)
    before = Snap.of(ws)

    def broken(self, *args, **kwargs):
        raise CrmError("git commit-tree: simulated failure")

    monkeypatch.setattr(Git, "commit_files", broken)
    with Transaction(Workspace.find(ws), "test") as tx:
        records = [tx.read(f"c{i:03d}") for i in range(25)]
        items = [(r, None if i % 5 == 0 else r.text + "city: Bonn\n") for i, r in enumerate(records)]
        items += [(tx.blank(f"n{i:03d}"), BASE.format(name=f"N{i}")) for i in range(10)]
        with pytest.raises(CrmError, match="nothing was changed"):
            tx.land_many(items, "batch")
    assert_unchanged(ws, before)
    assert hidden(ws) == []
    assert not list((ws / ".git/crm").glob("*.crm-*"))


SCRIPT = """
import sys
from tui.core.transaction import Transaction
from tui.core.workspace import Workspace
ws = Workspace.find(sys.argv[1])
with Transaction(ws, "test") as tx:
    items = []
    for i in range(int(sys.argv[2])):
        r = tx.read(f"c{i:03d}")
        items.append((r, None if i % 7 == 0 else r.text + "city: Bonn\\n"))
    items += [(tx.blank(f"n{i:03d}"), BASE.format(name="N" + str(i))) for i in range(100)]
    tx.land_many(items, "batch of many")
"""


def test_kill_9_at_any_moment_leaves_all_or_nothing(tmp_path):
    """A batch of 400 files killed at random moments: after the next crm command (which recovers) the
    workspace is either exactly as before or exactly as after, with one commit, and git status clean."""
    n = 300
    template = _ws(tmp_path / "template", n)
    done = tmp_path / "done"
    subprocess.run(["cp", "-a", str(template), str(done)], check=True)
    script = f"BASE = {BASE!r}\n" + SCRIPT
    env = {**ENV, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", script, str(done), str(n)], env=env, cwd=done)
    while proc.poll() is None and not (done / ".git/crm/journal.json").exists():
        time.sleep(0.001)
    t0 = time.perf_counter()
    assert proc.wait() == 0
    span = time.perf_counter() - t0  # how long the batch itself takes here: the kills fall within it
    after = record_files(done)
    before = record_files(template)
    rng = random.Random(7)
    outcomes = {"before": 0, "after": 0}
    interrupted = 0
    for trial in range(8):
        ws = tmp_path / f"t{trial}"
        subprocess.run(["cp", "-a", str(template), str(ws)], check=True)
        start = head(ws)
        proc = subprocess.Popen([sys.executable, "-c", script, str(ws), str(n)], env=env, cwd=ws,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        journal = ws / ".git/crm/journal.json"
        while proc.poll() is None and not journal.exists():
            time.sleep(0.001)
        time.sleep(span * 1.2 * (trial + rng.random()) / 8)
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        time.sleep(0.2)  # git children it started finish on their own
        interrupted += journal.exists()
        check = crm(ws, "validate")
        assert check.returncode in (0, 1), check.stderr
        files = record_files(ws)
        if files == before:
            outcomes["before"] += 1
            assert head(ws) == start
        else:
            assert files == after, "a killed batch left a mix of old and new files"
            outcomes["after"] += 1
            assert git(ws, "rev-parse", "HEAD~1").strip() == start
            assert git(ws, "log", "-1", "--format=%s").strip() == "batch of many"
        assert status(ws) == "", status(ws)
        assert not list((ws / ".git/crm").glob("*.crm-*"))
        assert not (ws / ".git/crm/journal.json").exists()
    assert outcomes["before"] + outcomes["after"] == 8
    assert interrupted >= 2, f"only {interrupted} of 8 kills came in the middle of the batch"


@pytest.mark.parametrize("spelling", ["true", "yes", "on", "1"])
def test_crlf_files_are_stored_as_git_stores_them_whatever_autocrlf_is_spelt(tmp_path, spelling):
    """With core.autocrlf on (any of git's spellings of true), git stores CRLF texts with LF: so must a batch."""
    ws = _ws(tmp_path)
    git(ws, "config", "core.autocrlf", spelling)
    crlf = BASE.format(name="Customer 0").replace("\n", "\r\n") + "city: Bonn\r\n"
    with Transaction(Workspace.find(ws), "test") as tx:
        tx.land_many([(tx.read("c000"), crlf), (tx.blank("n001"), BASE.format(name="New").replace("\n", "\r\n"))],
                     "two files")
    for path in ("records/c000.yaml", "records/n001.yaml"):
        blob = subprocess.run(["git", "cat-file", "blob", f"HEAD:{path}"], cwd=ws, capture_output=True).stdout
        assert b"\r\n" not in blob and blob.endswith(b"\n"), (path, blob)
    assert (ws / "records/c000.yaml").read_bytes() == crlf.encode()  # the file itself is as written


def test_an_attribute_on_any_file_of_the_batch_is_heeded(tmp_path):
    """A text attribute on the second file only (not the first) still makes git, not crm, name its blob."""
    ws = _ws(tmp_path)
    (ws / ".gitattributes").write_text("records/n001.yaml text eol=lf\n")
    git(ws, "add", ".gitattributes")
    git(ws, "commit", "-qm", "attributes")
    with Transaction(Workspace.find(ws), "test") as tx:
        tx.land_many([(tx.read("c000"), BASE.format(name="Customer 0") + "city: Bonn\n"),
                      (tx.blank("n001"), BASE.format(name="New").replace("\n", "\r\n"))], "two files")
    blob = subprocess.run(["git", "cat-file", "blob", "HEAD:records/n001.yaml"], cwd=ws, capture_output=True).stdout
    assert b"\r\n" not in blob
