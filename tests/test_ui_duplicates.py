"""The Duplicates screen (D) and the new-customer warning, through Textual's Pilot on a real git repo."""

from __future__ import annotations

import asyncio
import shutil

import pytest
from conftest_ui import ROOT, commit_workspace, last_commit, screen_text, today
from textual.widgets import Input

from tui.core.workspace import Workspace
from tui.ui.app import CrmApp
from tui.ui.commands import screen_commands
from tui.ui.customer import CustomerScreen
from tui.ui.duplicates import DuplicatesScreen
from tui.ui.help import key_table
from tui.ui.prompts import ChoiceScreen

SIZE = (80, 24)
HEAD = "# yaml-language-server: $schema=../schema.yaml\n"
RECORDS = {
    "mueller-a1": 'name: Müller Lichttechnik GmbH\ncountry: "DE"\ncity: Hamburg\ncontacts:\n  - name: Hans\n'
                  '    email: h.mueller@mueller-licht.de\n    phone: "+49 40 1234567"\n',
    "mueller-b2": 'name: Mueller Lichttechnik\ncountry: "DE"\ncity: Bremen\ncontacts:\n  - name: Hans\n    phone: "040 1234567"\n',
    "acme-c3": 'name: Acme Supply\ncountry: "US"\nwebsite: https://www.acme-supply.com\n',
    "bright-d4": 'name: Brightline\ncountry: "US"\ncontacts:\n  - name: Jo\n    email: jo@acme-supply.com\n',
    "solo-e5": 'name: Solo Trading\ncountry: "FR"\n',
}


def workspace(target, records: dict[str, str]) -> Workspace:
    (target / "records").mkdir(parents=True)
    shutil.copy(ROOT / "schema.yaml", target / "schema.yaml")
    for rid, body in records.items():
        (target / "records" / f"{rid}.yaml").write_text(HEAD + body, encoding="utf-8")
    return commit_workspace(target)


@pytest.fixture
def ws(tmp_path) -> Workspace:
    return workspace(tmp_path / "dupes", RECORDS)


async def settle(app, pilot) -> None:
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


async def duplicates_screen(app, pilot) -> DuplicatesScreen:
    await settle(app, pilot)
    await pilot.press("D")
    await settle(app, pilot)
    assert isinstance(app.screen, DuplicatesScreen)
    return app.screen


