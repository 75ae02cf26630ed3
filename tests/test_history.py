"""History of a record (and its incremental index), the workspace as of a date, and undo."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from gitfarm import Farm, environ, git, ok, run
from tui.core.asof import workspace_as_of
from tui.core.changes import Changes
from tui.core.demo import build_demo
from tui.core.errors import CrmError
from tui.core.history import HistoryIndex, field_history, index_for, last_set, record_history, text_at
from tui.core.workspace import Workspace

RID = "acme-7k3q"
TODAY = dt.date(2026, 11, 23)


def commit_on(repo: Path, day: str, *argv: str) -> None:
    with environ({"GIT_AUTHOR_DATE": f"{day}T10:00:00", "GIT_COMMITTER_DATE": f"{day}T10:00:00"}):
        ok(repo, *argv)


@pytest.fixture
def repo(tmp_path) -> Path:
    """One clone with a dated history: created, graded, a touch, a contact change."""
    farm = Farm(tmp_path, people=("alice",))
    a = farm["alice"]
    commit_on(a, "2025-10-10", "grade", RID, "B")
    commit_on(a, "2025-10-12", "log", RID, "--via", "call", "--note", "Quote sent", "--on", "2025-10-12")
    commit_on(a, "2025-10-15", "set", RID, "contacts.0.phone", "+49 40 7654321")
    commit_on(a, "2025-10-20", "grade", RID, "A")
    return a


def test_history_lists_every_change_with_author_and_field_level_changes(repo):
    entries = record_history(Workspace(repo), RID)
    assert [e.subject for e in entries] == [
        f"{RID}: grade B -> A", f"{RID}: contacts.0.phone +49 40 1234567 -> +49 40 7654321",
        f"{RID}: log call: Quote sent", f"{RID}: grade C -> B", "crm: new workspace"]
    assert entries[0].email == "alice@example.com" and entries[0].when.date() == dt.date(2025, 10, 20)
    assert [str(c) for c in entries[0].changes] == ["grade: B -> A"]
    assert str(entries[1].changes[0]).startswith("contacts: ~ Hans Muller <hans@acme.example> (phone: +49 40 1234567 -> +49 40 7654321")
    assert str(entries[2].changes[0]) == "log: + 2025-10-12 call by alice@example.com: Quote sent"
    assert entries[-1].status == "A" and entries[-1].changes[0].kind == "created"
    assert "grade: B" in text_at(Workspace(repo), entries[1].new_blob)  # the record as of an entry


def test_history_cli_text_json_and_field(repo):
    out = ok(repo, "history", "acme")
    assert "grade: B -> A" in out and "alice@example.com" in out
    rows = json.loads(ok(repo, "history", RID, "--json"))
    assert rows[0]["changes"][0] == {"field": "grade", "kind": "set", "old": "B", "new": "A", "text": "grade: B -> A"}
    values = json.loads(ok(repo, "history", RID, "grade", "--json"))
    assert [v["value"] for v in values] == ["A", "B", "C"]
    assert values[0]["email"] == "alice@example.com" and values[0]["date"].startswith("2025-10-20")
    text = ok(repo, "history", RID, "grade")
    assert text.splitlines()[0].startswith("2025-10-20") and text.splitlines()[0].endswith(" A")
    assert [v.value for v in field_history(Workspace(repo), RID, "city")] == ["Hamburg"]
    assert last_set(Workspace(repo), RID)["grade"].subject == f"{RID}: grade B -> A"


def test_index_is_updated_incrementally_and_survives_rewritten_history(repo):
    ws = Workspace(repo)
    index = HistoryIndex(ws)
    assert index.update() == 5 and index.update() == 0
    ok(repo, "set", RID, "city", "Kiel")
    assert HistoryIndex(ws).update() == 1  # loads the saved index, reads one new commit
    git(repo, "reset", "-q", "--hard", "HEAD~2")  # drop the last two commits (city, grade A)
    ok(repo, "set", RID, "stage", "won")
    fresh = HistoryIndex(ws)
    assert fresh.update() == 1
    subjects = [e.subject for e in record_history(ws, RID)]
    assert subjects[0] == f"{RID}: stage quoted -> won" and f"{RID}: grade B -> A" not in subjects
    assert len(fresh.entries(RID)) == 5


def test_history_of_a_deleted_record_and_of_an_unknown_one(repo):
    Changes(Workspace(repo), lambda: TODAY).delete(RID)
    entries = record_history(Workspace(repo), RID)
    assert entries[0].status == "D" and str(entries[0].changes[0]) == "deleted"
    assert "deleted" in ok(repo, "history", RID)
    code, _, err = run(repo, "history", "nobody-zzzz")
    assert code == 1 and "no history for 'nobody-zzzz'" in err


def test_as_of_reads_the_workspace_as_it_stood(repo):
    snap = workspace_as_of(Workspace(repo), dt.date(2025, 10, 13))
    assert "grade: B" in (snap.records_dir / f"{RID}.yaml").read_text()
    assert snap.state_dir.is_relative_to(Workspace(repo).state_dir)
    out = json.loads(ok(repo, "show", RID, "--as-of", "2025-10-11", "--json"))
    assert out["record"]["grade"] == "B" and len(out["record"]["log"]) == 2
    rows = json.loads(ok(repo, "list", "--as-of", "2025-10-21", "--json"))
    assert rows[0]["grade"] == "A"
    assert json.loads(ok(repo, "due", "--as-of", "2025-10-12", "--json", "--days", "30"))[0]["id"] == RID
    code, _, err = run(repo, "list", "--as-of", "2020-01-01")
    assert code == 1 and "no history on or before 2020-01-01" in err


def test_as_of_needs_history(tmp_path):
    (tmp_path / "records").mkdir()
    (tmp_path / "schema.yaml").write_text("type: object\n")
    with pytest.raises(CrmError, match="no git history"):
        workspace_as_of(Workspace(tmp_path), TODAY)


def test_undo_reverts_the_latest_change_and_walks_back(repo):
    assert ok(repo, "undo", RID).strip() == f"{RID}: undo grade B -> A ({git(repo, 'rev-parse', '--short=7', 'HEAD~1').strip()})"
    text = (repo / "records" / f"{RID}.yaml").read_text()
    assert "grade: B" in text and "+49 40 7654321" in text
    ok(repo, "undo", RID)  # the next undo goes one further back: the phone change
    text = (repo / "records" / f"{RID}.yaml").read_text()
    assert "grade: B" in text and "+49 40 1234567" in text
    assert git(repo, "status", "--porcelain").strip() == ""


def test_undo_of_an_older_change_merges_field_by_field_or_refuses(repo):
    ws = Workspace(repo)
    from tui.core.undo import undo

    entries = record_history(ws, RID)
    touch = next(e for e in entries if "log call" in e.subject)
    undo(ws, RID, lambda: TODAY, target=touch)  # later changes (phone, grade) stay
    text = (repo / "records" / f"{RID}.yaml").read_text()
    assert "Quote sent" not in text and "grade: A" in text and "+49 40 7654321" in text
    first_grade = next(e for e in entries if e.subject.endswith("grade C -> B"))
    with pytest.raises(CrmError, match="a later change to grade is in the way"):
        undo(ws, RID, lambda: TODAY, target=first_grade)


def test_undo_refuses_uncommitted_edits(repo):
    path = repo / "records" / f"{RID}.yaml"
    path.write_text(path.read_text().replace("city: Hamburg", "city: Kiel"))
    code, _, err = run(repo, "undo", RID)
    assert code == 1 and "not committed" in err and "city: Kiel" in path.read_text()


def test_undo_of_a_deletion_brings_the_record_back(repo):
    Changes(Workspace(repo), lambda: TODAY).delete(RID)
    ok(repo, "undo", RID)
    assert "grade: A" in (repo / "records" / f"{RID}.yaml").read_text()


def test_demo_history_is_indexed_once_then_read_from_the_index(tmp_path):
    ws = build_demo(tmp_path / "demo")
    index = index_for(ws)
    assert index.head == git(ws.root, "rev-parse", "HEAD").strip()
    rid = max(index.records, key=lambda r: len(index.records[r]))
    entries = record_history(ws, rid)
    assert len(entries) == len(index.records[rid]) > 5
    assert all(e.changes for e in entries)


def test_piecewise_parsing_gives_the_same_data_as_a_whole_parse(tmp_path):
    from tui.core.history import piecewise, read_blobs
    from tui.core.yamlparse import parse

    ws = build_demo(tmp_path / "demo")
    blobs = git(ws.root, "rev-list", "--objects", "--all").split("\n")
    shas = [line.split()[0] for line in blobs if line.endswith(".yaml") and "/" in line]
    texts = list(read_blobs(ws, shas).values())
    assert len(texts) > 200
    pieces: dict = {}
    odd = "# c\nname: X   # n\ncountry: \"DE\"\ntags:\n- a\n- b  # two\nlog:\n  # first\n  - on: 2025-01-01\n    via: call\nnotes: |\n  - not an item\n"
    for text in [*texts, odd]:
        got = piecewise(text, pieces)
        assert got is not None and got == parse(text)[0]
    assert piecewise("- a\n- b\n", {}) is None
