"""The public pool: its rules in schema.yaml, claim, release, the sweep (one clone and two), and the UI."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import pytest
from conftest_ui import fixed_workspace, last_commit, rid_of, screen_text, settle, today
from conftest_ui import git as ui_git

from gitfarm import Farm, environ, git, ok, run
from tui.core.pool import PoolRules, pool_rules
from tui.core.workspace import Workspace
from tui.core.schema import Schema

ROOT = Path(__file__).resolve().parent.parent


def _schema(replace: tuple[str, str] | None = None) -> Schema:
    text = (ROOT / "schema.yaml").read_text(encoding="utf-8")
    if replace:
        assert replace[0] in text
        text = text.replace(*replace)
    return Schema(ROOT / "schema.yaml", text)


def test_the_rules_come_from_schema_yaml_with_defaults_for_keys_left_out():
    assert pool_rules(_schema()) == PoolRules(claim_limit=50, idle_days=90, no_order_days=None, cooldown_days=30, warn_days=7)
    changed = _schema(("    claim_limit: 50", "    claim_limit: 3"))
    assert pool_rules(changed).claim_limit == 3
    gone = _schema(("    warn_days: 7        # the due queue warns this many days before a customer returns\n", ""))
    assert pool_rules(gone).warn_days == 7


def test_a_bad_rule_is_reported_at_its_line_by_validate(crm, workspace):
    text = (workspace / "schema.yaml").read_text()
    lines = text.splitlines()
    line = next(i for i, l in enumerate(lines, 1) if l.strip().startswith("idle_days:"))
    (workspace / "schema.yaml").write_text(text.replace("idle_days: 90", "idle_days: soon").replace(
        "    warn_days: 7", "    warn_dayz: 7"))
    proc = crm("validate")
    assert proc.returncode == 1
    assert f"schema.yaml:{line}:16: x-crm.pool.idle_days must be a whole number from 1 up, not 'soon'" in proc.stdout
    assert "x-crm.pool.warn_dayz is not a pool rule; did you mean warn_days?" in proc.stdout


# ------------------------------------------------------------------ claim, release, cooldown, sweep

DAY = "2026-11-23"


def record(name: str, owner: str = "", claimed: str = "", touches: tuple = (), orders: tuple = ()) -> str:
    """A record's text: touches are (day, by), orders are days."""
    text = f'# yaml-language-server: $schema=../schema.yaml\nname: {name}\ncountry: "DE"\n'
    if owner:
        text += f"owner: {owner}\n"
    if claimed:
        text += f"claimed_on: {claimed}\n"
    text += "grade: C\n"
    if orders:
        text += "orders:\n" + "".join(f"  - date: {d}\n    amount: 100\n    currency: USD\n    status: paid\n" for d in orders)
    if touches:
        text += "log:\n" + "".join(f"  - on: {d}\n    by: {by}\n    via: email\n    note: Hello.\n" for d, by in touches)
    return text


def on(day: str):
    """Everything that reads a clock reads `day`: crm's today and git's commit dates."""
    stamp = f"{day}T12:00:00+00:00"
    return environ({"CRM_TODAY": day, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp})


def data(clone: Path, rid: str) -> dict:
    from tui.core.yamlparse import parse

    return parse((clone / "records" / f"{rid}.yaml").read_text())[0]


def subjects(clone: Path, n: int = 1) -> list[str]:
    return git(clone, "log", f"-{n}", "--format=%s").splitlines()


def set_rule(clone: Path, old: str, new: str) -> None:
    path = clone / "schema.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    git(clone, "commit", "-qam", "rules")


@pytest.fixture
def team(tmp_path) -> Farm:
    records = {
        "free-0001": record("Free One"),
        "free-0002": record("Free Two"),
        "bobs-0003": record("Bobs Three", owner="bob@example.com", claimed="2026-11-01"),
    }
    with on("2026-01-05"):
        return Farm(tmp_path, records, people=("alice", "bob"))


def test_claim_sets_owner_and_claimed_on_in_one_commit(team):
    a = team["alice"]
    before = git(a, "rev-parse", "HEAD").strip()
    with on(DAY):
        out = ok(a, "claim", "free-0001")
    assert out.strip() == "free-0001: claimed from the pool by alice@example.com"
    assert git(a, "rev-list", "--count", f"{before}..HEAD").strip() == "1"
    d = data(a, "free-0001")
    assert d["owner"] == "alice@example.com" and d["claimed_on"].isoformat() == DAY
    assert git(a, "status", "--porcelain") == ""


