"""Fixes from a newcomer's walk through the README, through Pilot at 80x24 on real git repositories."""

from __future__ import annotations

import asyncio

from conftest_ui import fixed_workspace, screen_text, settle, today

from tui.ui.app import CrmApp
from tui.ui.sync import SyncStatus

SIZE = (80, 24)


def status_line(app) -> str:
    return screen_text(app).splitlines()[-2]


def test_a_failed_sync_leaves_the_counts_claims_and_legend_on_the_status_line(tmp_path):
    ws = fixed_workspace(tmp_path)  # no remote: `crm sync` fails with "no upstream: run `git remote add …`"

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            before = status_line(app)
            assert "claimed " in before and "! overdue" in before
            await pilot.press("s")
            await settle(app, pilot)
            assert app.sync_error.startswith("no upstream")
            line = status_line(app)
            counts = before.split(" · ! overdue")[0]
            assert line.startswith(counts + " · ! overdue") and line.rstrip().endswith("sync error")
            status = app.screen.query_one(SyncStatus)
            assert status.tooltip == f"sync error: {app.sync_error}"  # the whole error, on hover
            failed = [n for n in app._notifications if n.severity == "error"]
            assert failed and failed[-1].message.startswith(app.sync_error)

    asyncio.run(run())
