"""`crm sync` with a real bare remote and three clones: merges, conflicts, guards, all-or-nothing."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitfarm import BASE_RECORD, PINNED, Farm, git, ok, run
from tui.core import conflicts as cf
from tui.core.changes import Changes
from tui.core.merge import driver_command
from tui.core.record import read_record
from tui.core.sync import SyncError, sync, sync_state
from tui.core.workspace import Workspace
from tui.core.yamledit import append_value
from tui.core.yamlparse import parse

RID = "acme-7k3q"
TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def pinned_clocks(monkeypatch):
    """Commits made here directly (Changes(...)) get fixed dates too, like those made through `run`."""
    for key, value in PINNED.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def farm(tmp_path) -> Farm:
    return Farm(tmp_path)


def data(clone: Path, rid: str = RID) -> dict:
    return parse((clone / "records" / f"{rid}.yaml").read_text())[0]


def head(clone: Path) -> str:
    return git(clone, "rev-parse", "HEAD").strip()


def changes(clone: Path) -> Changes:
    return Changes(Workspace(clone), lambda: TODAY)


def test_edits_to_different_fields_of_one_record_merge_cleanly(farm):
    a, b, c = farm["alice"], farm["bob"], farm["carol"]
    ok(a, "grade", RID, "B")
    ok(b, "set", RID, "city", "Berlin")
    ok(c, "log", RID, "--via", "call", "--note", "Carol called")
    for clone in (a, b, c, a, b):
        ok(clone, "sync")
    for clone in (a, b, c):
        d = data(clone)
        assert (d["grade"], d["city"]) == ("B", "Berlin")
        assert d["log"][-1]["note"] == "Carol called"
        assert "conflicts" not in d
    assert (a / "records" / f"{RID}.yaml").read_text() == (c / "records" / f"{RID}.yaml").read_text()
    assert "# the one on the invoices" in (b / "records" / f"{RID}.yaml").read_text()
    # linear history: a sync rebases, it makes no merge commits
    assert git(a, "rev-list", "--merges", "--count", "HEAD").strip() == "0"


def test_same_field_conflict_is_kept_flagged_and_resolved_in_one_commit(farm):
    a, b = farm["alice"], farm["bob"]
    ok(a, "grade", RID, "B")
    ok(b, "grade", RID, "A")
    ok(a, "sync")
    out = ok(b, "sync")
    assert f"conflict: {RID}" in out
    d = data(b)
    assert d["grade"] == "B"  # what was already shared stays in place
    assert cf.entries(d) == [{"field": "grade", "value": "A", "by": "bob@example.com", "on": TODAY}]
    code, out, _ = run(b, "validate")
    assert code == 1 and f"records/{RID}.yaml:" in out and f"crm resolve {RID} grade VALUE" in out
    before = head(b)
    assert ok(b, "resolve", RID, "grade", "A").strip() == f"{RID}: resolve grade: B / A -> A"
    assert git(b, "rev-list", "--count", f"{before}..HEAD").strip() == "1"
    assert data(b)["grade"] == "A" and "conflicts" not in data(b)
    assert run(b, "validate")[0] == 0
    ok(b, "sync")
    ok(a, "sync")
    assert data(a)["grade"] == "A" and "conflicts" not in data(a)


def test_resolve_refuses_a_field_without_conflict(farm):
    code, _, err = run(farm["alice"], "resolve", RID, "grade", "A")
    assert code == 2 and "no conflict on 'grade'" in err


def test_touches_orders_and_contacts_from_three_people_are_all_kept_in_date_order(farm):
    a, b, c = farm["alice"], farm["bob"], farm["carol"]
    ok(a, "log", RID, "--via", "email", "--note", "alice late", "--on", "2025-11-20")
    ok(b, "log", RID, "--via", "call", "--note", "bob early", "--on", "2025-11-02")
    ok(c, "log", RID, "--via", "meeting", "--note", "carol middle", "--on", "2025-11-10")
    changes(b).apply(RID, lambda r, t: (append_value(t, ("orders",), {"date": dt.date(2025, 11, 3), "ref": "PO-B", "amount": 5,
                                                                       "currency": "USD"}), "order"))
    changes(c).apply(RID, lambda r, t: (append_value(t, ("contacts",), {"name": "Ines", "email": "ines@acme.example"}), "contact"))
    for clone in (a, b, c, a, b):
        ok(clone, "sync")
    for clone in (a, b, c):
        d = data(clone)
        notes = [e["note"] for e in d["log"]]
        assert notes[-3:] == ["bob early", "carol middle", "alice late"]
        assert [o["ref"] for o in d["orders"]] == ["PO-1", "PO-B"]
        assert {x["email"] for x in d["contacts"]} == {"hans@acme.example", "ines@acme.example"}
        assert "conflicts" not in d


@pytest.mark.parametrize("first", ["deleter", "editor"])
def test_delete_against_edit_keeps_the_edited_record_and_flags_it(farm, first):
    a, b = farm["alice"], farm["bob"]
    changes(a).delete(RID)
    ok(b, "set", RID, "city", "Kiel")
    order = (a, b) if first == "deleter" else (b, a)
    for clone in order:
        ok(clone, "sync")
    last = order[1]
    d = data(last)
    assert d["city"] == "Kiel"
    (entry,) = cf.entries(d)
    assert entry["field"] == "record" and entry["value"] == "deleted" and entry["by"] == "alice@example.com"
    code, out, _ = run(last, "validate")
    assert code == 1 and f"crm resolve {RID} record keep" in out
    ok(last, "resolve", RID, "record", "keep")
    assert "conflicts" not in data(last)


def test_invalid_hand_edits_stop_the_sync_and_are_listed(farm):
    a = farm["alice"]
    path = a / "records" / f"{RID}.yaml"
    path.write_text(path.read_text().replace("grade: C", "grade: Z"))
    (a / "records" / "new-one-aaaa.yaml").write_text("name: New\ncountry: [oops\n")
    before = head(a)
    code, _, err = run(a, "sync")
    assert code == 1
    assert f"records/{RID}.yaml:5:8:" in err and "records/new-one-aaaa.yaml:3:1:" in err
    assert "fix them and sync again" in err
    assert head(a) == before and "grade: Z" in path.read_text()


def test_valid_hand_edits_are_committed_by_sync_and_shared(farm):
    a, b = farm["alice"], farm["bob"]
    path = a / "records" / f"{RID}.yaml"
    path.write_text(path.read_text().replace("city: Hamburg", "city: Lübeck"))
    (a / "records" / "beta-2x2x.yaml").write_text('name: Beta\ncountry: "FR"\n')
    out = ok(a, "sync")
    assert "committed 2 hand edits" in out
    subjects = git(a, "log", "--format=%s", "-2").splitlines()
    assert sorted(subjects) == [f"{RID}: hand edit: city Hamburg -> Lübeck", "beta-2x2x: new customer Beta (hand edit)"]
    ok(b, "sync")
    assert data(b)["city"] == "Lübeck" and data(b, "beta-2x2x")["name"] == "Beta"


def test_offline_sync_changes_nothing_and_keeps_hand_edits_uncommitted(farm, tmp_path):
    a = farm["alice"]
    ok(a, "grade", RID, "B")
    path = a / "records" / f"{RID}.yaml"
    path.write_text(path.read_text().replace("city: Hamburg", "city: Rostock"))
    before, text = head(a), path.read_text()
    farm.remote.rename(tmp_path / "gone.git")
    code, _, err = run(a, "sync")
    assert code == 1 and "offline: could not reach origin" in err and "run `crm sync` again" in err
    assert head(a) == before and path.read_text() == text
    assert git(a, "status", "--porcelain", "--", "records").strip() == f"M records/{RID}.yaml"
    assert sync_state(Workspace(a)).last_error.startswith("offline")


def test_a_failure_after_the_rebase_puts_everything_back(farm):
    """The delete guard fires after fetch, commit and rebase: the clone must be exactly as before."""
    a, b = farm["alice"], farm["bob"]
    for i in range(12):
        (a / "records" / f"r{i:02d}-aaaa.yaml").write_text(f'name: R{i}\ncountry: "DE"\n')
    ok(a, "sync")
    ok(b, "set", RID, "city", "Bonn")
    ok(b, "sync")
    for i in range(12):
        changes(a).delete(f"r{i:02d}-aaaa")
    path = a / "records" / f"{RID}.yaml"
    path.write_text(path.read_text().replace("notes: Prefers email.", "notes: Prefers phone."))
    before, text = head(a), path.read_text()
    code, _, err = run(a, "sync")
    assert code == 1 and "would delete 12 records" in err and "crm sync --force" in err
    assert head(a) == before and path.read_text() == text
    assert git(a, "status", "--porcelain", "--", "records").strip() == f"M records/{RID}.yaml"
    assert run(a, "sync", "--max-deletes", "11")[0] == 1
    out = ok(a, "sync", "--force")
    assert "committed 1 hand edit" in out
    d = data(a)
    assert d["city"] == "Bonn" and d["notes"] == "Prefers phone."
    ok(b, "sync")
    assert not list((b / "records").glob("r*-aaaa.yaml"))


def test_no_upstream_says_what_to_do(tmp_path):
    repo = tmp_path / "solo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Solo")
    git(repo, "config", "user.email", "solo@example.com")
    ok(repo, "init", str(repo))
    code, _, err = run(repo, "sync")
    assert code == 1 and "no upstream: run `git remote add origin URL && git push -u origin main`" in err


def test_sync_state_reports_ahead_and_behind(farm):
    a, b = farm["alice"], farm["bob"]
    ok(a, "grade", RID, "B")
    ok(a, "sync")
    ok(b, "set", RID, "city", "Kiel")
    git(b, "fetch", "-q")
    state = sync_state(Workspace(b))
    assert (state.ahead, state.behind, state.upstream) == (1, 1, "origin/main")
    steps = []
    result = sync(Workspace(b), progress=steps.append)
    assert result.pulled == 1 and result.pushed == 1 and result.changed_by_others == [RID]
    assert any(s.startswith("rebasing 1 commit onto 1") for s in steps) and steps[-1].startswith("pushing")
    state = sync_state(Workspace(b))
    assert (state.ahead, state.behind, state.last_error) == (0, 0, None) and state.last_sync


def test_a_fresh_clone_gets_the_merge_driver_from_any_crm_command(farm):
    fresh = farm.clone("dave")
    assert git(fresh, "config", "--get", "merge.crm.driver", check=False) == ""
    proc = subprocess.run([sys.executable, "-m", "tui", "list"], cwd=fresh, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert git(fresh, "config", "--get", "merge.crm.driver").strip() == driver_command()
    assert "records/*.yaml merge=crm" in (fresh / ".gitattributes").read_text()
    config = (fresh / ".git" / "config").stat().st_mtime_ns
    run(fresh, "list")
    assert (fresh / ".git" / "config").stat().st_mtime_ns == config


def test_a_record_broken_on_one_side_stops_the_sync_cleanly(farm):
    a, b = farm["alice"], farm["bob"]
    path = a / "records" / f"{RID}.yaml"
    path.write_text(path.read_text().replace("city: Hamburg", "city: Hamburg  # port"))
    git(a, "commit", "-qam", "comment")
    git(a, "push", "-q")
    ok(b, "set", RID, "city", "Kiel")
    path = b / "records" / f"{RID}.yaml"
    git(b, "commit", "-q", "--allow-empty", "-m", "noop")
    before = head(b)
    # a record that does not parse cannot be merged field by field: bob's side is broken by hand in a commit
    path.write_text(path.read_text().replace("city: Kiel", "city: [Kiel"))
    git(b, "commit", "-qam", "broken")
    code, _, err = run(b, "sync")
    assert code == 1
    assert "after merging, these records do not validate" in err or "could not be merged field by field" in err
    assert git(b, "rev-parse", "HEAD~1").strip() == before
    assert "<<<<<<<" not in path.read_text()
    assert not (b / ".git" / "rebase-merge").exists()


# ------------------------------------------------------------------ property: random concurrent edits


FIELDS = ("city", "stage", "grade", "industry")
VALUES = {"city": ["Kiel", "Bonn", "Ulm"], "stage": ["lead", "sample", "won"], "grade": ["A", "B", "D"],
          "industry": ["lighting", "hardware", "retail"]}
RIDS = ("acme-7k3q", "beta-2x2x")
op = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(RIDS), st.sampled_from(FIELDS), st.integers(0, 2)),
    st.tuples(st.just("log"), st.sampled_from(RIDS)),
    st.tuples(st.just("order"), st.sampled_from(RIDS)),
    st.tuples(st.just("contact"), st.sampled_from(RIDS)),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(edits=st.lists(st.tuples(st.integers(0, 2), op), min_size=1, max_size=8),
       order=st.permutations([0, 1, 2]))
def test_random_concurrent_edits_synced_in_random_order_lose_nothing(tmp_path_factory, edits, order):
    farm = Farm(tmp_path_factory.mktemp("farm"), records={
        "acme-7k3q": BASE_RECORD, "beta-2x2x": 'name: Beta\ncountry: "FR"\ngrade: C\n'})
    clones = [farm[n] for n in Farm.PEOPLE]
    touches, orders, contacts = set(), set(), set()
    set_by: dict[tuple, dict[int, str]] = {}
    for n, (who, edit) in enumerate(edits):
        ch = changes(clones[who])
        rid = edit[1]
        if edit[0] == "set":
            value = VALUES[edit[2]][edit[3]]
            try:
                ch.set_field(rid, (edit[2],), value)
            except Exception:
                continue  # "nothing to change"
            set_by.setdefault((rid, edit[2]), {})[who] = value
        elif edit[0] == "log":
            note = f"touch {n}"
            ch.log(rid, "call", note, on=dt.date(2025, 10, 10) + dt.timedelta(days=n))
            touches.add((rid, note))
        elif edit[0] == "order":
            ref = f"PO-{n}"
            ch.apply(rid, lambda r, t, ref=ref, d=dt.date(2025, 10, 10) + dt.timedelta(days=n): (append_value(
                t, ("orders",), {"date": d, "ref": ref, "amount": n, "currency": "USD"}), f"order {ref}"))
            orders.add((rid, ref))
        else:
            email = f"p{n}@example.com"
            ch.apply(rid, lambda r, t, email=email: (append_value(t, ("contacts",), {"name": f"P{n}", "email": email}), "contact"))
            contacts.add((rid, email))
    for i in [*order, *order]:
        sync(Workspace(clones[i]))
    texts = {tuple((c / "records" / f"{r}.yaml").read_text() for r in RIDS) for c in clones}
    assert len(texts) == 1, "every clone ends with the same records"
    ws = Workspace(clones[0])
    for rid in RIDS:
        record = read_record(ws.schema, rid, ws.record_path(rid), f"records/{rid}.yaml")
        assert [p for p in record.problems if not cf.is_conflict(p.message)] == []
        d = record.data
        assert {(rid, e["note"]) for e in d.get("log", [])} >= {t for t in touches if t[0] == rid}
        assert {(rid, o["ref"]) for o in d.get("orders", [])} >= {o for o in orders if o[0] == rid}
        assert {(rid, c["email"]) for c in d.get("contacts", [])} >= {c for c in contacts if c[0] == rid}
        for key, when in (("log", "on"), ("orders", "date")):
            dates = [e[when] for e in d.get(key, [])]
            assert dates == sorted(dates), f"{key} stays in date order"
        conflicted = {e["field"] for e in cf.entries(d)}
        for (r, field), by_clone in set_by.items():
            if r != rid:
                continue
            if len(by_clone) == 1:
                assert d[field] == next(iter(by_clone.values())), f"{field} edited in one clone only"
            elif len(set(by_clone.values())) > 1:
                assert field in conflicted, f"{field} set differently in two clones must be flagged"
                kept = {d[field]} | {e["value"] for e in cf.entries(d) if e["field"] == field}
                assert set(by_clone.values()) <= kept, "no value set in a clone is lost"
