"""History (`h`) and undo (`u`) through Pilot on real git repositories."""

from __future__ import annotations

import asyncio

import pytest
from conftest_ui import fixed_workspace, git, last_commit, rid_of, screen_text, today

from tui.core.changes import Changes
from tui.ui.app import CrmApp
from tui.ui.commands import screen_commands
from tui.ui.customer import CustomerScreen
from tui.ui.due import DueScreen
from tui.ui.help import HelpScreen
from tui.ui.history import HistoryScreen
from tui.ui.messages import HistoryProgress, RecordsChanged
from tui.ui.prompts import ChoiceScreen

SIZE = (80, 24)
RID_NAME = "Ashcombe Door Furniture Ltd"


@pytest.fixture
def ws(tmp_path):
    ws = fixed_workspace(tmp_path)
    changes = Changes(ws, today)
    rid = rid_of(RID_NAME)
    changes.grade(rid, "B")
    changes.log(rid, "call", "Asked about the hinges", "Send the catalogue", None)
    return ws


async def settle(app, pilot) -> None:
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


async def history_of(app, pilot, name: str) -> HistoryScreen:
    await settle(app, pilot)
    assert app.screen.table.select_id(rid_of(name))
    await pilot.press("h")
    await settle(app, pilot)
    assert isinstance(app.screen, HistoryScreen)
    return app.screen


def test_timeline_newest_first_with_changes_and_the_record_as_of_each(ws):
    rid = rid_of(RID_NAME)
    seen = []

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=(100, 40), message_hook=seen.append) as pilot:
            screen = await history_of(app, pilot, RID_NAME)
            assert [e.subject for e in screen.entries] == [f"{rid}: log call: Asked about the hinges",
                                                           f"{rid}: grade C -> B", "start"]
            text = screen_text(app)
            assert f"History of {RID_NAME} · 3 changes · u undoes the latest" in text
            assert "alice@example.com  grade C -> B" in text
            assert "grade: C -> B" in text and "log: + " in text and "created: " in text
            # The record as of the newest entry, then as of the one before it.
            assert f"As of {screen.entries[0].short}" in text
            assert "Asked about the hinges" in str(screen.query_one("#version-text").visual)
            await pilot.press("down")
            await settle(app, pilot)
            version = str(screen.query_one("#version-text").visual)
            assert "grade: B" in version and "Asked about the hinges" not in version
            await pilot.press("down")
            await settle(app, pilot)
            assert "grade: C" in str(screen.query_one("#version-text").visual)
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, HistoryScreen)

    asyncio.run(run())
    # The index was built cold, with its progress reported to the screen.
    progress = [m for m in seen if isinstance(m, HistoryProgress)]
    assert progress and progress[-1].done == progress[-1].total == 3


def test_h_from_the_customer_view_and_the_due_queue(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert app.screen.table.select_id(rid_of("Keystone Cabinet Hardware"))
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, CustomerScreen)
            await pilot.press("h")
            await settle(app, pilot)
            assert isinstance(app.screen, HistoryScreen) and app.screen.rid == rid_of("Keystone Cabinet Hardware")
            assert "1 change · u undoes" in screen_text(app)
            await pilot.press("escape", "escape", "d")
            await settle(app, pilot)
            assert isinstance(app.screen, DueScreen)
            first = app.screen.rows.row(0).id
            await pilot.press("h")
            await settle(app, pilot)
            assert isinstance(app.screen, HistoryScreen) and app.screen.rid == first

    asyncio.run(run())


def test_undo_names_the_change_asks_then_commits(ws):
    rid = rid_of(RID_NAME)

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            screen = await history_of(app, pilot, RID_NAME)
            latest = screen.entries[0]
            await pilot.press("u")
            await settle(app, pilot)
            assert isinstance(app.screen, ChoiceScreen)
            text = screen_text(app)
            assert "Undo “log call: Asked about the hinges”?" in text
            assert f"{latest.short} by Test User" in text and "log: + " in text
            await pilot.press("n")
            await settle(app, pilot)
            assert last_commit(ws) == latest.subject  # kept
            await pilot.press("u")
            await settle(app, pilot)
            await pilot.press("y")
            await settle(app, pilot)
            assert last_commit(ws) == f"{rid}: undo log call: Asked about the hinges ({latest.short})"
            assert "Asked about the hinges" not in ws.record_path(rid).read_text()
            assert app.listing.get(rid).last_contact == "2026-11-02"  # the list follows
            assert app.screen is screen and screen.entries[0].subject.startswith(f"{rid}: undo ")  # reloaded
            assert len(screen.entries) == 4
            # Undo again: the undo and its change are skipped, the grade change is next.
            await pilot.press("u")
            await settle(app, pilot)
            assert "Undo “grade C -> B”?" in screen_text(app)
            await pilot.press("y")
            await settle(app, pilot)
            assert "grade: C" in ws.record_path(rid).read_text()

    asyncio.run(run())


