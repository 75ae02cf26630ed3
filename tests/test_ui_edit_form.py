"""The edit form: notes of several lines in a TextArea, escape asks before dropping typed changes,
errors in words (never a regular expression). Textual's Pilot on a real git repository."""

from __future__ import annotations

import asyncio

from conftest_ui import fixed_workspace, git, last_commit, rid_of, screen_text, today
from test_ui_app import SIZE, put_cursor, settle, started
from textual.widgets import TextArea

from tui.ui.app import CrmApp
from tui.ui.forms import RecordForm
from tui.ui.prompts import ChoiceScreen

NAME = "Thornbury Electrical"
NOTES = "notes: |\n  Prefers WhatsApp.\n  Needs CE and RoHS certificates.\n"


def with_notes(tmp_path):
    ws = fixed_workspace(tmp_path)
    path = ws.record_path(rid_of(NAME))
    path.write_text(path.read_text() + NOTES)
    git(ws, "commit", "-qam", "notes")
    return ws


async def open_form(app, pilot):
    await started(app, pilot)
    await put_cursor(app, pilot, rid_of(NAME))
    await pilot.press("e")
    await pilot.pause()
    assert isinstance(app.screen, RecordForm)
    return app.screen


def test_notes_of_several_lines_are_edited_in_a_text_area(tmp_path):
    ws = with_notes(tmp_path)
    rid = rid_of(NAME)
    before = ws.record_path(rid).read_text()

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            form = await open_form(app, pilot)
            area = form.query_one("#field-notes", TextArea)
            assert area.text == "Prefers WhatsApp.\nNeeds CE and RoHS certificates.\n" and not area.disabled
            area.text = "Prefers WhatsApp.\nNeeds CE, RoHS and UKCA certificates.\n"
            await pilot.pause()
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert last_commit(ws).startswith(f"{rid}: notes ")
            after = ws.record_path(rid).read_text()
            assert after == before.replace("Needs CE and RoHS certificates.", "Needs CE, RoHS and UKCA certificates.")

    asyncio.run(run())


def test_saving_an_untouched_form_with_notes_changes_nothing(tmp_path):
    ws = with_notes(tmp_path)

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await open_form(app, pilot)
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert last_commit(ws) == "notes"
            assert not isinstance(app.screen, RecordForm)

    asyncio.run(run())


def test_escape_with_unsaved_changes_asks_first(tmp_path):
    ws = fixed_workspace(tmp_path)

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            form = await open_form(app, pilot)
            await pilot.press("escape")  # nothing typed: closes at once
            await pilot.pause()
            assert not isinstance(app.screen, (RecordForm, ChoiceScreen))
            form = await open_form(app, pilot)
            form.query_one("#field-city").value = "Leeds"
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, ChoiceScreen) and "You changed city" in screen_text(app)
            await pilot.press("k")  # keep editing: the typed value is still there
            await pilot.pause()
            assert app.screen is form and form.query_one("#field-city").value == "Leeds"
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("d")
            await settle(app, pilot)
            assert not isinstance(app.screen, (RecordForm, ChoiceScreen))
            assert last_commit(ws) == "start" and "city: Somewhere" in ws.record_path(rid_of(NAME)).read_text()

    asyncio.run(run())


def test_field_errors_are_in_words(tmp_path):
    ws = fixed_workspace(tmp_path)

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            form = await open_form(app, pilot)
            form.query_one("#field-country").value = "Germany"
            await pilot.pause()
            text = screen_text(app)
            assert "country must be a two-letter code such as DE, not 'GERMANY'" in text
            assert "[A-Z]" not in text

    asyncio.run(run())
