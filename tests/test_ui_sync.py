"""Sync (`s`) and conflict choice (`r`) through Pilot: a bare remote and clones in tmp_path, each
with its own git identity (tests/gitfarm.py); the app runs on alice's clone."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest
from conftest_ui import screen_text
from gitfarm import BASE_RECORD, Farm, git, ok

from tui.core.changes import Changes
from tui.core.workspace import Workspace
from tui.ui.app import CrmApp
from tui.ui.commands import screen_commands
from tui.ui.customer import CustomerScreen
from tui.ui.messages import SyncProgress
from tui.ui.problems import ProblemsScreen
from tui.ui.prompts import ChoiceScreen

RID = "acme-7k3q"
OTHER = "borealis-lys-2m4x"
TODAY = dt.date(2026, 11, 23)
SIZE = (100, 24)


def today() -> dt.date:
    return TODAY


@pytest.fixture
def farm(tmp_path) -> Farm:
    other = BASE_RECORD.replace("Acme Lighting", "Borealis Lys").replace('"DE"', '"NO"')
    return Farm(tmp_path, {RID: BASE_RECORD, OTHER: other}, people=("alice", "bob"))


async def settle(app, pilot) -> None:
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


async def shows(app, pilot, text: str, seconds: float = 15.0) -> bool:
    """Whether `text` comes on screen: the sync state is drawn by a worker and a timer, which a loaded
    machine may run late, so wait for it rather than for a fixed number of pauses."""
    deadline = time.monotonic() + seconds
    while text not in screen_text(app) and time.monotonic() < deadline:
        await pilot.pause(0.05)
    return text in screen_text(app)


def notes(app, **match) -> list:
    return [n for n in app._notifications if all(getattr(n, k) == v for k, v in match.items())]


def test_sync_sends_mine_brings_theirs_and_shows_the_state(farm):
    alice, bob = farm["alice"], farm["bob"]
    ok(bob, "grade", RID, "B")
    ok(bob, "sync")
    path = alice / "records" / f"{RID}.yaml"
    path.write_text(path.read_text().replace("city: Hamburg", "city: Bremen"))  # a hand edit, not committed
    seen = []

    async def run():
        app = CrmApp(Workspace(alice), today, watch_interval=None)
        async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
            await settle(app, pilot)
            assert await shows(app, pilot, "↑0 ↓0 · 1 hand edit · never synced")
            assert app.screen.table.select_id(OTHER)
            await pilot.press("g", "a")  # one commit through the app
            await settle(app, pilot)
            assert "↑1 ↓0" in screen_text(app)
            await pilot.press("s")
            await settle(app, pilot)
            done = notes(app, title="Synced")
            assert done and "committed 1 hand edit, brought in 1 commit, sent 2" in done[-1].message
            assert notes(app, title="Changed by others (1)")[-1].message == "Acme Lighting"
            assert app.listing.get(RID).grade == "B"  # the catalog was read again
            assert app.listing.get(RID).country == "DE" and "city: Bremen" in path.read_text()
            assert "↑0 ↓0 · synced " in screen_text(app)
            assert app.sync_step == "" and app.sync_error == ""

    asyncio.run(run())
    steps = [m.step for m in seen if isinstance(m, SyncProgress)]
    assert "fetching origin" in steps
    ok(bob, "sync")
    assert "grade: A" in (bob / "records" / f"{OTHER}.yaml").read_text()
    assert "city: Bremen" in (bob / "records" / f"{RID}.yaml").read_text()


def test_sync_runs_without_blocking_keys_and_a_failure_keeps_its_error(farm):
    alice = farm["alice"]
    git(alice, "remote", "set-url", "origin", str(farm.tmp / "moved-away.git"))
    ok(alice, "grade", RID, "A")

    async def run():
        app = CrmApp(Workspace(alice), today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            head = git(alice, "rev-parse", "HEAD")
            app._git_lock.acquire()  # a commit in progress: the sync waits for it, in its worker
            try:
                await pilot.press("s")
                await pilot.pause()
                assert "syncing: starting…" in screen_text(app)
                await pilot.press("o")  # keys still work meanwhile
                await pilot.pause()
                assert app.listing.sort == "country"
                await pilot.press("s")
                await pilot.pause()
                assert notes(app, message="A sync is already running (starting)")
            finally:
                app._git_lock.release()
            await settle(app, pilot)
            failed = notes(app, title="Sync failed; nothing changed")
            assert failed and failed[-1].severity == "error"
            assert "could not reach origin" in failed[-1].message and "sync` again" in failed[-1].message
            assert screen_text(app).splitlines()[-2].rstrip().endswith("sync error")  # the why: in the notification
            assert git(alice, "rev-parse", "HEAD") == head
            app.read_sync_state()  # read again from disk: the error is kept until a sync succeeds
            await settle(app, pilot)
            app.sync_error = ""
            assert app.sync_line().startswith("sync error: ")
            # The error shows on the other screens too.
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, CustomerScreen)
            assert "sync error: " in screen_text(app)
            assert app.is_running

    asyncio.run(run())


def test_a_conflict_is_flagged_and_settled_from_problems_in_one_commit(farm):
    alice, bob = farm["alice"], farm["bob"]
    ok(bob, "grade", RID, "B")
    ok(bob, "sync")
    ok(alice, "grade", RID, "A")

    async def run():
        app = CrmApp(Workspace(alice), today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("s")
            await settle(app, pilot)
            assert notes(app, title="Conflicts to settle", severity="warning")
            assert app.listing.get(RID).problems  # flagged
            await pilot.press("p")
            await pilot.pause()
            assert isinstance(app.screen, ProblemsScreen)
            assert "r settles a conflict" in screen_text(app)
            await pilot.press("r")
            await pilot.pause()
            assert isinstance(app.screen, ChoiceScreen)
            text = screen_text(app)
            assert "Acme Lighting: which grade wins?" in text
            assert "[h] here: B" in text and "[o] alice@example.com" in text and ": A" in text
            before = git(alice, "rev-list", "--count", "HEAD")
            await pilot.press("o")
            await settle(app, pilot)
            assert int(git(alice, "rev-list", "--count", "HEAD")) == int(before) + 1
            assert git(alice, "log", "-1", "--format=%s").strip() == f"{RID}: resolve grade: B / A -> A"
            record = (alice / "records" / f"{RID}.yaml").read_text()
            assert "grade: A" in record and "conflicts" not in record
            assert not app.listing.get(RID).problems
            assert "No problems: every record is valid." in screen_text(app)

    asyncio.run(run())


def test_deleted_elsewhere_and_edited_here_offers_keep_or_delete(farm):
    alice, bob = farm["alice"], farm["bob"]
    Changes(Workspace(bob), today).delete(RID)
    ok(bob, "sync")
    ok(alice, "set", RID, "city", "Bremen")

    async def run():
        app = CrmApp(Workspace(alice), today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("s")
            await settle(app, pilot)
            assert app.screen.table.select_id(RID)
            await pilot.press("enter")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, CustomerScreen)
            assert "r chooses which value wins" in screen_text(app)
            assert "Resolve" in {title for title, _, _ in screen_commands(screen)}
            await pilot.press("r")
            await pilot.pause()
            assert "Acme Lighting was deleted by bob@example.com" in screen_text(app)
            await pilot.press("k")
            await settle(app, pilot)
            assert git(alice, "log", "-1", "--format=%s").strip() == (
                f"{RID}: resolve: keep the record (it was deleted elsewhere)")
            assert "city: Bremen" in (alice / "records" / f"{RID}.yaml").read_text()
            assert app.screen is screen and not screen.conflicted
            assert "Resolve" not in {title for title, _, _ in screen_commands(screen)}

    asyncio.run(run())