def test_screen_lists_pairs_and_merges_one_after_asking(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            screen = await duplicates_screen(app, pilot)
            assert [(m.keep, m.other) for m in screen.pairs] == [("mueller-a1", "mueller-b2"), ("bright-d4", "acme-c3")]
            text = screen_text(app)
            assert "2 likely pairs" in text
            assert "same phone +49401234567" in text and "same domain acme-supply.com" in text
            await pilot.press("m")
            await pilot.pause()
            assert isinstance(app.screen, ChoiceScreen)
            assert app.screen.body.startswith("A, kept: Müller Lichttechnik GmbH (mueller-a1)\n"
                                              "B, merged into A: Mueller Lichttechnik (mueller-b2); its file is removed.")
            await pilot.press("y")
            await settle(app, pilot)
            assert last_commit(ws) == "mueller-a1: merge duplicate mueller-b2 (Mueller Lichttechnik)"
            assert not (ws.root / "records/mueller-b2.yaml").exists()
            assert app.listing.get("mueller-b2") is None
            assert app.screen is screen
            assert [(m.keep, m.other) for m in screen.pairs] == [("bright-d4", "acme-c3")]
            assert "1 likely pair " in screen_text(app)

    asyncio.run(run())


def test_swap_keeps_the_other_and_cancel_writes_nothing(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            screen = await duplicates_screen(app, pilot)
            await pilot.press("m")
            await pilot.pause()
            await pilot.press("n")
            await settle(app, pilot)
            assert last_commit(ws) == "start"
            await pilot.press("s")
            await pilot.pause()
            assert (screen.pairs[0].keep, screen.pairs[0].other) == ("mueller-b2", "mueller-a1")
            await pilot.press("m")
            await pilot.pause()
            await pilot.press("y")
            await settle(app, pilot)
            assert last_commit(ws) == "mueller-b2: merge duplicate mueller-a1 (Müller Lichttechnik GmbH)"

    asyncio.run(run())


def test_enter_opens_the_kept_customer_and_the_merged_id_finds_it(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await duplicates_screen(app, pilot)
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, CustomerScreen) and app.screen.rid == "mueller-a1"
            await pilot.press("escape")
            await pilot.press("m")
            await pilot.pause()
            await pilot.press("y")
            await settle(app, pilot)
            await pilot.press("escape")
            await settle(app, pilot)
            browse = app.screen
            browse.set_query("mueller-b2")  # the old id leads to the customer it went into
            await settle(app, pilot)
            assert [s.id for s in app.listing.shown] == ["mueller-a1"]
            assert browse.table.cursor_id == "mueller-a1"

    asyncio.run(run())


def test_help_and_palette_list_duplicates(ws):
    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            rows = [(str(r[0]), str(r[1])) for r in zip(*(c._cells for c in key_table(app.screen).columns))]
            keys = [key for key, text in rows if text == "Customers that are probably the same one, with the reasons; m merges a pair"]
            assert keys == ["shift+d"]  # help spells an upper-case key as shift+ the letter
            titles = [title for title, _, _ in screen_commands(app.screen)]
            assert "Duplicates" in titles
            screen = await duplicates_screen(app, pilot)
            assert {"Merge", "Swap", "Open"} <= {title for title, _, _ in screen_commands(screen)}

    asyncio.run(run())


def test_new_customer_form_warns_before_saving_a_likely_duplicate(ws):
    async def fill(app, pilot, name: str, country: str) -> None:
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        form.query_one("#field-name", Input).value = name
        form.query_one("#field-country", Input).value = country
        await pilot.press("ctrl+s")
        await settle(app, pilot)

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await fill(app, pilot, "Mueller Lichttechnik Co., Ltd.", "de")
            assert isinstance(app.screen, ChoiceScreen)
            assert app.screen.heading == "Mueller Lichttechnik Co., Ltd. looks like a customer you have"
            assert app.screen.body.startswith("Müller Lichttechnik GmbH (mueller-a1), score 0.80: names alike")
            await pilot.press("n")
            await settle(app, pilot)
            assert last_commit(ws) == "start"
            await fill(app, pilot, "Mueller Lichttechnik Co., Ltd.", "de")
            await pilot.press("c")
            await settle(app, pilot)
            assert last_commit(ws).endswith(": new customer Mueller Lichttechnik Co., Ltd. (DE)")
            await fill(app, pilot, "Nordlicht Handel", "at")  # nothing like it: saved without a question
            assert last_commit(ws).endswith(": new customer Nordlicht Handel (AT)")

    asyncio.run(run())


def test_duplicates_screen_snapshot(ws, snap_compare):
    async def before(pilot) -> None:
        await settle(pilot.app, pilot)
        pilot.app.clear_notifications()
        await pilot.press("D")
        await settle(pilot.app, pilot)

    app = CrmApp(ws, today, watch_interval=None)
    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_the_merge_dialog_fits_80_columns_with_long_ids(tmp_path):
    """Both ids in full in the text, every button whole: `[s] Keep B instead`, not a cut-off id."""
    long_ids = {"mueller-lichttechnik-gmbh-7k3q": RECORDS["mueller-a1"], "mueller-lichttechnik-9p2x": RECORDS["mueller-b2"]}
    ws = workspace(tmp_path / "long", long_ids)

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await duplicates_screen(app, pilot)
            await pilot.press("m")
            await pilot.pause()
            text = screen_text(app)
            assert "A, kept: Müller Lichttechnik GmbH (mueller-lichttechnik-gmbh-7k3q)" in text
            assert "B, merged into A: Mueller Lichttechnik (mueller-lichttechnik-9p2x)" in text
            buttons = next(line for line in text.splitlines() if "[y] " in line)
            assert all(label in buttons for label in ("[y] Merge, keep A", "[s] Keep B instead", "[n] Cancel"))
            await pilot.press("s")  # B is kept instead: the dialog asks again, A and B swapped
            await pilot.pause()
            assert "A, kept: Mueller Lichttechnik (mueller-lichttechnik-9p2x)" in screen_text(app)

    asyncio.run(run())
