"""`crm merge KEEP OTHER`: one commit, unions by identity, conflicts for fields set differently,
merged_from, show/history of OTHER, and an undo that puts both files back byte for byte."""

from __future__ import annotations

import json
import os

import pytest

from faultkit import ENV, crm, git, make_ws, ok, status
from tui.core.merge_customers import merged_record

KEEP = """# yaml-language-server: $schema=../schema.yaml
name: Müller Lichttechnik GmbH   # as on their letterhead
country: "DE"
city: Hamburg
grade: B
tags: [distributor]
contacts:
  - name: Hans Müller
    email: h.mueller@mueller-licht.de
    phone: "+49 40 1234567"
orders:
  - date: 2025-03-10
    ref: PO-1
    amount: 20000
    currency: USD
    status: paid
log:
  - on: 2025-10-02
    by: alice@example.com
    via: email
    note: Sent revised quote.
"""

OTHER = """# yaml-language-server: $schema=../schema.yaml
name: Mueller Lichttechnik
country: "DE"
city: Bremen
website: https://mueller-licht.de
tags: [distributor, ce-required]
contacts:
  - name: Hans Müller
    email: H.Mueller@mueller-licht.de
  - name: Eva Schmidt
    email: eva@mueller-licht.de
orders:
  - date: 2025-03-10
    ref: PO-1
    amount: 20000
    currency: USD
    status: paid
  - date: 2025-06-01
    ref: PO-2
    amount: 5000
    currency: EUR
    status: open
log:
  - on: 2025-09-01
    by: bob@example.com
    via: call
    note: First call at the fair.
  - on: 2025-10-02
    by: alice@example.com
    via: email
    note: Sent revised quote.
"""


