"""The UI's Deleted view (`X`, shift+x) and new-customer defaults, through Textual's Pilot on real git repositories."""

from __future__ import annotations

import asyncio

from conftest_ui import fixed_workspace, last_commit, rid_of, screen_text, today
from test_ui_app import SIZE, put_cursor, settle, started

from tui.ui.app import CrmApp
from tui.ui.commands import screen_commands
from tui.ui.deleted import DeletedScreen
from tui.ui.help import HelpScreen


def test_deleted_view_lists_a_deleted_customer_and_r_restores_it(tmp_path):
    ws = fixed_workspace(tmp_path)
    rid = rid_of("Golden Dragon Trading")
    before = ws.record_path(rid).read_bytes()

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await started(app, pilot)
            await pilot.press("X")
            await settle(app, pilot)
            assert isinstance(app.screen, DeletedScreen)
            assert "No customer was deleted." in screen_text(app)
            await pilot.press("escape")
            await put_cursor(app, pilot, rid)
            await pilot.press("delete", "y")
            await settle(app, pilot)
            assert not ws.record_path(rid).exists()
            await pilot.press("X")
            await settle(app, pilot)
            text = screen_text(app)
            assert "1 deleted customer, newest first" in text and "Golden Dragon Trading" in text and rid in text
            assert "by alice" in text  # the email, cut to fit 80 columns
            await pilot.press("r")
            await settle(app, pilot)
            assert last_commit(ws).startswith(f"{rid}: restore customer Golden Dragon Trading (deleted in ")
            assert ws.record_path(rid).read_bytes() == before
            assert app.listing.get(rid) is not None  # back in the list without a reload
            assert "No customer was deleted." in screen_text(app)  # the view follows the commit

    asyncio.run(run())


def test_deleted_view_has_a_help_line_and_a_palette_entry(tmp_path):
    ws = fixed_workspace(tmp_path)

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=(100, 40)) as pilot:
            browse = await started(app, pilot)
            titles = {title: help_text for title, help_text, _ in screen_commands(browse)}
            assert "Deleted customers: when, by whom; r brings one back (shift+x)" == titles["Deleted"]
            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            assert "Deleted customers: when, by whom" in screen_text(app)
            await pilot.press("escape", "X")
            await settle(app, pilot)
            restore = {t: h for t, h, _ in screen_commands(app.screen)}
            assert restore["Restore"].startswith("Bring the deleted customer back as it was")

    asyncio.run(run())


def test_n_starts_a_customer_with_the_same_defaults_as_crm_new(tmp_path):
    ws = fixed_workspace(tmp_path)

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await started(app, pilot)
            await pilot.press("n")
            await pilot.pause()
            form = app.screen
            assert form.query_one("#field-grade").value == "D"  # x-crm.new_grade
            assert form.query_one("#field-stage").value == "lead"
            assert form.query_one("#field-owner").value == "alice@example.com"
            form.query_one("#field-name").value = "东莞灯具"
            form.query_one("#field-country").value = "cn"
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            rid = last_commit(ws).split(":")[0]
            assert rid.startswith("dongguan-dengju-")
            assert app.listing.get(rid).grade == "D" and app.listing.get(rid).owner == "alice@example.com"

    asyncio.run(run())
