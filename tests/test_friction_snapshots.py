"""Snapshots of what friction fixes added to screens: the note under the search box."""

from __future__ import annotations

from conftest_ui import fixed_workspace, today
from test_ui_snapshots import SIZE, frozen, ready

from tui.ui.app import CrmApp


def test_search_note_under_the_box(tmp_path, snap_compare):
    async def run_before(pilot):
        await ready(pilot)
        pilot.app.screen.set_query("grade:Z colour:red owner:alice")
        await pilot.press("slash")
        await frozen(pilot)

    app = CrmApp(fixed_workspace(tmp_path), today, watch_interval=None)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