def test_undo_refused_when_a_later_change_is_in_the_way(ws):
    rid = rid_of(RID_NAME)
    Changes(ws, today).grade(rid, "A")

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            screen = await history_of(app, pilot, RID_NAME)
            await pilot.press("down")  # look at an older version: undo still means the latest change
            await pilot.press("u")
            await settle(app, pilot)
            assert "Undo “grade B -> A”?" in screen_text(app)
            # While the question is open, someone else (a sync, a script) grades the customer again.
            Changes(ws, today).grade(rid, "D")
            before = git(ws, "rev-parse", "HEAD")
            await pilot.press("y")
            await settle(app, pilot)
            assert git(ws, "rev-parse", "HEAD") == before  # nothing written
            errors = [n for n in app._notifications if n.severity == "error"]
            assert errors and "a later change to grade is in the way" in errors[-1].message
            assert app.is_running and app.screen is screen

    asyncio.run(run())


def test_a_record_with_no_commit_yet_says_so(ws):
    (ws.records_dir / "handmade-ab12.yaml").write_text('name: Handmade Ltd\ncountry: "SE"\n')

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert app.screen.table.select_id("handmade-ab12")
            await pilot.press("h")
            await settle(app, pilot)
            assert isinstance(app.screen, HistoryScreen)
            assert "History of Handmade Ltd · no history" in screen_text(app)
            assert any("no commit touched records/handmade-ab12.yaml" in n.message for n in app._notifications)
            await pilot.press("u")
            await settle(app, pilot)
            assert any(n.title == "Nothing to undo" for n in app._notifications)
            assert not isinstance(app.screen, ChoiceScreen)

    asyncio.run(run())


def test_history_keys_in_help_and_palette(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=(100, 40)) as pilot:
            screen = await history_of(app, pilot, RID_NAME)
            titles = {title for title, _, _ in screen_commands(screen)}
            assert {"Undo", "Back", "Sync"} <= titles
            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            assert "Undo the latest change to this customer" in screen_text(app)

    asyncio.run(run())


def test_after_undo_the_title_says_undone_and_the_cursor_is_on_the_new_head(ws):
    """README: after `u` then `y` the title says `undone: …` and the list is on the undo commit."""
    rid = rid_of(RID_NAME)

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            screen = await history_of(app, pilot, RID_NAME)
            await pilot.press("down", "down")  # look at the oldest version first
            await settle(app, pilot)
            await pilot.press("u")
            await settle(app, pilot)
            assert isinstance(app.screen, ChoiceScreen)
            await pilot.press("y")
            await settle(app, pilot)
            assert app.screen is screen
            title = str(screen.query_one("#history-title").render())
            assert title == f"History of {RID_NAME} · 4 changes · undone: log call: Asked about the hinges"
            options = screen.query_one("#entries")
            assert options.highlighted == 0 and screen.entries[0].subject.startswith(f"{rid}: undo ")
            assert screen._shown is screen.entries[0]
            # The file watcher then sees the undo's file change and the timeline is read again:
            # the title still says what was undone while the undo is the newest change.
            app.post_message(RecordsChanged([app._summarize(rid)], []))
            await settle(app, pilot)
            assert str(screen.query_one("#history-title").render()) == title
            # A later change is the new head: the usual title comes back.
            Changes(ws, today).grade(rid, "A")
            app.post_message(RecordsChanged([app._summarize(rid)], []))
            await settle(app, pilot)
            assert str(screen.query_one("#history-title").render()) == (
                f"History of {RID_NAME} · 5 changes · u undoes the latest")

    asyncio.run(run())
