"""Item: messages and views that mislead: unreadable records, no orders, undo in History, the row
legend at 80 and 100 columns, and the command palette's order."""

from __future__ import annotations

import asyncio
import time

from conftest import CLI, TODAY
from conftest_ui import fixed_workspace, git, last_commit, rid_of, screen_text, today
from textual.command import CommandPalette
from textual.widgets import OptionList

from tui.core.changes import Changes
from tui.ui.app import CrmApp
from tui.ui.help import HelpScreen
from tui.ui.history import HistoryScreen
from tui.ui.table import legend_items

UNREADABLE = "name: [Nowhere Trading\ncountry: DE\n"  # a flow list never closed: the file does not parse
NO_ORDERS = "Bjørnstad Lys AS"
LEGEND_ITEMS = legend_items()


async def settle(app, pilot) -> None:
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


def _with_unreadable(tmp_path):
    ws = fixed_workspace(tmp_path)
    (ws.root / "records" / "nowhere-trading-zz98.yaml").write_text(UNREADABLE, encoding="utf-8")
    git(ws, "add", "-A")
    git(ws, "commit", "-qm", "an unreadable record")
    return ws


def shown(ws, size=(80, 24), rid: str = "", *keys: str) -> str:
    """The screen after loading, putting the cursor on `rid` and pressing `keys`."""

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=size) as pilot:
            await settle(app, pilot)
            if rid:
                assert app.screen.table.select_id(rid)
            await pilot.press(*keys)
            await settle(app, pilot)
            return screen_text(app)

    return asyncio.run(run())


def test_an_unreadable_record_shows_owner_question_mark(tmp_path):
    ws = _with_unreadable(tmp_path)
    lines = shown(ws).splitlines()
    unreadable = next(line for line in lines if "nowhere-trading-zz98" in line)
    assert unreadable.startswith("x") and " ? " in unreadable and "(pool)" not in unreadable
    assert "(pool)" in next(line for line in lines if "Beschläge" in line)  # a real pool customer still says so
    out = CLI(ws.root)("list")
    row = next(line for line in out.stdout.splitlines() if line.startswith("nowhere-trading-zz98"))
    assert " ? " in row and "(pool)" not in row


def test_no_orders_shows_cooperation_dash(tmp_path):
    ws = fixed_workspace(tmp_path)
    text = shown(ws, (80, 40), rid_of(NO_ORDERS), "enter")
    assert "[bjornstad-lys-as-b001]" in text.splitlines()[0]  # the customer view is up
    row = next(line for line in text.splitlines() if line.strip().startswith("cooperation"))
    assert row.split() == ["cooperation", "-"]
    out = CLI(ws.root, {"CRM_TODAY": TODAY})("show", rid_of(NO_ORDERS))
    assert "cooperation -" in out.stdout and "0.0 years" not in out.stdout
    assert "cooperation 1.5 years" in CLI(ws.root)("show", rid_of("Müller Lichttechnik GmbH")).stdout


def test_undo_in_history_moves_to_the_new_head_and_says_undone(tmp_path):
    ws = fixed_workspace(tmp_path)
    rid = rid_of("Thornbury Electrical")
    Changes(ws, today).grade(rid, "A")

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            assert app.screen.table.select_id(rid)
            await pilot.press("h")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, HistoryScreen)
            undone = screen.entries[0]
            await pilot.press("u")
            await settle(app, pilot)
            await pilot.press("y")
            await settle(app, pilot)
            assert last_commit(ws).startswith(f"{rid}: undo grade")
            head = screen.entries[0]
            assert head.commit != undone.commit and head.subject.startswith(f"{rid}: undo ")
            assert screen.query_one("#entries", OptionList).highlighted == 0
            assert screen._shown.commit == head.commit
            text = screen_text(app)
            assert "undone: grade" in text.splitlines()[0]
            assert f"As of {head.short}" in text
            assert "grade: A" not in str(screen.query_one("#version-text").visual)

    asyncio.run(run())


def _status_and_help(tmp_path, width):
    async def run():
        app = CrmApp(fixed_workspace(tmp_path), today, watch_interval=None)
        async with app.run_test(size=(width, 60)) as pilot:  # tall enough for all of `?`
            await settle(app, pilot)
            deadline = time.monotonic() + 15  # the sync state is drawn by a worker, late on a loaded machine
            while "no upstream" not in screen_text(app) and time.monotonic() < deadline:
                await pilot.pause(0.05)
            status = screen_text(app).splitlines()[-2]
            await pilot.press("question_mark")
            await settle(app, pilot)
            assert isinstance(app.screen, HelpScreen)
            return status, screen_text(app)

    return asyncio.run(run())


def test_the_row_legend_shows_what_fits_and_help_shows_all(tmp_path):
    fitted = {}
    for width in (80, 100):
        status, help_text = _status_and_help(tmp_path / str(width), width)
        fitted[width] = status
        assert "! overdue" in status and "(?)" in status, status
        shown = [item for item in LEGEND_ITEMS if item in status]
        assert shown == list(LEGEND_ITEMS[: len(shown)])  # the most urgent first, none cut in the middle
        assert status.rstrip().endswith("no upstream")  # nothing pushed off the line
        for item in LEGEND_ITEMS:
            assert item in help_text, item
    assert sum(i in fitted[100] for i in LEGEND_ITEMS) > sum(i in fitted[80] for i in LEGEND_ITEMS)


def test_the_palette_lists_crm_first_and_leaves_out_generic_commands(tmp_path):
    async def run():
        app = CrmApp(fixed_workspace(tmp_path), today, watch_interval=None)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            await pilot.press("ctrl+p")
            await pilot.pause(0.5)
            assert isinstance(app.screen, CommandPalette)
            options = app.screen.query_one(OptionList)
            return [str(options.get_option_at_index(i).prompt).split("\n")[0] for i in range(options.option_count)]

    titles = asyncio.run(run())
    assert titles[0] == "Search" and "Grade" in titles[:5], titles
    assert titles[-1] == "Theme"
    for generic in ("Maximize", "Screenshot", "Keys", "Minimize"):
        assert not any(t.startswith(generic) for t in titles), (generic, titles)