def test_claiming_someone_elses_customer_is_refused(team):
    with on(DAY):
        code, _, err = run(team["alice"], "claim", "bobs-0003")
    assert code == 1 and "bobs-0003 is owned by bob@example.com" in err
    assert data(team["alice"], "bobs-0003")["owner"] == "bob@example.com"


def test_the_claim_limit_refuses_one_more(team):
    a = team["alice"]
    set_rule(a, "claim_limit: 50", "claim_limit: 1")
    with on(DAY):
        ok(a, "claim", "free-0001")
        code, _, err = run(a, "claim", "free-0002")
        assert code == 1
        assert "you own 1 customer, the claim limit (x-crm.pool.claim_limit: 1); release one first" in err
        assert "owner" not in data(a, "free-0002")
        ok(a, "release", "free-0001")
        ok(a, "claim", "free-0002")
    assert data(a, "free-0002")["owner"] == "alice@example.com"


def test_release_gives_back_in_one_commit_with_a_touch_and_the_pool_says_why(team):
    a = team["alice"]
    with on("2026-11-01"):
        ok(a, "claim", "free-0001")
    with on(DAY):
        out = ok(a, "release", "free-0001", "--note", "Only buys once a decade")
    assert out.strip() == "free-0001: released to the pool by alice@example.com: Only buys once a decade"
    assert git(a, "show", "--format=", "--name-only", "HEAD").split() == ["records/free-0001.yaml"]
    d = data(a, "free-0001")
    assert "owner" not in d and "claimed_on" not in d
    assert d["log"] == [{"on": dt.date(2026, 11, 23), "by": "alice@example.com", "via": "release",
                         "note": "Only buys once a decade"}]
    with on(DAY):
        rows = {r["id"]: r for r in json.loads(ok(a, "pool", "--json"))}
        text = ok(a, "pool")
    assert set(rows) == {"free-0001", "free-0002"}
    assert (rows["free-0001"]["why"], rows["free-0001"]["by"], rows["free-0001"]["on"]) == ("released", "alice@example.com", DAY)
    assert rows["free-0002"]["why"] == "never owned" and rows["free-0002"]["by"] is None
    assert f"released on {DAY} by alice@example.com" in text and "never owned" in text


def test_the_owner_taken_back_from_waits_cooldown_days_others_do_not(team):
    a, b = team["alice"], team["bob"]
    with on("2026-11-01"):
        ok(a, "claim", "free-0001")
        ok(a, "release", "free-0001")
        ok(a, "sync")
    with on("2026-11-30"):  # 29 days later
        code, _, err = run(a, "claim", "free-0001")
        assert code == 1
        assert "you released free-0001 on 2026-11-01; you may claim it again from 2026-12-01" in err
        ok(b, "sync")
        ok(b, "claim", "free-0001")  # bob was not the owner: no wait
        ok(b, "release", "free-0001")
        ok(b, "sync")
    with on("2026-12-01"):
        ok(a, "sync")
        ok(a, "claim", "free-0001")
    assert data(a, "free-0001")["owner"] == "alice@example.com"


SWEEP_RECORDS = {
    "idle-0001": record("Idle One", owner="alice@example.com", claimed="2026-06-01",
                        touches=(("2026-08-24", "alice@example.com"),)),  # 91 days before DAY
    "busy-0002": record("Busy Two", owner="alice@example.com", claimed="2026-06-01",
                        touches=(("2026-11-13", "alice@example.com"),)),
    "fresh-0003": record("Fresh Three", owner="bob@example.com", claimed="2026-11-20"),
    "other-0004": record("Other Four", owner="bob@example.com", claimed="2026-01-10",
                         touches=(("2026-11-20", "alice@example.com"),)),  # only someone else touched it
    "old-0005": record("Old Five", owner="bob@example.com"),  # never claimed nor touched: counts from creation
    "pool-0006": record("Pool Six"),
}


