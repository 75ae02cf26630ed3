"""Changes through the app: one commit each, atomic, never over a change made on disk meanwhile."""

from __future__ import annotations

import datetime as dt
import errno
import os
from pathlib import Path

import pytest

from tui.core.changes import Changes
from tui.core.errors import CrmError, InvalidRecord, StaleWrite
from tui.core.workspace import ID_PATTERN, Workspace, slug

from conftest import git, make_repo

RID = "mueller-lichttechnik-7k3q"


def changes(ws: Path) -> Changes:
    return Changes(Workspace(ws), today=lambda: dt.date(2026, 11, 23))


def test_grade_is_one_commit_with_a_readable_message_and_a_one_line_diff(workspace: Path):
    before = git(workspace, "rev-list", "--count", "HEAD")
    change = changes(workspace).grade(RID, "b")
    assert change.message == f"{RID}: grade A -> B"
    assert int(git(workspace, "rev-list", "--count", "HEAD")) == int(before) + 1
    assert git(workspace, "log", "-1", "--format=%s|%an|%ae").strip() == f"{RID}: grade A -> B|Test User|test@example.com"
    diff = git(workspace, "show", "--format=", "--unified=0", "HEAD")
    assert [l for l in diff.splitlines() if l[:1] in "+-" and not l.startswith(("+++", "---"))] == [
        "-grade: A                     # A..E, see x-crm.grades",
        "+grade: B                     # A..E, see x-crm.grades",
    ]


def test_only_the_record_is_committed_other_work_stays_uncommitted(workspace: Path):
    (workspace / "notes.txt").write_text("mine")
    git(workspace, "add", "notes.txt")
    changes(workspace).set_field(RID, ("city",), "Bremen")
    assert git(workspace, "show", "--name-only", "--format=", "HEAD").split() == [f"records/{RID}.yaml"]
    assert "A  notes.txt" in git(workspace, "status", "--short")


def test_log_appends_with_today_and_the_git_identity(workspace: Path):
    changes(workspace).log(RID, "call", "Discussed samples", next_action="Send samples", due=dt.date(2026, 11, 30))
    text = (workspace / "records" / f"{RID}.yaml").read_text()
    assert "  - on: 2026-11-23\n    by: test@example.com\n    via: call\n    note: Discussed samples\n    next: Send samples\n    due: 2026-11-30\n" in text
    assert git(workspace, "log", "-1", "--format=%s").strip() == f"{RID}: log call: Discussed samples"


def test_an_invalid_change_is_refused_and_nothing_is_written(workspace: Path):
    path = workspace / "records" / f"{RID}.yaml"
    before = path.read_text()
    with pytest.raises(InvalidRecord) as info:
        changes(workspace).set_field(RID, ("employees",), "many")
    assert "employees" in str(info.value)
    assert path.read_text() == before


def test_stale_write_is_refused_and_keeps_the_users_text(workspace: Path):
    ch = changes(workspace)
    seen = ch.read(RID)
    path = workspace / "records" / f"{RID}.yaml"
    path.write_text(path.read_text().replace("city: Hamburg", "city: Kiel"))  # an editor saved meanwhile
    with pytest.raises(StaleWrite) as info:
        ch.grade(RID, "C", expected_digest=seen.digest)
    assert "changed on disk" in str(info.value)
    assert "city: Kiel" in path.read_text()
    with pytest.raises(StaleWrite) as info:
        ch.replace_text(RID, seen.text.replace("grade: A", "grade: C"), seen.digest)
    assert "grade: C" in info.value.text  # the user's edit is kept, to be offered again


def test_write_is_atomic_and_a_full_disk_loses_nothing(workspace: Path, monkeypatch):
    path = workspace / "records" / f"{RID}.yaml"
    before = path.read_text()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(CrmError) as info:
        changes(workspace).grade(RID, "C")
    assert "disk is full" in str(info.value) and f"records/{RID}.yaml" in str(info.value)
    assert path.read_text() == before
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


