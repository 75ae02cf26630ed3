"""Derived values, with today injected."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tui.core.cadence import birthday_within, facts, followup_state, years_of_cooperation
from tui.core.catalog import Filter, due_queue, select, summarize
from tui.core.schema import Schema

ROOT = Path(__file__).resolve().parent.parent
RULES = Schema(ROOT / "schema.yaml").rules
D = dt.date


def record(**kw):
    return {"name": "Acme", "country": "DE", **kw}


def test_next_followup_is_the_latest_touchs_due_date():
    log = [{"on": D(2025, 10, 2), "via": "email", "due": D(2025, 10, 9)}, {"on": D(2025, 9, 1), "via": "call", "due": D(2026, 1, 1)}]
    f = facts(record(grade="B", log=log), RULES)
    assert f.last_contact == D(2025, 10, 2) and f.next_followup == D(2025, 10, 9)


def test_without_a_due_date_the_grades_cadence_applies():
    for grade, days in {"A": 1, "B": 7, "C": 15, "D": 30, "E": 365}.items():
        f = facts(record(grade=grade, log=[{"on": D(2025, 10, 2), "via": "call"}]), RULES)
        assert f.next_followup == D(2025, 10, 2) + dt.timedelta(days=days)


def test_never_contacted_has_no_followup():
    assert facts(record(grade="A"), RULES).next_followup is None


def test_order_totals_in_base_currency_tier_and_frequency():
    orders = [
        {"date": D(2023, 3, 1), "amount": 10000, "currency": "USD"},
        {"date": D(2024, 3, 1), "amount": 10000, "currency": "EUR"},
        {"date": D(2025, 3, 1), "amount": 100000, "currency": "CNY"},
    ]
    f = facts(record(orders=orders), RULES)
    assert f.order_total == round(10000 + 10000 * 1.08 + 100000 * 0.138, 2)
    assert f.value_tier == "major" and f.frequency == "regular" and f.first_order == D(2023, 3, 1)
    assert years_of_cooperation(f.first_order, D(2026, 3, 1)) == 3.0


def test_loyal_and_key_tiers():
    orders = [{"date": D(2025, m, 1), "amount": 30000, "currency": "USD"} for m in range(1, 6)]
    f = facts(record(orders=orders), RULES)
    assert (f.value_tier, f.frequency) == ("key", "loyal")


def test_followup_state_by_today():
    today = D(2026, 11, 23)
    assert followup_state(D(2026, 11, 22), today) == "overdue"
    assert followup_state("2026-11-23", today) == "today"
    assert followup_state(D(2026, 11, 30), today) == "soon"
    assert followup_state(D(2026, 12, 1), today) is None
    assert followup_state("", today) is None


def test_birthdays_within_a_week_across_the_year_end():
    assert birthday_within(("01-02",), D(2026, 12, 28), 7)
    assert not birthday_within(("01-10",), D(2026, 12, 28), 7)
    assert birthday_within(("02-29",), D(2027, 2, 25), 7)


def test_due_queue_order_overdue_today_then_soon():
    today = D(2026, 11, 23)
    rows = [
        summarize(rid, record(grade="B", log=[{"on": D(2026, 11, 1), "via": "call", "due": due}]), [], RULES)
        for rid, due in [("a", D(2026, 11, 25)), ("b", D(2026, 11, 23)), ("c", D(2026, 11, 2)), ("d", D(2026, 11, 20)), ("e", D(2027, 1, 1))]
    ]
    assert [(state, s.id) for state, s in due_queue(rows, today)] == [("overdue", "c"), ("overdue", "d"), ("today", "b"), ("soon", "a")]


def test_filter_searches_contacts_emails_phones_and_notes():
    s = summarize("x", record(contacts=[{"name": "Hans Müller", "email": "h@mueller.example", "phone": "+49 40 1"}], notes="Needs CE", tags=["oem"]), [], RULES)
    today = D(2026, 11, 23)
    for text in ("hans", "MUELLER.example", "+49 40", "needs ce", "oem"):
        assert select([s], Filter(text=text), today) == [s]
    assert select([s], Filter(text="nobody"), today) == []
    assert select([s], Filter(region="europe", pool=True), today) == [s]
