"""Fixes from a newcomer's walk through the README: each test failed before its fix."""

from __future__ import annotations

import json

import pytest

from tests.conftest import CLI, TODAY, git

RID = "mueller-lichttechnik-7k3q"


@pytest.mark.parametrize("args, option", [
    (("report", "funnel", "--since", "tomorrow"), "--since"),
    (("report", "changes", "--since", "2026-02-30"), "--since"),
    (("report", "summary", "--as-of", "yesterday"), "--as-of"),
    (("list", "--as-of", "yesterday"), "--as-of"),
    (("log", RID, "--via", "call", "--note", "x", "--due", "soon"), "--due"),
    (("log", RID, "--via", "call", "--note", "x", "--on", "monday"), "--on"),
])
def test_a_bad_date_option_says_what_a_date_is_without_pythons_wording(crm, args, option):
    proc = crm(*args)
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert f"argument {option}: must be a date (YYYY-MM-DD) or +N/-N days, not {args[-1]!r}" in last
    assert "isoformat" not in proc.stderr and "Traceback" not in proc.stderr


def test_minus_n_days_is_a_date_n_days_ago(crm):
    proc = crm("report", "changes", "--since", "-3", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "2026-11-20" in proc.stdout and "2026-11-19" not in proc.stdout


# ------------------------------------------------------------------ a pool return day that has passed


def test_a_pool_return_day_that_has_passed_is_overdue_in_crm_due_and_in_the_ui(tmp_path):
    """A customer whose return day passed 197 days ago was filed under TODAY with the `*` marker."""
    import asyncio

    from conftest_ui import screen_text, settle
    from gitfarm import Farm, environ, ok

    from tui.core.workspace import Workspace

    records = {"late-0001": '# yaml-language-server: $schema=../schema.yaml\nname: Late One\ncountry: "DE"\n'
                            "owner: alice@example.com\nclaimed_on: 2026-01-05\n"
                            "log:\n  - on: 2026-01-05\n    by: alice@example.com\n    via: email\n    note: Hi.\n"}
    with environ({"CRM_TODAY": "2026-01-05", "GIT_AUTHOR_DATE": "2026-01-05T12:00:00+00:00",
                  "GIT_COMMITTER_DATE": "2026-01-05T12:00:00+00:00"}):
        clone = Farm(tmp_path, records, people=("alice",))["alice"]
    day = "2026-11-23"
    with environ({"CRM_TODAY": day, "GIT_AUTHOR_DATE": f"{day}T12:00:00+00:00", "GIT_COMMITTER_DATE": f"{day}T12:00:00+00:00"}):
        rows = [r for r in json.loads(ok(clone, "due", "--json")) if r["kind"] == "pool"]
        text = ok(clone, "due", "--mine", "--days", "3").splitlines()
    assert [(r["state"], r["days"] < 0) for r in rows] == [("overdue", True)]
    late = next(i for i, line in enumerate(text) if "Late One" in line)
    assert text.index("OVERDUE") < late and "TODAY" not in text[:late]

    async def go():
        from tui.ui.app import CrmApp

        app = CrmApp(Workspace(clone), lambda: __import__("datetime").date(2026, 11, 23), watch_interval=None)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            line = next(line for line in screen_text(app).splitlines() if "Late One" in line)
            assert line.startswith("!p"), line

    asyncio.run(go())


# ------------------------------------------------------------------ reverse sorts keep blanks last


def _stage(workspace, rid: str, stage: str | None) -> None:
    path = workspace / "records" / f"{rid}.yaml"
    lines = [line for line in path.read_text().splitlines(keepends=True) if not line.startswith("stage:")]
    path.write_text("".join(lines) + (f"stage: {stage}\n" if stage is not None else ""))


STAGES = ("lead", "contacted", "inquiry", "quoted", "sample", "negotiating", "won", "repeat", "dormant", "lost")


@pytest.fixture
def gappy(workspace):
    """Six customers: two without a stage, one with a stage schema.yaml does not declare."""
    ids = sorted(p.stem for p in (workspace / "records").glob("*.yaml"))
    for rid, stage in zip(ids, ["won", None, "lead", "parked", None, "quoted"]):
        _stage(workspace, rid, stage)
    git(workspace, "commit", "-qam", "stages")
    return workspace


def test_crm_list_reverse_runs_the_values_backwards_and_keeps_unknown_values_and_blanks_last(gappy):
    crm = CLI(gappy)
    rows = json.loads(crm("list", "--sort", "stage", "--reverse", "--json").stdout)
    assert [r["stage"] or "" for r in rows] == ["won", "quoted", "lead", "parked", "", ""]
    forward = json.loads(crm("list", "--sort", "stage", "--json").stdout)
    assert [r["stage"] or "" for r in forward] == ["lead", "quoted", "won", "parked", "", ""]
    owners = [r["owner"] or "" for r in json.loads(crm("list", "--sort", "owner", "--reverse", "--json").stdout)]
    assert owners[:-1] == sorted(filter(None, owners), reverse=True) and owners[-1] == ""  # one is in the pool


def test_the_uis_reverse_keeps_unknown_values_and_blanks_last_and_finds_rows(gappy):
    import asyncio

    from conftest_ui import settle

    from tui.core.workspace import Workspace
    from tui.ui.app import CrmApp

    async def go():
        app = CrmApp(Workspace(gappy), lambda: __import__("datetime").date.fromisoformat(TODAY), watch_interval=None)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            app.screen.sort_by("stage")
            await pilot.pause()
            await pilot.press("O")  # shift+o
            await settle(app, pilot)
            listing = app.listing
            shown = [listing.row(i) for i in range(len(listing))]
            assert [s.stage for s in shown] == ["won", "quoted", "lead", "parked", "", ""]
            assert [listing.position(s.id) for s in shown] == list(range(len(shown)))

    asyncio.run(go())


# ------------------------------------------------------------------ a merged-away customer is not restored


def _merged(workspace) -> tuple[str, str]:
    keep, other = sorted(p.stem for p in (workspace / "records").glob("*.yaml"))[:2]
    stamp = f"{TODAY}T12:00:00+00:00"
    proc = CLI(workspace)("merge", keep, other, env={"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp})
    assert proc.returncode == 0, proc.stderr
    return keep, other


def test_restore_refuses_a_customer_merged_into_another_and_undo_of_keep_puts_both_back(workspace):
    crm = CLI(workspace)
    keep, other = _merged(workspace)
    head = git(workspace, "rev-parse", "HEAD")
    proc = crm("restore", other)
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"crm: {other} was merged into {keep}; `crm undo {keep}` puts both back"
    assert git(workspace, "rev-parse", "HEAD") == head and not (workspace / "records" / f"{other}.yaml").exists()
    listed = crm("deleted").stdout.splitlines()
    assert len(listed) == 1 and listed[0].endswith(f"  merged into {keep}") and other in listed[0]
    assert json.loads(crm("deleted", "--json").stdout)[0]["merged_into"] == keep
    assert crm("undo", keep).returncode == 0
    assert (workspace / "records" / f"{other}.yaml").exists() and crm("deleted").stdout == "No customer was deleted.\n"


def test_a_deleted_customer_whose_keep_no_longer_lists_it_may_be_restored(workspace):
    crm = CLI(workspace)
    keep, other = _merged(workspace)
    path = workspace / "records" / f"{keep}.yaml"
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("merged_from:"))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith((" ", "-"))), len(lines))
    path.write_text("".join(lines[:start] + lines[end:]))
    git(workspace, "commit", "-qam", "drop merged_from by hand")
    assert "merged into" not in crm("deleted").stdout
    proc = crm("restore", other)
    assert proc.returncode == 0, proc.stderr
    assert (workspace / "records" / f"{other}.yaml").exists()


