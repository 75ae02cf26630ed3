"""Item: one due horizon, x-crm.due_days (default 7), shared by `crm due` and the due screen."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

from conftest import git
from conftest_ui import fixed_workspace, screen_text, today

from tui.core.workspace import Workspace
from tui.ui.app import CrmApp
from tui.ui.due import DueScreen


def set_xcrm(root: Path, **values) -> None:
    path = root / "schema.yaml"
    text = path.read_text()
    for key, value in values.items():
        line = next(x for x in text.splitlines() if x.startswith(f"  {key}:"))
        text = text.replace(line, f"  {key}: {value}", 1)
    path.write_text(text)
    git(root, "commit", "-qam", f"schema: {values}")


def _soonest(crm) -> int:
    """Days until the nearest follow-up after today in the sample workspace."""
    rows = json.loads(crm("due", "--days", "3660", "--json").stdout)
    return min(row["days"] for row in rows if row["days"] > 0)


def test_crm_due_looks_as_far_as_x_crm_due_days(crm, workspace):
    days = _soonest(crm)
    out = crm("due", "--json")
    ahead = [row for row in json.loads(out.stdout) if row["days"] > 0]
    assert (days <= 7) == bool(ahead)  # the default horizon is 7 days
    set_xcrm(workspace, due_days=days - 1)
    assert not [row for row in json.loads(crm("due", "--json").stdout) if row["days"] > 0]
    set_xcrm(workspace, due_days=days)
    out = crm("due")
    assert out.returncode == 0, out.stderr
    assert f"NEXT {days} DAYS" in out.stdout
    assert [row["days"] for row in json.loads(crm("due", "--json").stdout) if row["days"] > 0][0] == days
    assert f"NEXT {days + 1} DAYS" in crm("due", "--days", str(days + 1)).stdout  # --days still overrides it


def test_a_bad_due_days_is_a_clear_error(crm, workspace):
    set_xcrm(workspace, due_days=-4)
    out = crm("due")
    assert out.returncode == 1  # as every broken schema.yaml: the file, line and column, and what to do
    assert "schema.yaml:" in out.stderr and "due_days is -4" in out.stderr and "Traceback" not in out.stderr


def _due_screen(ws: Workspace):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=(80, 24)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("d")
            await pilot.pause()
            assert isinstance(app.screen, DueScreen)
            return screen_text(app), [s.next_followup for _, s in app.screen.rows.queue]

    return asyncio.run(run())


def test_the_due_screen_uses_due_days_not_the_birthday_window(tmp_path):
    ws = fixed_workspace(tmp_path)
    set_xcrm(ws.root, birthday_window_days=1, due_days=7)
    text, days = _due_screen(Workspace(ws.root))
    ahead = sorted({(dt.date.fromisoformat(d) - today()).days for d in days})
    assert any(d > 1 for d in ahead)  # a 1-day window would have stopped at "in 1d"
    assert max(ahead) <= 7
    assert "in the next 7 days" in text


def test_the_due_screen_title_says_the_horizon(tmp_path):
    ws = fixed_workspace(tmp_path)
    set_xcrm(ws.root, due_days=30)
    text, days = _due_screen(Workspace(ws.root))
    assert "in the next 30 days" in text
    assert max((dt.date.fromisoformat(d) - today()).days for d in days) > 7


def test_soon_means_within_due_days_everywhere(crm, workspace):
    days = _soonest(crm)
    rows = json.loads(crm("due", "--days", "3660", "--json").stdout)
    later = max(row["days"] for row in rows if row["days"] <= 60)
    assert later > 7  # a customer the default horizon leaves out
    rid = next(row["id"] for row in rows if row["days"] == later)

    def soon_ids():
        out = crm("list", "--due", "soon", "--json")
        assert out.returncode == 0, out.stderr
        listed = json.loads(out.stdout)
        assert all(row["followup"] == "soon" for row in listed)
        return {row["id"] for row in listed}

    assert rid not in soon_ids()
    set_xcrm(workspace, due_days=later)
    assert rid in soon_ids()
    assert json.loads(crm("show", rid, "--json").stdout)["derived"]["followup"] == "soon"
    assert days <= later


def test_the_marker_and_the_search_follow_due_days(tmp_path):
    ws = fixed_workspace(tmp_path)
    set_xcrm(ws.root, due_days=30)

    async def run():
        app = CrmApp(Workspace(ws.root), today, watch_interval=None)
        async with app.run_test(size=(120, 24)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            app.screen.set_query("due:soon")
            await pilot.pause()
            shown = [app.listing.row(i) for i in range(len(app.listing))]
            return screen_text(app), shown

    text, shown = asyncio.run(run())
    ahead = [(dt.date.fromisoformat(s.next_followup) - today()).days for s in shown]
    assert ahead and max(ahead) > 7 and all(0 < d <= 30 for d in ahead)
    far = next(s for s, d in zip(shown, ahead) if d > 7)
    assert next(line for line in text.splitlines() if far.name[:20] in line).startswith("~")
    assert "~ due in 30 days" in text