def test_missing_git_identity_names_the_fix(workspace: Path, monkeypatch, tmp_path):
    git(workspace, "config", "--unset", "user.name")
    git(workspace, "config", "--unset", "user.email")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("EMAIL", raising=False)
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_CONFIG_GLOBAL", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(var, raising=False)
    path = workspace / "records" / f"{RID}.yaml"
    before = path.read_text()
    with pytest.raises(CrmError) as info:
        changes(workspace).grade(RID, "C")
    assert 'git config --global user.email' in str(info.value)
    assert path.read_text() == before


def test_new_record_in_a_repository_with_no_commits(tmp_path: Path):
    ws = make_repo(tmp_path / "fresh")
    (ws / "schema.yaml").write_text((Path(__file__).parent.parent / "schema.yaml").read_text())
    change = changes(ws).create({"name": "Bjørnstad Lys AS", "country": "NO", "grade": "C", "stage": "lead"})
    assert ID_PATTERN.match(change.id) and change.id.startswith("bjornstad-lys-as-")
    text = (ws / "records" / f"{change.id}.yaml").read_text()
    assert text == f'# yaml-language-server: $schema=../schema.yaml\nname: Bjørnstad Lys AS\ncountry: "NO"\ngrade: C\nstage: lead\n'
    assert git(ws, "log", "--format=%s").strip() == f"{change.id}: new customer Bjørnstad Lys AS (NO)"


def test_ids_are_unique_for_the_same_name(workspace: Path):
    ch = changes(workspace)
    a = ch.create({"name": "Acme", "country": "DE"}).id
    b = ch.create({"name": "Acme", "country": "DE"}).id
    assert a != b and a.startswith("acme-") and b.startswith("acme-")


def test_slug_handles_scripts_and_accents():
    assert slug("Müller Lichttechnik GmbH") == "mueller-lichttechnik-gmbh"
    assert slug("米勒照明") == "milei-zhaoming"
    assert slug("Iluminação São Jorge Ltda.") == "iluminacao-sao-jorge"


def test_delete_is_a_commit_that_history_can_undo(workspace: Path):
    changes(workspace).delete(RID)
    assert not (workspace / "records" / f"{RID}.yaml").exists()
    assert git(workspace, "log", "-1", "--format=%s").strip() == f"{RID}: delete customer Müller Lichttechnik GmbH"
    git(workspace, "checkout", "HEAD~1", "--", f"records/{RID}.yaml")
    assert (workspace / "records" / f"{RID}.yaml").exists()


def test_a_record_with_an_unrelated_problem_can_still_be_graded(workspace: Path):
    path = workspace / "records" / f"{RID}.yaml"
    path.write_text(path.read_text().replace("credit: A", "credit: Z"))
    git(workspace, "commit", "-q", "-am", "a committed problem")
    changes(workspace).grade(RID, "B")
    assert "grade: B" in path.read_text() and "credit: Z" in path.read_text()


def test_an_invalid_hand_edit_pending_in_the_file_refuses_the_change(workspace: Path):
    path = workspace / "records" / f"{RID}.yaml"
    path.write_text(path.read_text().replace("credit: A", "credit: Z"))
    edited = path.read_bytes()
    head = git(workspace, "rev-parse", "HEAD")
    with pytest.raises(InvalidRecord) as info:
        changes(workspace).grade(RID, "B")
    assert "hand edits that are not committed" in info.value.summary
    assert any("credit" in p.message for p in info.value.problems)
    assert path.read_bytes() == edited and git(workspace, "rev-parse", "HEAD") == head


def _diff_lines(ws: Path, rev: str = "HEAD") -> list[str]:
    diff = git(ws, "show", "--format=", "--unified=0", rev)
    return [l for l in diff.splitlines() if l[:1] in "+-" and not l.startswith(("+++", "---"))]


def test_a_pending_hand_edit_is_committed_on_its_own_before_the_action(workspace: Path):
    path = workspace / "records" / f"{RID}.yaml"
    path.write_text(path.read_text().replace("city: Hamburg", "city: Munich"))
    changes(workspace).grade(RID, "C")
    assert git(workspace, "log", "-2", "--format=%s").splitlines() == [
        f"{RID}: grade A -> C", f"{RID}: hand edit: city Hamburg -> Munich"]
    assert _diff_lines(workspace, "HEAD~1") == ["-city: Hamburg", "+city: Munich"]
    assert [l.split("#")[0].strip() for l in _diff_lines(workspace)] == ["-grade: A", "+grade: C"]
    assert git(workspace, "status", "--porcelain") == ""