def test_the_uis_deleted_view_refuses_a_merged_customer_with_the_same_message(workspace):
    import asyncio

    from conftest_ui import screen_text, settle

    from tui.core.workspace import Workspace
    from tui.ui.app import CrmApp
    from tui.ui.deleted import DeletedScreen

    keep, other = _merged(workspace)
    head = git(workspace, "rev-parse", "HEAD")

    async def go():
        app = CrmApp(Workspace(workspace), lambda: __import__("datetime").date.fromisoformat(TODAY), watch_interval=None)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            await pilot.press("X")
            await settle(app, pilot)
            assert isinstance(app.screen, DeletedScreen)
            text = screen_text(app)
            assert f"merged into {keep}:" in text and "1 deleted customer" in text
            await pilot.press("r")
            await settle(app, pilot)
            messages = [n.message for n in app._notifications]
            assert messages[-1:] == [f"{other} was merged into {keep}; `crm undo {keep}` puts both back"]

    asyncio.run(go())
    assert git(workspace, "rev-parse", "HEAD") == head and not (workspace / "records" / f"{other}.yaml").exists()


# ------------------------------------------------------------------ CODEOWNERS messages say what is so


def test_codeowners_without_a_file_or_a_team_says_so(crm, workspace):
    assert "x-crm" in (workspace / "schema.yaml").read_text() and "team:" not in (workspace / "schema.yaml").read_text()
    assert crm("validate").returncode == 0
    check = crm("codeowners", "--check")
    assert check.returncode == 1 and check.stderr == "no CODEOWNERS yet; run `crm codeowners`\n"
    wrote = crm("codeowners")
    assert wrote.returncode == 0, wrote.stderr
    text = (workspace / "CODEOWNERS").read_text()
    assert "/schema.yaml" not in text and "/records/" in text
    count = text.count("\n/records/")
    assert wrote.stdout == f"CODEOWNERS: {count} records to their owners; x-crm.team names no managers, so only owners are listed\n"
    assert git(workspace, "log", "-1", "--format=%s").strip() == wrote.stdout.strip()
    again = crm("codeowners", "--check")
    assert again.returncode == 0 and again.stdout == "CODEOWNERS is up to date\n"
