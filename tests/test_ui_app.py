"""The UI driven through Textual's Pilot on real git repositories: every action lands as one commit."""

from __future__ import annotations

import asyncio
import time

import pytest
from textual.containers import VerticalScroll
from conftest_ui import (
    BROKEN, FIXED, fixed_workspace, last_commit, rid_of, screen_text, today, write_editor,
)

from tui.core.catalog import Filter, select
from tui.core.store import load_catalog
from tui.ui.app import CrmApp
from tui.ui.commands import screen_commands
from tui.ui.customer import CustomerScreen
from tui.ui.due import DueScreen
from tui.ui.forms import LogForm, RecordForm
from tui.ui.help import HelpScreen
from tui.ui.problems import ProblemsScreen
from tui.ui.prompts import ChoiceScreen, GradePrompt

SIZE = (80, 24)


@pytest.fixture
def ws(tmp_path):
    return fixed_workspace(tmp_path)


async def settle(app, pilot) -> None:
    """Let workers (load, commits) finish and the screen catch up."""
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


async def started(app, pilot):
    await settle(app, pilot)
    assert app.loaded
    return app.screen


async def put_cursor(app, pilot, rid: str) -> None:
    assert app.screen.table.select_id(rid)
    await pilot.pause()


def test_loads_and_shows_rows_with_states(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await started(app, pilot)
            text = screen_text(app)
            total = len(FIXED) + 1
            assert f"{total} of {total} customers" in text
            lines = text.splitlines()
            row = next(line for line in lines if "Ashcombe" in line)
            assert row.startswith("!")  # overdue
            assert next(line for line in lines if "Keystone" in line).startswith("*")  # due today
            assert next(line for line in lines if "Bjørnstad" in line).startswith("~b")  # soon + birthday
            assert next(line for line in lines if "Broken Example" in line).startswith("x")  # invalid
            assert "(pool)" in next(line for line in lines if "Beschläge" in line)

    asyncio.run(run())


def test_search_as_you_type_and_filter_words(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            screen = await started(app, pilot)
            await pilot.press("slash", *"buyer3@")
            await pilot.pause()
            assert [app.listing.row(i).name for i in range(len(app.listing))] == ["Ashcombe Door Furniture Ltd"]
            assert f"1 of {len(FIXED) + 1} customers" in screen_text(app)
            screen.set_query("grade:b,a owner:mine")
            await pilot.pause()
            shown = [app.listing.row(i) for i in range(len(app.listing))]
            expected = select(load_catalog(ws).summaries.values(),
                              Filter(grade="b,a", owner="alice@example.com"), today())
            assert [s.id for s in shown] == [s.id for s in expected] and shown
            screen.set_query("due:overdue owner:pool")
            await pilot.pause()
            assert [app.listing.row(i).name for i in range(len(app.listing))] == ["Lichtwerk Süd GmbH"]
            screen.set_query("due:sometime")
            await pilot.pause()
            assert "not understood: due:sometime" in screen_text(app)
            await pilot.press("escape")  # leave the search box
            await pilot.press("escape")  # clear it
            await pilot.pause()
            assert screen.search.value == "" and len(app.listing) == len(FIXED) + 1

    asyncio.run(run())


def test_filter_form_writes_the_search_box(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            screen = await started(app, pilot)
            await pilot.press("f")
            await pilot.pause()
            form = app.screen
            form.query_one("#filter-grade").value = "A"
            form.query_one("#filter-owner").value = "pool"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert screen.search.value == "grade:A owner:pool"
            assert len(app.listing) == 0

    asyncio.run(run())


def test_sort_by_any_column_and_reverse(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            screen = await started(app, pilot)
            await pilot.press("o")  # name -> country
            await pilot.pause()
            countries = [app.listing.row(i).country for i in range(len(app.listing))]
            assert countries == sorted(countries)
            assert " c▲ " in screen_text(app)  # the sorted column, even when narrow
            await pilot.press("O")
            await pilot.pause()
            assert [app.listing.row(i).country for i in range(len(app.listing))] == sorted(countries, reverse=True)
            screen.sort_by("order_total")
            await pilot.pause()
            totals = [app.listing.row(i).order_total for i in range(len(app.listing))]
            assert totals == sorted(totals)
            cursor = screen.table.cursor_id
            screen.sort_by("next_followup")
            await pilot.pause()
            assert screen.table.cursor_id == cursor  # the cursor stays on its customer

    asyncio.run(run())


def test_grade_with_g_then_letter_commits(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await started(app, pilot)
            rid = rid_of("Ashcombe Door Furniture Ltd")
            await put_cursor(app, pilot, rid)
            await pilot.press("g")
            await pilot.pause()
            assert isinstance(app.screen, GradePrompt)
            await pilot.press("b")
            await settle(app, pilot)
            assert last_commit(ws) == f"{rid}: grade C -> B"
            assert app.listing.get(rid).grade == "B"
            assert "grade: B" in ws.record_path(rid).read_text()

    asyncio.run(run())


def test_log_a_touch_then_offered_a_regrade(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await started(app, pilot)
            rid = rid_of("Keystone Cabinet Hardware")
            await put_cursor(app, pilot, rid)
            await pilot.press("l")
            await pilot.pause()
            assert isinstance(app.screen, LogForm)
            await pilot.press(*"Called Tom, samples approved", "enter")
            await pilot.press(*"Send the PI", "enter")
            await pilot.press("+", "3", "enter")
            await settle(app, pilot)
            assert last_commit(ws) == f"{rid}: log email: Called Tom, samples approved"
            assert isinstance(app.screen, GradePrompt)
            await pilot.press("a")
            await settle(app, pilot)
            assert last_commit(ws) == f"{rid}: grade B -> A"
            summary = app.listing.get(rid)
            assert summary.last_contact == "2026-11-23" and summary.next_followup == "2026-11-26"

    asyncio.run(run())


def test_log_form_refuses_a_bad_due_date(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await started(app, pilot)
            before = last_commit(ws)
            await pilot.press("l", *"a note", "enter", "enter", *"next week", "enter")
            await settle(app, pilot)
            assert isinstance(app.screen, LogForm)
            assert "is not a date" in screen_text(app)
            await pilot.press("escape")
            await settle(app, pilot)
            assert last_commit(ws) == before

    asyncio.run(run())


def test_edit_form_checks_each_field_and_commits_one_change(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await started(app, pilot)
            rid = rid_of("Müller Lichttechnik GmbH")
            await put_cursor(app, pilot, rid)
            await pilot.press("e")
            await pilot.pause()
            form = app.screen
            assert isinstance(form, RecordForm)
            form.query_one("#field-country").value = "Germany"
            await pilot.pause()
            assert "must be a two-letter code such as DE" in form.query_one("#error-country").visual.plain
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.screen is form  # not saved
            form.query_one("#field-country").value = "de"
            form.query_one("#field-city").value = "Bremen"
            form.query_one("#field-employees").value = "90"
            await pilot.pause()
            assert not form.query_one("#error-country").has_class("-shown")
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert last_commit(ws) == f"{rid}: edit city, employees"
            text = ws.record_path(rid).read_text()
            assert "city: Bremen" in text and "employees: 90" in text and 'country: "DE"' in text

    asyncio.run(run())


def test_new_customer_form(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            screen = await started(app, pilot)
            await pilot.press("n")
            await pilot.pause()
            form = app.screen
            form.query_one("#field-name").value = "Nordlicht Handel GmbH"
            form.query_one("#field-country").value = "at"
            form.query_one("#field-grade").value = "C"
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            message = last_commit(ws)
            assert message.startswith("nordlicht-handel-gmbh-") and message.endswith(": new customer Nordlicht Handel GmbH (AT)")
            rid = message.split(":")[0]
            assert app.listing.get(rid).owner == "alice@example.com"  # new customers are mine by default
            assert screen.table.cursor_id == rid

    asyncio.run(run())


def test_delete_asks_then_commits(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await started(app, pilot)
            rid = rid_of("Golden Dragon Trading")
            await put_cursor(app, pilot, rid)
            await pilot.press("delete")
            await pilot.pause()
            assert isinstance(app.screen, ChoiceScreen)
            await pilot.press("n")
            await settle(app, pilot)
            assert ws.record_path(rid).exists()
            await pilot.press("delete", "y")
            await settle(app, pilot)
            assert last_commit(ws) == f"{rid}: delete customer Golden Dragon Trading"
            assert not ws.record_path(rid).exists() and app.listing.get(rid) is None

    asyncio.run(run())


def test_editor_edit_is_validated_and_reopened_with_the_users_text(ws, tmp_path, monkeypatch):
    rid = rid_of("Doha Lighting Solutions")
    marker = tmp_path / "second-run"
    # First run: an invalid country. Second run: the user's text is there, and they fix it.
    body = (f"import os\nm = pathlib.Path({str(marker)!r})\n"
            "if not m.exists():\n    m.write_text('x')\n    text = text.replace('country: \"QA\"', 'country: \"Qatar\"')\n"
            "else:\n    assert 'Qatar' in text\n    text = text.replace('country: \"Qatar\"', 'country: \"AE\"')\n")
    monkeypatch.setenv("EDITOR", write_editor(tmp_path, body))
    monkeypatch.delenv("VISUAL", raising=False)

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await started(app, pilot)
            await put_cursor(app, pilot, rid)
            await pilot.press("ctrl+e")
            await settle(app, pilot)
            assert isinstance(app.screen, ChoiceScreen)
            assert "would be invalid; nothing was" in screen_text(app)
            assert "country must be a" in screen_text(app) and "'Qatar'" in screen_text(app)  # wrapped at 76
            assert last_commit(ws) == "start"
            await pilot.press("r")
            await settle(app, pilot)
            assert last_commit(ws) == f"{rid}: country QA -> AE"
            assert app.listing.get(rid).country == "AE"
            assert not list(ws.records_dir.glob(".*"))  # no scratch file left behind

    asyncio.run(run())


def test_problems_screen_lists_file_line_col_and_fixes_in_editor(ws, tmp_path, monkeypatch):
    body = "text = text.replace('country: \"de\"', 'country: \"DE\"').replace('grade: Z', 'grade: C')\n"
    monkeypatch.setenv("EDITOR", write_editor(tmp_path, body))
    monkeypatch.delenv("VISUAL", raising=False)

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await started(app, pilot)
            await pilot.press("p")
            await pilot.pause()
            assert isinstance(app.screen, ProblemsScreen)
            text = screen_text(app)
            assert "records/broken-example-zz99.yaml:2:10: country must be a two-letter" in text
            assert "records/broken-example-zz99.yaml:3:8: grade: 'Z' is not one of" in text
            await pilot.press("enter")
            await settle(app, pilot)
            assert last_commit(ws) == "broken-example-zz99: country de -> DE, grade Z -> C"
            assert "No problems: every record is valid." in screen_text(app)

    asyncio.run(run())


def test_customer_view_shows_fields_contacts_orders_timeline_and_derived(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=(100, 60)) as pilot:
            await started(app, pilot)
            rid = rid_of("Müller Lichttechnik GmbH")
            await put_cursor(app, pilot, rid)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, CustomerScreen)
            text = screen_text(app)
            for expected in ("Müller Lichttechnik GmbH", "next follow-up  2026-11-23  due today", "Buyer 0",
                             "buyer0@example.com", "PO-0", "20,000.00 USD", "Touches (1, newest first)",
                             "Sent the quote for order 0.", "tier", "1.5 years (first order 2025-06-10)", "DE (Europe)"):
                assert expected in text, expected
            await pilot.press("g", "a")  # the same one-key actions
            await settle(app, pilot)
            assert last_commit(ws) == f"{rid}: grade B -> A"
            assert "grade           A" in screen_text(app)
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, CustomerScreen)

    asyncio.run(run())


def test_due_queue_in_order_with_one_key_actions(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await started(app, pilot)
            await pilot.press("d")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, DueScreen)
            states = [state for state, _ in screen.rows.queue]
            assert states == sorted(states, key=["overdue", "today", "soon"].index)
            assert states.count("overdue") == 5 and states.count("today") == 3
            first = screen.rows.row(0)
            assert first.name == "Lichtwerk Süd GmbH"  # the oldest overdue first
            assert "Due (everyone's): 5 overdue · 3 today" in screen_text(app)
            await pilot.press("g", "c")
            await settle(app, pilot)
            assert last_commit(ws) == f"{first.id}: grade D -> C"
            await pilot.press("m")
            await pilot.pause()
            assert all(s.owner == "alice@example.com" for _, s in screen.rows.queue)

    asyncio.run(run())


def test_a_record_changed_on_disk_shows_without_a_restart(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=0.1)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause(0.3)
            assert app.loaded
            rid = rid_of("Fjordlys Elektro AS")
            path = ws.record_path(rid)
            path.write_text(path.read_text().replace("Fjordlys Elektro AS", "Fjordlys Elektro Norge AS"))
            new = ws.records_dir / "added-by-pull-ab12.yaml"
            new.write_text('name: Added By Pull\ncountry: "SE"\n')
            deadline = time.monotonic() + 15.0  # polled every 0.1 s; the limit only stops a broken watcher hanging
            while time.monotonic() < deadline:
                await pilot.pause(0.05)
                if app.listing.get(rid).name == "Fjordlys Elektro Norge AS" and app.listing.get("added-by-pull-ab12"):
                    break
            assert app.listing.get(rid).name == "Fjordlys Elektro Norge AS"
            assert "Added By Pull" in screen_text(app)
            new.unlink()
            await pilot.pause(0.5)
            assert app.listing.get("added-by-pull-ab12") is None

    asyncio.run(run())


def test_a_stale_write_asks_and_never_overwrites(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await started(app, pilot)
            rid = rid_of("Maple Leaf Lighting")
            await put_cursor(app, pilot, rid)
            await pilot.press("g")
            await pilot.pause()
            path = ws.record_path(rid)  # someone else edits the file while the prompt is open
            path.write_text(path.read_text().replace("city: Somewhere", "city: Toronto"))
            await pilot.press("a")
            await settle(app, pilot)
            assert isinstance(app.screen, ChoiceScreen)
            assert "changed on disk" in screen_text(app)
            assert "city: Toronto" in path.read_text() and "grade: B" in path.read_text()
            await pilot.press("a")  # apply mine to the new version
            await settle(app, pilot)
            text = path.read_text()
            assert "city: Toronto" in text and "grade: A" in text
            assert last_commit(ws) == f"{rid}: grade B -> A"

    asyncio.run(run())


def test_core_errors_are_notifications_not_crashes(ws):
    (ws.records_dir / "unreadable-zz98.yaml").write_text("name: [unclosed\n")

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await started(app, pilot)
            await put_cursor(app, pilot, "unreadable-zz98")
            await pilot.press("g")  # a record that does not parse cannot be graded until fixed
            await pilot.pause()
            assert not isinstance(app.screen, GradePrompt)
            assert any("has problems" in n.message for n in app._notifications)
            ws.record_path(rid_of("Sinar Jaya Hardware")).unlink()  # gone behind the app's back
            await put_cursor(app, pilot, rid_of("Sinar Jaya Hardware"))
            await pilot.press("l")
            await pilot.pause()
            assert any("no customer" in n.message for n in app._notifications)
            assert app.is_running

    asyncio.run(run())


def test_help_palette_and_quit(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=(100, 50)) as pilot:
            screen = await started(app, pilot)
            titles = {title for title, _, _ in screen_commands(screen)}
            for action in ("Search", "Grade", "Log", "Edit", "$EDITOR", "Delete", "New", "Due", "Problems",
                           "Filters", "Order", "Reverse", "Help", "Quit",
                           "History", "Sync", "Sort by order total", "Show overdue customers"):
                assert action in titles, action
            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            text = screen_text(app)
            for expected in ("Re-grade the customer", "ctrl+e", "delete"):
                assert expected in text, expected
            app.screen.query_one(VerticalScroll).scroll_end(animate=False)  # the legend and search words are last
            await pilot.pause()
            text = screen_text(app)
            for expected in ("x invalid", "owner:mine"):
                assert expected in text, expected
            await pilot.press("escape")
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*"due")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, DueScreen)
            await pilot.press("escape", "q")
            await pilot.pause()
        assert app.return_code == 0

    asyncio.run(run())


def test_paints_from_the_saved_catalog_then_confirms_every_file(ws):
    load_catalog(ws)  # a warm cache, as after yesterday's session
    time.sleep(0.05)
    rid = rid_of("Doha Lighting Solutions")
    path = ws.record_path(rid)
    path.write_text(path.read_text().replace("Doha Lighting Solutions", "Doha Lighting Solutions WLL"))

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=(120, 24)) as pilot:
            await settle(app, pilot)
            assert app.confirmed and app.loading_note == ""
            assert app.listing.get(rid).name == "Doha Lighting Solutions WLL"  # the change since the save
            assert "Doha Lighting Solutions WLL" in screen_text(app)

    asyncio.run(run())


def test_saving_an_untouched_form_changes_nothing_and_typing_starts_in_the_first_field(ws):
    async def run():
        rid = rid_of("Müller Lichttechnik GmbH")
        path = ws.record_path(rid)
        path.write_text(path.read_text() + "notes: |\n  Prefers WhatsApp.\n  Needs CE.\n")
        subject = "add notes"
        import subprocess

        subprocess.run(["git", "commit", "-qam", subject], cwd=ws.root, check=True)
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await started(app, pilot)
            await put_cursor(app, pilot, rid)
            await pilot.press("e")
            await pilot.pause()
            form = app.screen
            assert not form.query_one("#field-notes").disabled  # several lines: a TextArea
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert last_commit(ws) == subject
            assert "notes: |\n  Prefers WhatsApp.\n  Needs CE.\n" in path.read_text()
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("n")
            await pilot.pause()
            await pilot.press(*"Acme")
            assert app.screen.query_one("#field-name").value == "Acme"

    asyncio.run(run())
