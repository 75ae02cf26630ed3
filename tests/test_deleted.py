"""Delete and bring back: `crm delete`, `crm deleted [--json]` (from the history index), `crm restore`
with the start of an id, and `crm undo` finding a deleted customer by the start of its id."""

from __future__ import annotations

import json

from conftest import git

RID = "mueller-lichttechnik-7k3q"
WHEN = {"GIT_AUTHOR_DATE": "2026-11-20T09:30:00+00:00", "GIT_COMMITTER_DATE": "2026-11-20T09:30:00+00:00"}


def test_deleted_lists_who_deleted_and_when_and_restore_takes_a_prefix(crm, workspace):
    before = (workspace / "records" / f"{RID}.yaml").read_bytes()
    assert crm("deleted").stdout.strip() == "No customer was deleted."
    out = crm("delete", "mueller", env=WHEN)
    assert out.returncode == 0, out.stderr
    deleted_commit = git(workspace, "rev-parse", "HEAD").strip()
    rows = json.loads(crm("deleted", "--json").stdout)
    assert rows == [{"id": RID, "name": "Müller Lichttechnik GmbH", "deleted": "2026-11-20T09:30:00+00:00",
                     "author": "Test User", "email": "test@example.com", "commit": deleted_commit, "merged_into": None}]
    text = crm("deleted").stdout
    assert text.startswith("2026-11-20 09:30  " + deleted_commit[:7]) and RID in text and "test@example.com" in text

    restored = crm("restore", "muel")
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.strip() == f"{RID}: restore customer Müller Lichttechnik GmbH (deleted in {deleted_commit[:7]})"
    assert (workspace / "records" / f"{RID}.yaml").read_bytes() == before
    assert git(workspace, "rev-list", "--count", f"{deleted_commit}..HEAD").strip() == "1"  # one commit
    assert git(workspace, "status", "--porcelain") == ""
    assert json.loads(crm("deleted", "--json").stdout) == []


def test_restore_refuses_what_is_not_deleted_and_what_is_unknown(crm):
    present = crm("restore", "muel")
    assert present.returncode == 2 and f"{RID} is not deleted" in present.stderr
    unknown = crm("restore", "nosuch")
    assert unknown.returncode == 1 and "no deleted customer 'nosuch'; `crm deleted` lists them" in unknown.stderr
    assert "Traceback" not in present.stderr + unknown.stderr


def test_an_ambiguous_prefix_names_the_candidates(crm, workspace):
    a = crm("new", "Twin Optics", "--country", "DE").stdout.split()[-1]
    b = crm("new", "Twin Optics", "--country", "DE", "--yes").stdout.split()[-1]  # a likely duplicate of a, on purpose
    assert crm("delete", a).returncode == 0 and crm("delete", b).returncode == 0
    out = crm("restore", "twin")
    assert out.returncode == 2 and "matches 2 deleted customers" in out.stderr and a in out.stderr and b in out.stderr
    assert crm("restore", a).returncode == 0 and (workspace / "records" / f"{a}.yaml").exists()


def test_a_customer_deleted_restored_and_deleted_again_is_listed_once(crm):
    for verb in ("delete", "restore", "delete"):
        assert crm(verb, RID).returncode == 0
    assert [r["id"] for r in json.loads(crm("deleted", "--json").stdout)] == [RID]


def test_undo_finds_a_deleted_customer_by_the_start_of_its_id(crm, workspace):
    assert crm("delete", RID).returncode == 0
    out = crm("undo", "mueller")
    assert out.returncode == 0, out.stderr
    assert (workspace / "records" / f"{RID}.yaml").exists()
