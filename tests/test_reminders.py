"""Reminders of every kind in `crm due` (text and --json), in the UI's due queue and as row markers, and the
question before logging a touch due in the past. Every clock is pinned: CRM_TODAY and git's dates."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
from conftest_ui import screen_text, settle

from gitfarm import Farm, environ, git, ok, run
from tui.core.history import INDEX_NAME
from tui.core.workspace import Workspace

TODAY = dt.date(2026, 11, 23)
HEAD = '# yaml-language-server: $schema=../schema.yaml\nname: {name}\ncountry: "DE"\n'


def touch(on: str, due: str = "2026-12-30", by: str = "alice@example.com") -> str:
    return f"log:\n  - on: {on}\n    by: {by}\n    via: email\n    note: Talked.\n    next: Call back\n    due: {due}\n"


def order(date: str, status: str, due: str = "", ref: str = "PO-1") -> str:
    text = f"  - date: {date}\n    ref: {ref}\n    amount: 500\n    currency: USD\n    status: {status}\n"
    return text + (f"    due: {due}\n" if due else "")


OWNED = "owner: alice@example.com\n"
RECORDS = {
    "follow-0001": HEAD.format(name="Follow One") + OWNED + touch("2026-11-20", due="2026-11-21"),
    "birth-0002": HEAD.format(name="Birth Two") + OWNED
    + "contacts:\n  - name: Kari\n    birthday: 1980-11-25\n" + touch("2026-11-20"),
    "anniv-0003": HEAD.format(name="Anniv Three") + OWNED + "orders:\n" + order("2024-11-26", "paid") + touch("2026-11-20"),
    "pay-0004": HEAD.format(name="Pay Four") + OWNED + "orders:\n" + order("2025-12-01", "overdue", ref="PO-A")
    + order("2026-10-01", "open", due="2026-11-20", ref="PO-B") + order("2026-10-02", "open", due="2026-11-27", ref="PO-C")
    + order("2026-10-03", "open", ref="PO-D") + touch("2026-11-20"),
    "back-0005": HEAD.format(name="Back Five") + OWNED + "claimed_on: 2026-06-01\n" + touch("2026-08-27"),
    "new-0006": HEAD.format(name="New Six") + OWNED,
    "claimed-0007": HEAD.format(name="Claimed Seven") + OWNED + "claimed_on: 2026-11-23\n",
    "pool-0008": HEAD.format(name="Pool Eight"),
}

EXPECTED = [  # (state, kind, id, day, about), in the queue's order
    ("overdue", "payment", "pay-0004", "2025-12-01", "payment of PO-A overdue since 2025-12-01"),
    ("overdue", "never-touched", "new-0006", "2026-01-05", "never touched since created 2026-01-05"),
    ("overdue", "pool", "new-0006", "2026-04-05", "returns to the pool at the next sweep"),
    ("overdue", "payment", "pay-0004", "2026-11-20", "payment of PO-B overdue since 2026-11-20"),
    ("overdue", "follow-up", "follow-0001", "2026-11-21", "Call back"),
    ("today", "never-touched", "claimed-0007", "2026-11-23", "never touched since claimed 2026-11-23"),
    ("soon", "pool", "back-0005", "2026-11-25", "returns to pool in 2 days"),
    ("soon", "birthday", "birth-0002", "2026-11-25", "Kari's birthday in 2 days"),
    ("soon", "anniversary", "anniv-0003", "2026-11-26", "2 years since the first order, in 3 days"),
    ("soon", "payment", "pay-0004", "2026-11-27", "payment of PO-C due in 4 days"),
]


def pinned(day: str):
    stamp = f"{day}T12:00:00+00:00"
    return environ({"CRM_TODAY": day, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp})


@pytest.fixture
def clone(tmp_path):
    with pinned("2026-01-05"):
        farm = Farm(tmp_path, RECORDS, people=("alice",))
    return farm["alice"]


def test_every_kind_is_in_crm_due_json_with_its_kind(clone):
    with pinned(TODAY.isoformat()):
        rows = json.loads(ok(clone, "due", "--json"))
    assert [(r["state"], r["kind"], r["id"], r["day"], r["about"]) for r in rows] == EXPECTED
    by_day = {(r["id"], r["day"]): r["days"] for r in rows}
    assert by_day[("birth-0002", "2026-11-25")] == 2 and by_day[("new-0006", "2026-01-05")] == -322


def test_crm_due_text_has_a_kind_column(clone):
    with pinned(TODAY.isoformat()):
        lines = ok(clone, "due").splitlines()
    rows = [line for line in lines if line.startswith("  ")]
    assert [(line[24:37].strip(), line.split()[-1]) for line in rows] == [(kind, rid) for _, kind, rid, _, _ in EXPECTED]
    assert rows[0].startswith("  2025-12-01 357d late  payment       -  Pay Four")
    assert lines[0] == "OVERDUE" and "TODAY" in lines and "NEXT 7 DAYS" in lines


def test_a_birthday_outside_the_window_and_a_first_year_order_are_not_reminders(clone):
    with pinned("2026-11-10"):  # the birthday is 15 days away (window 7), the order anniversary 16
        rows = json.loads(ok(clone, "due", "--json"))
    assert not [r for r in rows if r["kind"] in ("birthday", "anniversary")]
    with pinned("2025-11-24"):  # the first order was 2024-11-26: its first anniversary is 2025-11-26
        rows = json.loads(ok(clone, "due", "--json"))
    assert [r["about"] for r in rows if r["kind"] == "anniversary"] == ["1 year since the first order, in 2 days"]


def test_a_touch_due_in_the_past_is_refused_unless_forced(clone):
    before = git(clone, "rev-parse", "HEAD")
    with pinned(TODAY.isoformat()):
        code, _, err = run(clone, "log", "pool-0008", "--via", "call", "--note", "Rang", "--due", "2026-11-01")
        assert code == 2
        assert "the due date 2026-11-01 is before today (2026-11-23); give a later date, or confirm it (--force)" in err
        assert git(clone, "rev-parse", "HEAD") == before
        ok(clone, "log", "pool-0008", "--via", "call", "--note", "Rang", "--due", "2026-11-01", "--force")
    assert "due: 2026-11-01" in (clone / "records" / "pool-0008.yaml").read_text()


# ------------------------------------------------------------------ the UI


def _app(clone):
    from tui.ui.app import CrmApp

    return CrmApp(Workspace(clone), lambda: TODAY, watch_interval=None)


def test_the_ui_due_queue_shows_every_kind_and_the_list_marks_them(clone):
    from tui.ui.due import DueScreen

    async def go():
        app = _app(clone)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            # A fresh clone has no history index: the UI builds it in the background and then knows the day
            # "New Six" was created, so its never-touched reminder shows without any key pressed.
            assert (app.ws.state_dir / INDEX_NAME).exists()
            text = screen_text(app)
            rows = {name: line[:2] for line in text.splitlines() for name in
                    ("Follow One", "Birth Two", "Anniv Three", "Pay Four", "Back Five", "New Six", "Claimed Seven",
                     "Pool Eight") if name in line}
            assert rows == {"Follow One": "! ", "Birth Two": "~b", "Anniv Three": "~a", "Pay Four": "!$",
                            "Back Five": "~p", "New Six": "!n", "Claimed Seven": "*n", "Pool Eight": "  "}
            await pilot.press("d")
            await settle(app, pilot)
            assert isinstance(app.screen, DueScreen)
            text = screen_text(app)
            assert "Due (everyone's): 3 overdue · 1 today · 3 in the next 7 days" in text
            lines = text.splitlines()
            kinds = {}
            for name, rid in (("New Six", "new-0006"), ("Pay Four", "pay-0004"), ("Follow One", "follow-0001"),
                              ("Claimed Seven", "claimed-0007"), ("Back Five", "back-0005"), ("Birth Two", "birth-0002"),
                              ("Anniv Three", "anniv-0003")):
                kinds[rid] = app.screen.rows.kinds(app.listing.get(rid), None)
                assert any(name in line for line in lines), name
            assert kinds == {"new-0006": "never-touched,pool", "pay-0004": "payment", "follow-0001": "follow-up",
                             "claimed-0007": "never-touched", "back-0005": "pool", "birth-0002": "birthday",
                             "anniv-0003": "anniversary"}
            order = [app.screen.rows.row(i).id for i in range(len(app.screen.rows))]
            assert order == ["pay-0004", "new-0006", "follow-0001", "claimed-0007", "back-0005", "birth-0002", "anniv-0003"]
            assert "~p in 2d     pool          - Back Five            returns to pool in … alice" in text
            assert app.screen.rows.about(app.listing.get("pay-0004"), None) == (
                "payment of PO-A overdue since 2025-12-01; payment of PO-B overdue since 2026-11-20; "
                "payment of PO-C due in 4 days")

    asyncio.run(go())


def test_the_ui_asks_before_logging_a_touch_due_in_the_past(clone):
    from tui.ui.forms import LogForm
    from tui.ui.prompts import ChoiceScreen

    async def go():
        app = _app(clone)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            assert app.screen.table.select_id("pool-0008")
            for answer, commits in (("n", 0), ("y", 1)):
                before = git(clone, "rev-list", "--count", "HEAD")
                await pilot.press("l")
                await pilot.pause()
                assert isinstance(app.screen, LogForm)
                await pilot.press(*"Rang them", "enter", "enter", *"2026-11-01", "enter")
                await settle(app, pilot)
                assert isinstance(app.screen, ChoiceScreen)
                assert "before today" in screen_text(app)
                await pilot.press(answer)
                await settle(app, pilot)
                after = git(clone, "rev-list", "--count", "HEAD")
                assert int(after) - int(before) == commits
                if answer == "y":
                    await pilot.press("escape")  # the re-grade question that follows a touch
                    await settle(app, pilot)
        assert "due: 2026-11-01" in (clone / "records" / "pool-0008.yaml").read_text()

    asyncio.run(go())


# ------------------------------------------------------------------ any dates at all

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tui.core.catalog import summarize  # noqa: E402
from tui.core.pool import PoolRules  # noqa: E402
from tui.core.reminders import Window, for_customer  # noqa: E402
from tui.core.schema import Rules  # noqa: E402

DAYS = st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))


@settings(max_examples=200, deadline=None)
@given(today=DAYS, touched=st.none() | DAYS, claimed=st.none() | DAYS, ordered=st.none() | DAYS, due=st.none() | DAYS,
       birthday=st.none() | DAYS, status=st.sampled_from(["open", "overdue", "paid"]), owner=st.booleans(),
       days=st.integers(0, 3660), created=st.none() | DAYS)
def test_reminders_hold_for_any_dates_and_their_state_matches_their_day(today, touched, claimed, ordered, due, birthday,
                                                                       status, owner, days, created):
    data = {"name": "X", "country": "DE"}
    if owner:
        data["owner"] = "alice@example.com"
    if claimed:
        data["claimed_on"] = claimed
    if touched:
        data["log"] = [{"on": touched, "via": "email", "note": "n"}]
    if ordered:
        data["orders"] = [{"date": ordered, "amount": 1, "currency": "USD", "status": status, **({"due": due} if due else {})}]
    if birthday:
        data["contacts"] = [{"name": "K", "birthday": birthday}]
    s = summarize("x-0001", data, [], Rules())
    w = Window(today, Rules(), PoolRules(), days, {"x-0001": created.isoformat()} if created else {})
    found = for_customer(s, w)
    now = today.isoformat()
    assert [r.state for r in found] == sorted((r.state for r in found), key=["overdue", "today", "soon"].index)
    for r in found:
        if r.state == "soon":
            assert r.day > now
        elif r.state == "overdue" and not (r.kind == "payment" and status == "overdue"):
            assert r.day < now
        elif r.state == "today":
            assert r.day == now
