"""What users see, pinned as SVG snapshots at 80x24 (today fixed, cursor blink frozen, fixed records).

Update after a deliberate change with `pytest tests/test_ui_snapshots.py --snapshot-update`, then look
at the SVGs in tests/__snapshots__/.
"""

from __future__ import annotations

import pytest
from conftest_ui import fixed_workspace, rid_of, today
from textual.widgets import Input

from tui.core.changes import Changes
from tui.ui.app import CrmApp

SIZE = (80, 24)


@pytest.fixture
def app(tmp_path):
    return CrmApp(fixed_workspace(tmp_path), today, watch_interval=None)


async def ready(pilot) -> None:
    """Wait for the load, drop the start-up toast, freeze the cursor blink."""
    app = pilot.app
    await app.workers.wait_for_complete()
    await pilot.pause()
    app.clear_notifications()
    for widget in app.screen.query(Input):
        widget.cursor_blink = False
    await pilot.pause()


def on(name: str):
    async def run_before(pilot) -> None:
        await ready(pilot)
        assert pilot.app.screen.table.select_id(rid_of(name))
        await pilot.pause()

    return run_before


async def frozen(pilot) -> None:
    await pilot.pause()
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    await pilot.pause()


def test_main_screen(app, snap_compare):
    assert snap_compare(app, terminal_size=SIZE, run_before=ready)


def test_main_screen_no_color(tmp_path, monkeypatch, snap_compare):
    monkeypatch.setenv("NO_COLOR", "1")
    app = CrmApp(fixed_workspace(tmp_path), today, watch_interval=None)
    assert app.no_color
    assert snap_compare(app, terminal_size=SIZE, run_before=ready)


def test_search_with_filter_words(app, snap_compare):
    async def run_before(pilot):
        await ready(pilot)
        pilot.app.screen.set_query("owner:mine due:due")
        await pilot.press("slash")
        await frozen(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_customer_view(app, snap_compare):
    assert snap_compare(app, terminal_size=SIZE, run_before=on("Müller Lichttechnik GmbH"), press=["enter"])


def test_grade_prompt(app, snap_compare):
    assert snap_compare(app, terminal_size=SIZE, run_before=on("Thornbury Electrical"), press=["g"])


def test_log_form(app, snap_compare):
    async def run_before(pilot):
        await on("Keystone Cabinet Hardware")(pilot)
        await pilot.press("l", *"Called Tom")
        await frozen(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_edit_form_with_a_field_error(app, snap_compare):
    async def run_before(pilot):
        await on("Müller Lichttechnik GmbH")(pilot)
        await pilot.press("e")
        await pilot.pause()
        pilot.app.screen.query_one("#field-country").value = "Germany"
        await frozen(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_due_queue(app, snap_compare):
    assert snap_compare(app, terminal_size=SIZE, run_before=ready, press=["d"])


def test_problems(app, snap_compare):
    assert snap_compare(app, terminal_size=SIZE, run_before=ready, press=["p"])


def test_help(app, snap_compare):
    assert snap_compare(app, terminal_size=SIZE, run_before=ready, press=["question_mark"])


def test_history(tmp_path, monkeypatch, snap_compare):
    # Fixed commit dates, so the timeline and the commit ids are the same on every run.
    for var in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"):
        monkeypatch.setenv(var, "2026-11-20T09:30:00+01:00")
    ws = fixed_workspace(tmp_path)
    rid = rid_of("Thornbury Electrical")
    changes = Changes(ws, today)
    for var in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"):
        monkeypatch.setenv(var, "2026-11-23T10:05:00+01:00")
    changes.grade(rid, "A")
    changes.log(rid, "meeting", "Visited the Leeds warehouse; order of 3,000 pcs likely", "Send the PI", None)
    app = CrmApp(ws, today, watch_interval=None)

    async def run_before(pilot):
        await on("Thornbury Electrical")(pilot)
        await pilot.press("h")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_release_note_prompt(app, snap_compare):
    async def run_before(pilot):
        await on("Thornbury Electrical")(pilot)
        await pilot.press("R", *"No budget")
        await frozen(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_deleted_view(tmp_path, monkeypatch, snap_compare):
    for var in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"):
        monkeypatch.setenv(var, "2026-11-20T09:30:00+01:00")
    ws = fixed_workspace(tmp_path)
    changes = Changes(ws, today)
    for var in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"):
        monkeypatch.setenv(var, "2026-11-22T16:40:00+01:00")
    changes.delete(rid_of("Golden Dragon Trading"))
    changes.delete(rid_of("Lichtwerk Süd GmbH"))
    app = CrmApp(ws, today, watch_interval=None)

    async def run_before(pilot):
        await ready(pilot)
        await pilot.press("X")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
