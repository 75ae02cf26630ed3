"""Derived values of a customer: last contact, next follow-up, totals, tier, frequency. Never stored.

Everything that depends on "today" takes it as an argument, so tests and `--as-of` can set it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tui.core.schema import Rules


@dataclass(frozen=True)
class Facts:
    """What follows from a record and the rules alone (no dependence on today)."""

    last_contact: dt.date | None
    next_followup: dt.date | None
    next_action: str | None
    order_total: float  # in the base currency
    order_count: int
    first_order: dt.date | None
    value_tier: str
    frequency: str  # new / regular / loyal
    birthdays: tuple[str, ...]  # "MM-DD" of every contact's birthday


def add_days(day: dt.date, days: int) -> dt.date:
    """`day` + `days`, held within the calendar (a touch dated 9999-12-31 plus a cadence stays 9999-12-31)."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


def _dates(items: Any, key: str) -> list[tuple[dt.date, int, dict]]:
    found = []
    if isinstance(items, list):
        for i, item in enumerate(items):
            if isinstance(item, dict) and isinstance(item.get(key), dt.date):
                found.append((item[key], i, item))
    return found


def facts(data: dict, rules: Rules) -> Facts:
    touches = _dates(data.get("log"), "on")
    latest = max(touches, key=lambda t: (t[0], t[1]))[2] if touches else None
    last_contact = latest["on"] if latest else None
    next_followup = None
    if latest is not None:
        due = latest.get("due")
        if isinstance(due, dt.date):
            next_followup = due
        else:
            next_followup = add_days(last_contact, rules.cadence(data.get("grade")))
    total = 0.0
    orders = _dates(data.get("orders"), "date")
    for _, _, order in orders:
        amount = order.get("amount")
        if isinstance(amount, (int, float)) and not isinstance(amount, bool):
            total += rules.to_base(amount, str(order.get("currency", rules.base_currency))) or 0.0
    tier = next((name for name, minimum in rules.value_tiers if total >= minimum), rules.value_tiers[-1][0])
    count = len(orders)
    frequency = "loyal" if count >= rules.frequency_loyal else "regular" if count >= rules.frequency_regular else "new"
    birthdays = tuple(
        c["birthday"].strftime("%m-%d")
        for c in data.get("contacts") or ()
        if isinstance(c, dict) and isinstance(c.get("birthday"), dt.date)
    )
    return Facts(
        last_contact=last_contact,
        next_followup=next_followup,
        next_action=(latest.get("next") if latest else None),
        order_total=round(total, 2),
        order_count=count,
        first_order=min(o[0] for o in orders) if orders else None,
        value_tier=tier,
        frequency=frequency,
        birthdays=birthdays,
    )


def followup_state(next_followup: dt.date | str | None, today: dt.date, window_days: int = 7) -> str | None:
    """'overdue', 'today', 'soon' (within `window_days`) or None. Accepts ISO strings too."""
    if not next_followup:
        return None
    day = next_followup if isinstance(next_followup, str) else next_followup.isoformat()
    now = today.isoformat()
    if day < now:
        return "overdue"
    if day == now:
        return "today"
    if day <= add_days(today, window_days).isoformat():
        return "soon"
    return None


def years_of_cooperation(first_order: dt.date | None, today: dt.date) -> float:
    if first_order is None or first_order > today:
        return 0.0
    return round((today - first_order).days / 365.25, 1)


def cooperation_text(first_order: dt.date | None, today: dt.date) -> str:
    """`2.3 years`, or `-` for a customer with no order yet (not "0.0 years", which reads as a fact)."""
    return "-" if first_order is None else f"{years_of_cooperation(first_order, today)} years"


def birthday_within(birthdays: tuple[str, ...], today: dt.date, days: int) -> bool:
    """Whether any "MM-DD" birthday falls within the next `days` days, today included."""
    if not birthdays:
        return False
    if days >= 365:
        return True  # a window of a year or more holds every day of the year
    upcoming = {add_days(today, n).strftime("%m-%d") for n in range(days + 1)}
    if "02-29" in birthdays and "02-28" in upcoming and not _leap(today.year):
        return True
    return any(b in upcoming for b in birthdays)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
