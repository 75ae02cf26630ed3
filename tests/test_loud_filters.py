"""Item: filters that cannot match say so (UI: under the search box; CLI: exit 2 with the values there are),
and owner filters match the short name the table shows."""

from __future__ import annotations

import asyncio
import json

import pytest
from conftest_ui import FIXED, fixed_workspace, git, rid_of, screen_text, today
from textual.widgets import Static

from tui.ui.app import CrmApp


@pytest.mark.parametrize("args, said", [
    (["--grade", "Z"], "--grade Z: no such grade; choose from A, B, C, D, E"),
    (["--stage", "won,shipped"], "--stage shipped: no such stage; choose from lead, contacted, inquiry"),
    (["--region", "Mars"], "--region Mars: no such region; choose from Africa, Asia, Europe"),
    (["--country", "germany"], "--country GERMANY: not a country code"),
    (["--owner", "nobody"], "--owner nobody: no such owner; choose from alice"),
])
def test_crm_list_refuses_a_filter_that_cannot_match(crm, args, said):
    out = crm("list", *args)
    assert out.returncode == 2, out.stdout
    assert said in out.stderr
    assert out.stdout == "" and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_owner_filters_match_the_short_name(crm):
    full = json.loads(crm("list", "--owner", "alice@example.com", "--json").stdout)
    assert full
    short = crm("list", "--owner", "ALICE", "--json")
    assert short.returncode == 0, short.stderr
    assert [r["id"] for r in json.loads(short.stdout)] == [r["id"] for r in full]
    due = crm("due", "--owner", "alice", "--days", "3660", "--json")
    assert due.returncode == 0, due.stderr
    rows = json.loads(due.stdout)
    assert rows and {r["owner"] for r in rows} == {"alice@example.com"}
    assert crm("due", "--owner", "zed").returncode == 2


def _search(tmp_path, text: str):
    async def run():
        app = CrmApp(fixed_workspace(tmp_path), today, watch_interval=None)
        async with app.run_test(size=(80, 24)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            app.screen.set_query(text)
            await pilot.pause()
            note = app.screen.query_one("#search-note", Static)
            shown = [app.listing.row(i) for i in range(len(app.listing))]
            return screen_text(app), note.display, shown

    return asyncio.run(run())


def test_ui_search_says_what_it_cannot_match_under_the_box(tmp_path):
    text, shown_note, _ = _search(tmp_path, "grade:Z colour:red")
    assert shown_note
    under_the_box = " ".join(" ".join(text.splitlines()[1:5]).split())  # the note wraps at 80 columns
    assert "grade:Z: no such grade; choose from A, B, C, D, E" in under_the_box
    assert "not a filter: colour:red (searched as text); filters are grade, stage" in under_the_box


def test_ui_owner_short_name_finds_the_rows_the_column_shows(tmp_path):
    text, shown_note, rows = _search(tmp_path, "owner:alice")
    assert not shown_note
    assert rows and {s.owner for s in rows} == {"alice@example.com"}
    assert len(rows) == sum(1 for row in FIXED if "alice" in str(row))
    text, shown_note, rows = _search(tmp_path / "b", "owner:zed")
    assert shown_note and "owner:zed: no such owner; choose from alice" in text


def test_ui_note_is_hidden_when_all_is_understood(tmp_path):
    text, shown_note, rows = _search(tmp_path, "grade:B 10:30")
    assert not shown_note
    assert "not understood" not in text and "no such" not in text


def test_a_word_with_a_colon_is_still_searched_as_text(tmp_path):
    ws = fixed_workspace(tmp_path)
    path = ws.record_path(rid_of("Thornbury Electrical"))
    path.write_text(path.read_text() + "notes: Quote ref:PO123 sent\n", encoding="utf-8")
    git(ws, "commit", "-qam", "a note with a colon")

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=(80, 24)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            app.screen.set_query("ref:po123")
            await pilot.pause()
            return screen_text(app), [app.listing.row(i).name for i in range(len(app.listing))]

    text, names = asyncio.run(run())
    assert names == ["Thornbury Electrical"]
    assert "not a filter: ref:po123 (searched as text)" in " ".join(" ".join(text.splitlines()[1:4]).split())