def test_staged_work_in_other_files_and_the_index_stay_out_of_the_commit(workspace: Path):
    other = sorted((workspace / "records").glob("*.yaml"))[0]
    other.write_text(other.read_text() + "extra: staged\n")
    git(workspace, "add", str(other))
    changes(workspace).grade(RID, "C")
    assert git(workspace, "show", "--name-only", "--format=", "HEAD").split() == [f"records/{RID}.yaml"]
    assert git(workspace, "diff", "--cached", "--name-only").split() == [f"records/{other.name}"]


def test_undo_of_a_change_to_a_hand_made_record_keeps_the_record(workspace: Path):
    path = workspace / "records" / "hand-made-aaaa.yaml"
    path.write_text('name: Hand Made\ncountry: "NO"\ngrade: C\n')
    made = path.read_bytes()
    changes(workspace).set_field("hand-made-aaaa", ("city",), "Oslo")
    from tui.core.undo import undo

    undo(Workspace(workspace), "hand-made-aaaa", lambda: dt.date(2026, 11, 23))
    assert path.read_bytes() == made
    assert git(workspace, "show", "HEAD:records/hand-made-aaaa.yaml").encode() == made


def test_crlf_files_keep_crlf_line_endings(workspace: Path):
    path = workspace / "records" / "crlf-co-bbbb.yaml"
    path.write_bytes(b'name: Crlf Co\r\ncountry: "DE"\r\ngrade: C\r\n')
    git(workspace, "add", "-A")
    git(workspace, "commit", "-qm", "crlf")
    changes(workspace).set_field("crlf-co-bbbb", ("city",), "Kiel")
    changes(workspace).log("crlf-co-bbbb", "email", "Sent the catalogue.")
    raw = path.read_bytes()
    assert b"city: Kiel\r\n" in raw and b"Sent the catalogue.\r\n" in raw
    assert raw.count(b"\n") == raw.count(b"\r\n")


@pytest.mark.parametrize("path, words", [
    (("log", 0, "note"), "append-only"), (("log",), "append-only"), (("",), "cannot be empty"),
    (("colour",), "did you mean"), (("contacts", 0, "emial"), "did you mean email"), (("conflicts",), "crm resolve"),
], ids=["log-entry", "log", "empty", "unknown", "unknown-nested", "conflicts"])
def test_fields_no_record_should_be_written_at_are_refused(workspace: Path, path, words):
    record = workspace / "records" / f"{RID}.yaml"
    before = record.read_bytes()
    with pytest.raises(CrmError) as info:
        changes(workspace).set_field(RID, path, None if path == ("log",) else "x")
    assert words in str(info.value)
    assert record.read_bytes() == before


def test_commit_messages_show_dates_as_people_write_them(workspace: Path):
    change = changes(workspace).set_field(RID, ("expected_close",), dt.date(2026, 3, 1))
    assert "datetime" not in change.message and change.message.endswith("-> 2026-03-01")


def test_control_characters_never_reach_a_commit_message(workspace: Path):
    change = changes(workspace).set_field(RID, ("city",), "Kiel\x1b]0;pwned\x07")
    subject = git(workspace, "log", "-1", "--format=%B")
    assert "\x1b" not in subject and "\x07" not in subject and "\\x1b]0;pwned\\x07" in subject
    assert change.message == subject.strip()


def test_fixing_a_broken_file_back_to_its_committed_text_says_restored_and_commits_nothing(workspace: Path):
    path = workspace / "records" / f"{RID}.yaml"
    good = path.read_text()
    path.write_text(good.replace("grade: A", "grade: Z"))
    record = changes(workspace).read(RID)
    head = git(workspace, "rev-parse", "HEAD")
    change = changes(workspace).replace_text(RID, good, record.digest)
    assert change.commit == "" and "restored" in change.message and "nothing to commit" in change.message
    assert path.read_text() == good and git(workspace, "rev-parse", "HEAD") == head
    assert git(workspace, "status", "--porcelain") == ""
