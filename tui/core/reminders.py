"""Reminders: everything the due queue shows, each with its kind.

follow-up (the next touch, as cadence.py dates it), birthday (a contact's, within
x-crm.birthday_window_days), anniversary (of the first order), payment (an order `overdue`, or `open`
with a `due` date), pool (an owned customer going back within x-crm.pool.warn_days) and never-touched
(an owned customer with no touch is due from the day it was claimed, or created). Each depends on the
summary, the rules and today alone, plus the day a record was created (from git history) for the few
records nothing else dates.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable, NamedTuple

from tui.core.cadence import add_days
from tui.core.catalog import Summary, owner_matches
from tui.core.pool import PoolRules, needs_created, return_day
from tui.core.schema import Rules

KINDS = ("follow-up", "birthday", "anniversary", "payment", "pool", "never-touched")
LETTER = {"birthday": "b", "anniversary": "a", "payment": "$", "pool": "p", "never-touched": "n"}
ORDER = {"overdue": 0, "today": 1, "soon": 2}


class Reminder(NamedTuple):
    state: str  # overdue, today or soon
    kind: str
    day: str  # ISO date the reminder is for
    text: str
    summary: Summary

    @property
    def id(self) -> str:
        return self.summary.id


class Window(NamedTuple):
    """What the reminders of one day need besides a summary."""

    today: dt.date
    rules: Rules
    pool: PoolRules
    days: int = 7
    created: dict[str, str] = {}

    def state(self, day: str) -> str | None:
        now = self.today.isoformat()
        if day < now:
            return "overdue"
        if day == now:
            return "today"
        return "soon" if day <= add_days(self.today, self.days).isoformat() else None


def _next_yearly(mmdd: str, today: dt.date) -> dt.date | None:
    """The next day (today included) that falls on "MM-DD"; 29 February is the 28th in other years.
    None past the calendar's last year."""
    for year in (today.year, today.year + 1):
        if year > dt.MAXYEAR:
            return None
        try:
            day = dt.date(year, int(mmdd[:2]), int(mmdd[3:5]))
        except ValueError:
            day = dt.date(year, 2, 28)
        if day >= today:
            return day
    return None


def _ahead(day: dt.date, today: dt.date) -> str:
    n = (day - today).days
    return "today" if n == 0 else "tomorrow" if n == 1 else f"in {n} days"


def for_customer(s: Summary, w: Window) -> list[Reminder]:
    """Every reminder one customer has in the window, most urgent first."""
    if s.problems and not s.name:
        return []
    out: list[Reminder] = []
    today, now = w.today, w.today.isoformat()
    if s.next_followup and (state := w.state(s.next_followup)):
        out.append(Reminder(state, "follow-up", s.next_followup, s.next_action or "follow up", s))
    if s.owner and not s.touches:
        since = s.claimed_on or w.created.get(s.id, "")
        if since and since <= now:
            how = "claimed" if s.claimed_on else "created"
            out.append(Reminder(w.state(since) or "today", "never-touched", since, f"never touched since {how} {since}", s))
    horizon = min(w.days, w.rules.birthday_window_days)
    names = s.birthday_names if len(s.birthday_names) == len(s.birthdays) else ("",) * len(s.birthdays)
    for mmdd, name in dict.fromkeys(zip(s.birthdays, names)):
        day = _next_yearly(mmdd, today)
        if day is not None and (day - today).days <= horizon:
            whose = f"{name}'s" if name else "a contact's"
            out.append(Reminder("today" if day == today else "soon", "birthday", day.isoformat(),
                                f"{whose} birthday {_ahead(day, today)}", s))
    if s.first_order and s.first_order < now:
        day = _next_yearly(s.first_order[5:10], today)
        years = day.year - int(s.first_order[:4]) if day else 0
        if day is not None and years >= 1 and (day - today).days <= w.days:
            out.append(Reminder("today" if day == today else "soon", "anniversary", day.isoformat(),
                                f"{years} year{'s' if years != 1 else ''} since the first order, {_ahead(day, today)}", s))
    for day, status, ref in s.payments:
        state = "overdue" if status == "overdue" else w.state(day)
        if state:
            if status == "overdue" and day >= now:
                late = "overdue"
            else:
                late = f"overdue since {day}" if day < now else f"due {_ahead(dt.date.fromisoformat(day), today)}"
            out.append(Reminder(state, "payment", day, f"payment of {ref} {late}", s))
    back = return_day(s, w.pool, w.created.get(s.id, "")) if s.owner else ""
    if back:
        n = (dt.date.fromisoformat(back) - today).days
        if n <= 0:  # a return day that has passed is overdue, like every other kind's
            out.append(Reminder("overdue" if n < 0 else "today", "pool", back, "returns to the pool at the next sweep", s))
        elif n <= w.pool.warn_days:
            out.append(Reminder("soon", "pool", back, f"returns to pool in {n} day{'s' if n != 1 else ''}", s))
    out.sort(key=_key)
    return out


def _key(r: Reminder):
    return (ORDER[r.state], r.day, r.summary.name.casefold(), r.summary.id, KINDS.index(r.kind))


def wanted_created(summaries: Iterable[Summary], pool: PoolRules) -> list[str]:
    """The ids whose reminders need the day they were created (see pool.created_days)."""
    return [s.id for s in summaries if needs_created(s, pool)]


def queue(summaries: Iterable[Summary], w: Window, owner: str = "") -> list[Reminder]:
    """Every reminder of every customer (of `owner`, when given): overdue first, then today, then soon."""
    out = []
    for s in summaries:
        if owner and not owner_matches(s.owner, owner):  # the full email, or the short name shown
            continue
        out.extend(for_customer(s, w))
    out.sort(key=_key)
    return out


def most_urgent(s: Summary, w: Window) -> tuple[str, str]:
    """(state, letter) for a row marker: the most urgent state of any reminder, and the letter of the most
    urgent one that is not a follow-up (" " for none)."""
    found = for_customer(s, w)
    if not found:
        return "", " "
    other = next((LETTER[r.kind] for r in found if r.kind != "follow-up"), " ")
    return found[0].state, other