@pytest.fixture
def sweepers(tmp_path) -> Farm:
    with on("2026-01-05"):
        return Farm(tmp_path, SWEEP_RECORDS, people=("alice", "bob"))


def test_sweep_returns_idle_customers_in_one_commit_that_lists_them(sweepers):
    a = sweepers["alice"]
    before = git(a, "rev-parse", "HEAD").strip()
    with on(DAY):
        dry = ok(a, "pool", "sweep", "--dry-run")
        as_json = json.loads(ok(a, "pool", "--json", "sweep", "--dry-run"))
        assert git(a, "rev-parse", "HEAD").strip() == before and git(a, "status", "--porcelain") == ""
        out = ok(a, "pool", "sweep")
    expected = ["idle-0001 from alice@example.com (due back 2026-11-22)",
                "old-0005 from bob@example.com (due back 2026-04-05)",
                "other-0004 from bob@example.com (due back 2026-04-10)"]
    assert dry.splitlines() == [f"would return {line}" for line in expected]
    assert as_json == {"day": DAY, "dry_run": True, "commit": None, "returned": [
        {"id": "idle-0001", "owner": "alice@example.com", "due_back": "2026-11-22"},
        {"id": "old-0005", "owner": "bob@example.com", "due_back": "2026-04-05"},
        {"id": "other-0004", "owner": "bob@example.com", "due_back": "2026-04-10"}]}
    assert out.splitlines()[:3] == [f"returned {line}" for line in expected]
    assert git(a, "rev-list", "--count", f"{before}..HEAD").strip() == "1"
    message = git(a, "log", "-1", "--format=%B")
    assert message.startswith("pool sweep: 3 customers back on 2026-11-23 (no touch for 90 days)\n\n")
    assert [line for line in message.splitlines()[2:] if line] == expected
    for rid in ("idle-0001", "old-0005", "other-0004"):
        assert "owner" not in data(a, rid) and "claimed_on" not in data(a, rid)
    for rid in ("busy-0002", "fresh-0003"):
        assert data(a, rid)["owner"]
    with on(DAY):
        assert ok(a, "pool", "sweep").strip() == "Nobody goes back to the pool on 2026-11-23."
        rows = {r["id"]: r for r in json.loads(ok(a, "pool", "--json"))}
        code, _, err = run(a, "claim", "idle-0001")  # the owner it was taken back from waits
    assert (rows["idle-0001"]["why"], rows["idle-0001"]["on"], rows["idle-0001"]["by"]) == ("returned idle", DAY, "alice@example.com")
    assert code == 1 and "idle-0001 went back to the pool idle from you on 2026-11-23; you may claim it again from 2026-12-23" in err


def test_sweep_commits_a_hand_edit_first_and_keeps_it(sweepers):
    """A record edited by hand and not committed is settled (its own commit) before the sweep edits it; the
    records as HEAD has them are edited as read."""
    a = sweepers["alice"]
    path = a / "records" / "idle-0001.yaml"
    path.write_text(path.read_text().replace("name: Idle One", "name: Idle One Renamed"))
    before = git(a, "rev-parse", "HEAD").strip()
    with on(DAY):
        ok(a, "pool", "sweep")
    subjects = git(a, "log", "--format=%s", f"{before}..HEAD").splitlines()
    assert subjects == ["pool sweep: 3 customers back on 2026-11-23 (no touch for 90 days)",
                        "idle-0001: hand edit: name Idle One -> Idle One Renamed"]
    assert data(a, "idle-0001")["name"] == "Idle One Renamed" and "owner" not in data(a, "idle-0001")
    assert git(a, "status", "--porcelain") == ""


def test_no_order_days_takes_back_customers_touched_but_not_ordering(tmp_path):
    records = {"talk-0001": record("Talk One", owner="alice@example.com", claimed="2026-01-10",
                                   touches=(("2026-11-20", "alice@example.com"),), orders=("2026-02-01",)),
               "buys-0002": record("Buys Two", owner="alice@example.com", claimed="2026-01-10",
                                   touches=(("2026-11-20", "alice@example.com"),), orders=("2026-10-01",))}
    with on("2026-01-05"):
        farm = Farm(tmp_path, records, people=("alice",))
    a = farm["alice"]
    with on(DAY):
        assert ok(a, "pool", "sweep", "--dry-run").strip() == "Nobody goes back to the pool on 2026-11-23."
        set_rule(a, "no_order_days: null", "no_order_days: 180")
        assert ok(a, "pool", "sweep", "--dry-run").splitlines() == [
            "would return talk-0001 from alice@example.com (due back 2026-07-31)"]


