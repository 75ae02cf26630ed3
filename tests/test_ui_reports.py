"""The Reports screen (`a`) through Pilot: reports computed in a worker, keys for report, dimension,
period and as-of day, drill-down to the customers of a row; snapshots at 80x24."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from textual.widgets import DataTable, Input

from tests.reportfarm import build
from tui.core.workspace import Workspace
from tui.ui.app import CrmApp
from tui.ui.commands import screen_commands
from tui.ui.help import key_table
from tui.ui.reports import DrillScreen, ReportScreen

SIZE = (80, 24)
TODAY = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def farm(tmp_path_factory):
    return build(tmp_path_factory.mktemp("ui-reports") / "ws")


def make_app(farm) -> CrmApp:
    return CrmApp(Workspace(farm), lambda: TODAY, watch_interval=None)


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    pilot.app.clear_notifications()
    await pilot.pause()


def rows(screen: ReportScreen) -> list[str]:
    grid = screen.query_one(DataTable)
    return [str(grid.get_row_at(i)[0]) for i in range(grid.row_count)]


def row_of(screen: ReportScreen, label: str, after: str = "") -> int:
    found = rows(screen)
    start = found.index(after) if after else 0
    return next(i for i in range(start, len(found)) if found[i].split("  ")[0].strip() == label)


def test_reports_screen_keys_and_drill_down(farm):
    asyncio.run(_keys_and_drill_down(make_app(farm)))


async def _keys_and_drill_down(app):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReportScreen)
        assert screen.report.kind == "summary" and screen.report.customers == 4
        grade = row_of(screen, "A", after="Customers by grade")
        assert rows(screen)[grade].split()[:3] == ["A", "1", "25.0"] and "█" in rows(screen)[grade]
        await pilot.press("b")
        await settle(pilot)
        assert screen.report.kind == "by" and screen.report.tables[0].name == "region"
        europe = row_of(screen, "Europe")
        assert rows(screen)[europe].split()[1:5] == ["2", "50.0", "1,080", "36.5"]
        screen.query_one(DataTable).move_cursor(row=europe)
        await pilot.press("enter")
        await pilot.pause()
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        assert sorted(s.name for s in drill.rows.rows) == ["Alpha GmbH", "Delta AG"]
        await pilot.press("escape")
        await pilot.press("x")  # region -> country
        await settle(pilot)
        assert screen.report.tables[0].name == "country"
        await pilot.press("a", "p")  # activity per week
        await settle(pilot)
        assert screen.report.kind == "activity" and screen.report.tables[-1].columns[0] == "week"
        await pilot.press("t")
        await pilot.pause()
        prompt = app.screen.query_one(Input)
        prompt.value = "2026-02-15"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert screen.as_of == dt.date(2026, 2, 15) and screen.report.customers == 2
        assert "as of 2026-02-15" in str(screen.query_one("#report-title").render())


def test_reports_have_help_and_palette_entries(farm):
    asyncio.run(_help_and_palette(make_app(farm)))


async def _help_and_palette(app):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = [t for t, _, _ in screen_commands(app.screen)]
        assert "Reports" in titles  # from the list
        await pilot.press("a")
        await settle(pilot)
        titles = [t for t, _, _ in screen_commands(app.screen)]
        assert {"Report: funnel", "Report: by product", "As of", "Dimension", "Period"} <= set(titles)
        help_rows = [str(r) for r in key_table(app.screen).columns[1].cells]
        assert any("as of" in r for r in help_rows) and any("customers behind the row" in r for r in help_rows)
        await pilot.press("s", "p")  # the summary has no period: says so, changes nothing
        await pilot.pause()
        assert app.screen.report.kind == "summary"


def test_reports_summary_snapshot(farm, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)

    assert snap_compare(make_app(farm), terminal_size=SIZE, run_before=run_before)


def test_reports_funnel_no_color_snapshot(farm, monkeypatch, snap_compare):
    monkeypatch.setenv("NO_COLOR", "1")

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("a", "f")
        await settle(pilot)

    assert snap_compare(make_app(farm), terminal_size=SIZE, run_before=run_before)


def screen_lines(app) -> list[str]:
    from conftest_ui import screen_text

    return screen_text(app).splitlines()


def test_title_footer_and_enter_on_a_heading_at_80_columns(farm):
    asyncio.run(_title_footer_headings(make_app(farm)))


async def _title_footer_headings(app):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", "b")
        await settle(pilot)
        screen = app.screen
        assert str(screen.query_one("#report-title").render()) == "Reports · by region · as of today (2026-06-30)"
        footer = screen_lines(app)[-1]
        assert "sbfaoc Report x Dimension p Period t As of" in footer  # every key of the screen fits
        grid = screen.query_one(DataTable)
        europe = row_of(screen, "Europe")
        assert grid.cursor_row == europe  # the cursor starts on the first row of figures, past the headings
        grid.move_cursor(row=0)  # the table's title
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen and grid.cursor_row == europe  # on to the figures, no complaint
        assert not app._notifications
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DrillScreen)


def test_drill_down_of_a_report_as_of_a_day_shows_that_days_values(farm):
    asyncio.run(_drill_as_of(make_app(farm)))


async def _drill_as_of(app):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", "b", "t")
        await pilot.pause()
        app.screen.query_one(Input).value = "2026-04-15"
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert screen.report.as_of == dt.date(2026, 4, 15)
        screen.query_one(DataTable).move_cursor(row=row_of(screen, "Asia"))
        await pilot.press("enter")
        await pilot.pause()
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        [gamma] = drill.rows.rows
        assert gamma.name == "Gamma Ltd" and gamma.stage == "quoted"  # won only on 2026-05-01
        assert app.listing.get(gamma.id).stage == "won"
        assert str(drill.query_one("#drill-title").render()) == "Customers by region: Asia · as of 2026-04-15: 1 customer"
        assert "quoted" in "\n".join(screen_lines(app))
        await pilot.press("escape")
        screen.query_one(DataTable).move_cursor(row=row_of(screen, "Europe"))
        await pilot.press("enter")
        await pilot.pause()
        drill = app.screen
        # Epsilon SA was there on that day (deleted on 2026-05-01); Delta AG came later.
        assert sorted(s.name for s in drill.rows.rows) == ["Alpha GmbH", "Epsilon SA"]
        drill.query_one("#drill").select_id(next(s.id for s in drill.rows.rows if s.name == "Epsilon SA"))
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is drill and any("was deleted since" in n.message for n in app._notifications)