@pytest.fixture(autouse=True)
def pinned_env(monkeypatch):
    for key in list(os.environ):
        if key.startswith(("GIT_", "CRM_")):
            monkeypatch.delenv(key)
    for key in ("CRM_TODAY", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE", "GIT_CONFIG_NOSYSTEM"):
        monkeypatch.setenv(key, ENV[key])


@pytest.fixture
def ws(tmp_path):
    return make_ws(tmp_path / "ws", {"mueller-keep": KEEP, "mueller-other": OTHER, "acme-x1": "name: Acme\ncountry: \"US\"\n"})


def _data(ws, rid):
    """The record as `crm show --json` reads it (exit 1 while it has conflicts to settle)."""
    return json.loads(crm(ws, "show", rid, "--json").stdout)["record"]


def test_merge_is_one_commit_that_changes_keep_and_removes_other(ws):
    before = git(ws, "rev-parse", "HEAD").strip()
    proc = ok(ws, "merge", "mueller-k", "mueller-o")  # prefixes, as other commands take
    assert proc.stdout.strip() == "mueller-keep: merge duplicate mueller-other (Mueller Lichttechnik)"
    assert git(ws, "rev-parse", "HEAD~1").strip() == before
    names = git(ws, "show", "--no-renames", "--name-status", "--format=", "HEAD").split()
    assert names == ["M", "records/mueller-keep.yaml", "D", "records/mueller-other.yaml"]
    assert status(ws) == ""
    assert not (ws / "records/mueller-other.yaml").exists()
    body = git(ws, "log", "-1", "--format=%b")
    assert "set differently, kept mueller-keep's value (settle with crm resolve): name, city" in body


def test_merged_record_unions_by_identity_and_keeps_keeps_values(ws):
    ok(ws, "merge", "mueller-keep", "mueller-other")
    text = (ws / "records/mueller-keep.yaml").read_text()
    data = _data(ws, "mueller-keep")
    assert data["name"] == "Müller Lichttechnik GmbH" and data["city"] == "Hamburg"
    assert data["website"] == "https://mueller-licht.de"  # only OTHER had it: taken
    assert data["tags"] == ["distributor", "ce-required"]
    assert [c["name"] for c in data["contacts"]] == ["Hans Müller", "Eva Schmidt"]  # one Hans: same email, any case
    assert [o["ref"] for o in data["orders"]] == ["PO-1", "PO-2"]
    assert [e["on"] for e in data["log"]] == ["2025-09-01", "2025-10-02"]  # union in date order, no repeat
    assert data["merged_from"] == ["mueller-other"]
    conflicts = {c["field"]: c["value"] for c in data["conflicts"]}
    assert conflicts == {"name": "Mueller Lichttechnik", "city": "Bremen"}  # an email in other case is the same email
    assert {c["by"] for c in data["conflicts"]} == {"mueller-other"}
    # KEEP's own lines stay as they were: the comment, the quoting, every original line in order
    assert "name: Müller Lichttechnik GmbH   # as on their letterhead\n" in text
    kept = [line for line in text.splitlines() if line in KEEP.splitlines()]
    assert kept == [line for line in KEEP.splitlines() if line in text.splitlines()]
    removed = [ln for ln in git(ws, "show", "--format=", "HEAD", "--", "records/mueller-keep.yaml").splitlines()
               if ln.startswith("-") and not ln.startswith("---")]
    assert removed == ["-tags: [distributor]"]  # the one line that changes; the rest are added lines


def test_conflicts_are_reported_and_settled_by_resolve(ws):
    ok(ws, "merge", "mueller-keep", "mueller-other")
    proc = crm(ws, "validate")
    assert proc.returncode == 1
    assert "conflict: field city is Hamburg here and mueller-other set it to Bremen" in proc.stdout
    ok(ws, "resolve", "mueller-keep", "city", "Bremen")
    data = _data(ws, "mueller-keep")
    assert data["city"] == "Bremen"
    assert "city" not in {c["field"] for c in data["conflicts"]}


def test_show_and_history_of_other_lead_to_keep(ws):
    ok(ws, "merge", "mueller-keep", "mueller-other")
    proc = crm(ws, "show", "mueller-other")
    assert proc.returncode == 1  # KEEP has conflicts to settle, as `crm show KEEP` says too
    assert proc.stderr.strip() == "crm: mueller-other was merged into mueller-keep; showing mueller-keep"
    assert "[mueller-keep]" in proc.stdout.splitlines()[0]
    history = json.loads(ok(ws, "history", "mueller-other", "--json").stdout)
    assert history[0]["subject"] == "mueller-keep: merge duplicate mueller-other (Mueller Lichttechnik)"
    assert history[0]["status"] == "D"
    assert len(history) == 2  # the merge and the start
    missing = crm(ws, "show", "no-such-customer")
    assert missing.returncode != 0 and "no customer" in missing.stderr


def test_show_follows_a_chain_of_merges(ws):
    ok(ws, "merge", "mueller-keep", "mueller-other")
    ok(ws, "merge", "acme-x1", "mueller-keep")
    assert crm(ws, "show", "mueller-other").stderr.strip() == "crm: mueller-other was merged into acme-x1; showing acme-x1"
    assert _data(ws, "acme-x1")["merged_from"] == ["mueller-other", "mueller-keep"]


def test_undo_keep_restores_both_files_exactly(ws):
    keep_bytes = (ws / "records/mueller-keep.yaml").read_bytes()
    other_bytes = (ws / "records/mueller-other.yaml").read_bytes()
    start = git(ws, "rev-parse", "HEAD").strip()
    ok(ws, "merge", "mueller-keep", "mueller-other")
    proc = ok(ws, "undo", "mueller-keep")
    assert proc.stdout.startswith("mueller-keep: undo merge duplicate mueller-other")
    assert (ws / "records/mueller-keep.yaml").read_bytes() == keep_bytes
    assert (ws / "records/mueller-other.yaml").read_bytes() == other_bytes
    assert git(ws, "rev-parse", "HEAD~2").strip() == start  # one commit for the undo
    assert git(ws, "diff", start, "HEAD") == ""
    names = git(ws, "show", "--no-renames", "--name-status", "--format=", "HEAD").split()
    assert names == ["M", "records/mueller-keep.yaml", "A", "records/mueller-other.yaml"]
    assert status(ws) == ""


def test_undo_refuses_when_other_came_back_changed(ws):
    ok(ws, "merge", "mueller-keep", "mueller-other")
    (ws / "records/mueller-other.yaml").write_text(OTHER.replace("Bremen", "Kiel"))
    git(ws, "add", "-A")
    git(ws, "commit", "-qm", "someone re-created it")
    head = git(ws, "rev-parse", "HEAD")
    proc = crm(ws, "undo", "mueller-keep")
    assert proc.returncode == 1
    assert "records/mueller-other.yaml, which it also changed, changed since" in proc.stderr
    assert git(ws, "rev-parse", "HEAD") == head


def test_merge_refusals(ws):
    same = crm(ws, "merge", "mueller-keep", "mueller-keep")
    assert same.returncode == 2 and "cannot be merged with itself" in same.stderr
    unknown = crm(ws, "merge", "mueller-keep", "nobody")
    assert unknown.returncode != 0 and "no customer 'nobody'" in unknown.stderr
    assert git(ws, "log", "--format=%s").splitlines()[0] != "mueller-keep: merge duplicate"


def test_merged_record_keeps_earlier_merged_from():
    data, added = merged_record({"name": "A", "merged_from": ["x"]}, {"name": "A", "merged_from": ["y"], "city": "Oslo"}, "b")
    assert data == {"name": "A", "merged_from": ["x", "y", "b"], "city": "Oslo"}
    assert added == []


def test_the_same_phone_or_email_spelled_otherwise_is_no_conflict():
    keep = {"name": "A", "country": "DE", "contacts": [{"name": "Hans", "email": "h@a.de", "phone": "+49 40 1234567"}]}
    other = {"name": "A", "country": "DE", "contacts": [{"name": "Hans", "email": "H@A.de", "phone": "040 1234567",
                                                          "whatsapp": "+49 170 1"}]}
    data, added = merged_record(keep, other, "b")
    assert data["contacts"] == [{"name": "Hans", "email": "h@a.de", "phone": "+49 40 1234567", "whatsapp": "+49 170 1"}]
    assert added == []
    other["contacts"][0]["phone"] = "040 7654321"  # another number: kept as a conflict
    data, added = merged_record(keep, other, "b")
    assert [(e["field"], e["value"]) for e in added] == [("contacts.0.phone", "040 7654321")]


def test_undo_of_other_points_to_undo_of_keep(ws):
    ok(ws, "merge", "mueller-keep", "mueller-other")
    head = git(ws, "rev-parse", "HEAD")
    proc = crm(ws, "undo", "mueller-other")
    assert proc.returncode == 2
    assert "mueller-other was merged into mueller-keep by" in proc.stderr and "`crm undo mueller-keep`" in proc.stderr
    assert git(ws, "rev-parse", "HEAD") == head


def test_undo_of_one_record_of_a_batch_commit_gives_back_only_that_record(ws):
    from tui.core.transaction import Transaction
    from tui.core.workspace import Workspace

    w = Workspace.find(ws)
    with Transaction(w, "test") as tx:
        keep, acme = tx.read("mueller-keep"), tx.read("acme-x1")
        tx.land_many([(keep, keep.text + "notes: imported\n"), (acme, acme.text + "city: Boston\n")], "import sheet.csv: 2 updated")
    ok(ws, "undo", "acme-x1")
    assert "notes: imported" in (ws / "records/mueller-keep.yaml").read_text()
    assert "Boston" not in (ws / "records/acme-x1.yaml").read_text()
    names = git(ws, "show", "--no-renames", "--name-status", "--format=", "HEAD").split()
    assert names == ["M", "records/acme-x1.yaml"]