def test_two_clones_sweeping_the_same_day_and_syncing_merge_cleanly(sweepers):
    a, b = sweepers["alice"], sweepers["bob"]
    with on(DAY):
        ok(a, "pool", "sweep")
        ok(b, "pool", "sweep")
        ok(a, "sync")
        ok(b, "sync")
        ok(a, "sync")
    for clone in (a, b):
        assert git(clone, "status", "--porcelain") == ""
        assert git(clone, "rev-parse", "HEAD") == git(a, "rev-parse", "HEAD")
        log = git(clone, "log", "--format=%s")
        assert log.count("pool sweep:") == 1
        assert "conflicts" not in (clone / "records" / "idle-0001.yaml").read_text()
    assert git(a, "rev-parse", "HEAD") == git(sweepers.remote, "rev-parse", "main")
    with on(DAY):
        assert ok(b, "pool", "sweep").strip() == "Nobody goes back to the pool on 2026-11-23."


def test_customers_about_to_return_show_in_the_due_queue(sweepers):
    a = sweepers["alice"]
    with on("2026-11-19"):  # idle-0001 goes back on 2026-11-22: in 3 days, within warn_days (7)
        rows = [r for r in json.loads(ok(a, "due", "--json")) if r["kind"] == "pool"]
        text = ok(a, "due")
    assert [(r["id"], r["state"], r["days"], r["about"]) for r in rows] == [  # then those past their day
        ("old-0005", "overdue", -228, "returns to the pool at the next sweep"),
        ("other-0004", "overdue", -223, "returns to the pool at the next sweep"),
        ("idle-0001", "soon", 3, "returns to pool in 3 days")]
    assert "pool" in text and "returns to pool in 3 days" in text
    with on("2026-11-10"):  # 12 days ahead: not yet
        rows = json.loads(ok(a, "due", "--json", "--days", "30"))
    assert [r["id"] for r in rows if r["kind"] == "pool"] == ["old-0005", "other-0004"]


# ------------------------------------------------------------------ the UI


def _ui(ws, size=(80, 24)):
    from tui.ui.app import CrmApp

    return CrmApp(ws, today, watch_interval=None), size


def test_ui_claims_with_c_and_releases_with_shift_r_and_counts_against_the_limit(tmp_path):
    from tui.ui.prompts import NotePrompt

    ws = fixed_workspace(tmp_path)
    rid = rid_of("Beschläge Huber GmbH")

    async def go():
        app, size = _ui(ws)
        async with app.run_test(size=size) as pilot:
            await settle(app, pilot)
            assert "claimed 6/50" in screen_text(app)  # alice owns six of the fixed customers
            await pilot.press("slash", *"owner:pool", "enter")
            await settle(app, pilot)
            assert [app.listing.row(i).id for i in range(len(app.listing))] == sorted(
                (s.id for s in app.listing.summaries() if not s.owner), key=lambda r: app.listing.get(r).name.casefold())
            assert app.screen.table.select_id(rid)
            await pilot.press("c")
            await settle(app, pilot)
            assert last_commit(ws) == f"{rid}: claimed from the pool by alice@example.com"
            assert "claimed 7/50" in screen_text(app)
            assert app.listing.get(rid).owner == "alice@example.com"
            await pilot.press("escape", "escape")  # leave the search box and clear it: the customer is no longer in the pool
            await settle(app, pilot)
            assert app.screen.table.select_id(rid)
            await pilot.press("R")
            await pilot.pause()
            assert isinstance(app.screen, NotePrompt)
            await pilot.press(*"No budget this year", "enter")
            await settle(app, pilot)
            assert last_commit(ws) == f"{rid}: released to the pool by alice@example.com: No budget this year"
            assert "claimed 6/50" in screen_text(app)
            assert "note: No budget this year" in ws.record_path(rid).read_text()

    asyncio.run(go())


