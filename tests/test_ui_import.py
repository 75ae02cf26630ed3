"""The import screen (`I`) through Pilot: the dry run as a table, nothing written until `y`, then one commit."""

from __future__ import annotations

import asyncio

import pytest
from conftest_ui import fixed_workspace, git, last_commit, screen_text, today
from textual.widgets import DataTable, Input

from tui.ui.app import CrmApp
from tui.ui.commands import screen_commands
from tui.ui.help import key_table
from tui.ui.transfer import ImportScreen

SIZE = (80, 24)
SHEET = ("客户名称,所在国家,联系人,邮箱,信用评级\n"
         "Fjordlys Belysning AS,挪威,Ola Nordmann,ola@fjordlys.example,AAA级\n"
         "Fjordlys Belysning,Norway,Ola Nordmann,ola@fjordlys.example,\n"
         "Sin Pais Ltd,,Ana,ana@sinpais.example,A\n")


@pytest.fixture
def ws(tmp_path, monkeypatch):
    (tmp_path / "customers.csv").write_text(SHEET, encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # the screen reads the path as typed, from the current folder
    return fixed_workspace(tmp_path)


def _rendered(table) -> str:
    from rich.console import Console

    console = Console(width=200, record=True, file=open("/dev/null", "w"))
    console.print(table)
    return console.export_text()


async def settle(app, pilot) -> None:
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


async def dry_run(app, pilot) -> ImportScreen:
    await settle(app, pilot)
    app.clear_notifications()
    await pilot.press("I")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, ImportScreen)
    await pilot.press(*"customers.csv", "enter")
    await settle(app, pilot)
    for widget in screen.query(Input):
        widget.cursor_blink = False
    await pilot.pause()
    return screen


def test_dry_run_then_import_on_confirmation(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            head = git(ws, "rev-parse", "HEAD")
            screen = await dry_run(app, pilot)
            table = screen.query_one(DataTable)
            rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
            assert [r[:3] for r in rows] == [["2", "new", "Fjordlys Belysning AS"], ["3", "merged", "Fjordlys Belysning AS"],
                                             ["4", "SKIP", "Sin Pais Ltd"]]
            assert "no country" in rows[2][3]
            assert "1 new, 0 updated, 1 skipped" in screen_text(app)
            assert git(ws, "rev-parse", "HEAD") == head  # the dry run wrote nothing
            await pilot.press("y")
            await settle(app, pilot)
            assert last_commit(ws) == "import customers.csv: 1 new, 0 updated, 1 skipped"
            assert not isinstance(app.screen, ImportScreen)
            assert "Fjordlys Belysning AS" in screen_text(app)

    asyncio.run(run())


def test_escape_leaves_without_importing_and_the_key_is_in_help_and_palette(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert "Import" in [title for title, _, _ in screen_commands(app.screen)]
            lines = _rendered(key_table(app.screen)).splitlines()
            assert any(line.split()[:1] == ["shift+i"] and "Import customers from a .csv" in line for line in lines)
            head = git(ws, "rev-parse", "HEAD")
            await dry_run(app, pilot)
            await pilot.press("escape")
            await settle(app, pilot)
            assert not isinstance(app.screen, ImportScreen)
            assert git(ws, "rev-parse", "HEAD") == head

    asyncio.run(run())


def test_a_missing_file_is_said_on_the_screen(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("I", *"nope.csv", "enter")
            await settle(app, pilot)
            assert "nope.csv: no such file" in screen_text(app)
            await pilot.press("y")  # nothing to confirm
            await settle(app, pilot)
            assert isinstance(app.screen, ImportScreen)

    asyncio.run(run())


def test_import_screen_snapshot(ws, snap_compare):
    app = CrmApp(ws, today, watch_interval=None)
    assert snap_compare(app, terminal_size=SIZE, run_before=lambda pilot: dry_run(app, pilot))


def test_y_refuses_a_file_changed_since_the_dry_run_and_enter_shows_it_again(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            head = git(ws, "rev-parse", "HEAD")
            screen = await dry_run(app, pilot)
            with open("customers.csv", "a", encoding="utf-8") as fh:
                fh.write("Nordlicht GmbH,德国,Jan,jan@nordlicht.example,A\n")
            await pilot.press("y")
            await settle(app, pilot)
            assert "the file changed since the dry run; press enter to see it again" in " ".join(screen_text(app).split())
            assert git(ws, "rev-parse", "HEAD") == head and isinstance(app.screen, ImportScreen)
            await pilot.press("enter")
            await settle(app, pilot)
            table = screen.query_one(DataTable)
            assert [str(table.get_row_at(i)[2]) for i in range(table.row_count)][-1] == "Nordlicht GmbH"
            await pilot.press("y")
            await settle(app, pilot)
            assert last_commit(ws) == "import customers.csv: 2 new, 0 updated, 1 skipped"

    asyncio.run(run())