def test_ui_claim_beyond_the_limit_is_refused_with_a_message(tmp_path):
    ws = fixed_workspace(tmp_path)
    (ws.root / "schema.yaml").write_text((ws.root / "schema.yaml").read_text().replace("claim_limit: 50", "claim_limit: 6"))
    ui_git(ws, "commit", "-qam", "limit 6")
    ws = Workspace(ws.root)
    rid = rid_of("Beschläge Huber GmbH")

    async def go():
        app, size = _ui(ws, (100, 30))
        async with app.run_test(size=size) as pilot:
            await settle(app, pilot)
            assert "claimed 6/6" in screen_text(app)
            assert app.screen.table.select_id(rid)
            await pilot.press("c")
            await settle(app, pilot)
            assert last_commit(ws) == "limit 6"
            assert [n.message for n in app._notifications][-1:] == [
                "you own 6 customers, the claim limit (x-crm.pool.claim_limit: 6); release one first (`crm release ID`)"]
            assert app.listing.get(rid).owner == ""

    asyncio.run(go())


def test_claim_and_release_are_in_help_and_the_palette(tmp_path):
    from tui.ui.commands import screen_commands

    ws = fixed_workspace(tmp_path)

    async def go():
        app, size = _ui(ws, (140, 60))
        async with app.run_test(size=size) as pilot:
            await settle(app, pilot)
            titles = {title: help_text for title, help_text, _ in screen_commands(app.screen)}
            assert "Claim the customer from the public pool" in titles["Claim"] and "(c)" in titles["Claim"]
            assert "Release the customer to the public pool" in titles["Release"] and "shift+r" in titles["Release"]
            await pilot.press("question_mark")
            await settle(app, pilot)
            from tui.ui.help import HelpScreen

            assert isinstance(app.screen, HelpScreen)
            text = screen_text(app)
            assert "Claim the customer from the public pool" in text
            assert any(line.split("│")[1].split()[:2] == ["shift+r", "Release"] for line in text.splitlines() if "│" in line)

    asyncio.run(go())


# ------------------------------------------------------------------ the sweep's edit

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tui.core.yamledit import delete_keys  # noqa: E402
from tui.core.yamlparse import parse  # noqa: E402

LINES = {
    "name": "name: Acme   # on the invoices\n",
    "owner": "owner: alice@example.com  # since the fair\n",
    "claimed_on": "claimed_on: 2026-11-01\n",
    "grade": "grade: C\n",
    "tags": "tags:\n  - oem   # a comment inside\n  - distributor\n",
    "notes": "notes: |\n  owner: not a key here\n  claimed_on: nor this\n",
}


@settings(max_examples=60, deadline=None)
@given(st.permutations(list(LINES)), st.sets(st.sampled_from(["owner", "claimed_on"])))
def test_delete_keys_removes_exactly_the_lines_of_those_keys(order, present):
    keys = [k for k in order if k in present or k not in ("owner", "claimed_on")]
    text = "# yaml-language-server: $schema=../schema.yaml\n" + "".join(LINES[k] for k in keys)
    out = delete_keys(text, ("owner", "claimed_on"))
    assert out == "# yaml-language-server: $schema=../schema.yaml\n" + "".join(
        LINES[k] for k in keys if k not in ("owner", "claimed_on"))
    assert parse(out)[0]["notes"] == "owner: not a key here\nclaimed_on: nor this\n"


def test_the_pool_reads_why_from_what_each_commit_did_not_from_words_in_a_note(team):
    a = team["alice"]
    with on(DAY):
        ok(a, "log", "free-0002", "--via", "call", "--note", "Said it was released to the pool by mistake, owner unset")
        ok(a, "set", "bobs-0003", "owner", "--unset")
        rows = {r["id"]: r for r in json.loads(ok(a, "pool", "--json"))}
    assert rows["free-0002"]["why"] == "never owned"
    assert (rows["bobs-0003"]["why"], rows["bobs-0003"]["by"]) == ("owner removed", "alice@example.com")
    with on(DAY):
        ok(a, "sync")
        ok(team["bob"], "sync")
        code, _, err = run(team["bob"], "claim", "bobs-0003")  # taken from bob by someone's edit: he waits too
    assert code == 1 and "bobs-0003 was taken from you on 2026-11-23; you may claim it again from 2026-12-23" in err
