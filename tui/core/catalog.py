"""The list view of a workspace: one small summary per customer, and filtering, sorting and the due queue.

A Summary holds only what lists, filters and the due queue need (dates as ISO strings, so they compare
and pickle cheaply). It depends on the record and the rules, never on today's date, so it can be cached.
"""

from __future__ import annotations

import bisect
import datetime as dt
from typing import Any, Callable, Iterable, NamedTuple

from tui.core.cadence import add_days, birthday_within, facts, followup_state
from tui.core.identity import NAME_KEY, identity_keys, name_key
from tui.core.order import Orders, rank
from tui.core.order import stays_last as order_stays_last
from tui.core.schema import Rules


class Summary(NamedTuple):
    id: str
    name: str
    name_local: str
    country: str
    region: str
    city: str
    industry: str
    grade: str
    stage: str
    owner: str  # "" when in the public pool
    credit: str
    tags: tuple[str, ...]
    last_contact: str  # ISO date or ""
    next_followup: str
    next_action: str
    order_total: float
    order_count: int
    first_order: str
    value_tier: str
    frequency: str
    birthdays: tuple[str, ...]
    search: str  # lower-cased text that search-as-you-type looks in
    problems: tuple[str, ...]  # "file:line:col: message"
    # What the pool sweep and the reminders need (reminders.py); defaults for a record that did not parse.
    claimed_on: str = ""
    owner_touch: str = ""  # the owner's latest touch (an entry without `by` counts as the owner's)
    last_order: str = ""
    touches: int = 0
    payments: tuple[tuple[str, str, str], ...] = ()  # (day, "overdue" or "open", ref) of each unpaid order
    birthday_names: tuple[str, ...] = ()  # the contact of each of `birthdays`, in the same order
    identity: tuple[str, ...] = ()  # email, phone, domain and name keys the duplicate scan blocks on (identity.py)

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def readable(self) -> bool:
        """Whether the file parsed: only then are its blanks (no owner, no grade) known to be blank."""
        return bool(self.region)  # a parsed record always has one ("Other" when the country is unknown)


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def _iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def summarize(rid: str, data: dict | None, problems: Iterable, rules: Rules) -> Summary:
    """The summary of one record; a record that did not parse keeps only its id and problems."""
    problems = tuple(str(p) for p in problems)
    if not isinstance(data, dict):
        return Summary(rid, rid, "", "", "", "", "", "", "", "", "", (), "", "", "", 0.0, 0, "", "", "", (), rid, problems)
    f = facts(data, rules)
    tags = tuple(_s(t) for t in data.get("tags") or () if t is not None) if isinstance(data.get("tags"), list) else ()
    words = [data.get("name"), data.get("name_local"), data.get("city"), data.get("industry"), data.get("notes"), rid]
    words += list(tags)
    for key in ("products", "merged_from"):  # a merged customer's old id finds the one it went into
        if isinstance(data.get(key), list):
            words += data[key]
    for contact in data.get("contacts") or ():
        if isinstance(contact, dict):
            words += [contact.get(k) for k in ("name", "email", "phone", "whatsapp", "wechat")]
    search = "\n".join(_s(w) for w in words if w is not None).lower()
    country = _s(data.get("country"))
    return Summary(
        id=rid,
        name=_s(data.get("name")) or rid,
        name_local=_s(data.get("name_local")),
        country=country,
        region=rules.region(country),
        city=_s(data.get("city")),
        industry=_s(data.get("industry")),
        grade=_s(data.get("grade")),
        stage=_s(data.get("stage")),
        owner=_s(data.get("owner")),
        credit=_s(data.get("credit")),
        tags=tags,
        last_contact=_iso(f.last_contact),
        next_followup=_iso(f.next_followup),
        next_action=_s(f.next_action),
        order_total=f.order_total,
        order_count=f.order_count,
        first_order=_iso(f.first_order),
        value_tier=f.value_tier,
        frequency=f.frequency,
        birthdays=f.birthdays,
        search=search,
        problems=problems,
        **_pool_facts(data),
        identity=(*identity_keys(data, rules.free_mail_domains), NAME_KEY + name_key(_s(data.get("name")), rules.legal_suffixes)),
    )


def _pool_facts(data: dict) -> dict:
    owner = _s(data.get("owner")).casefold()
    log = [t for t in data.get("log") or () if isinstance(t, dict)] if isinstance(data.get("log"), list) else []
    mine = [t["on"] for t in log if isinstance(t.get("on"), dt.date) and _s(t.get("by") or owner).casefold() == owner]
    orders = [o for o in data.get("orders") or () if isinstance(o, dict)] if isinstance(data.get("orders"), list) else []
    dated = [o["date"] for o in orders if isinstance(o.get("date"), dt.date)]
    payments = []
    for i, order in enumerate(orders):
        status, day = order.get("status"), order.get("due")
        day = day if isinstance(day, dt.date) else order.get("date")
        if status in ("overdue", "open") and isinstance(day, dt.date) and (status == "overdue" or "due" in order):
            payments.append((day.isoformat(), str(status), _s(order.get("ref")) or f"order {i + 1}"))
    claimed = data.get("claimed_on")
    names = tuple(_s(c.get("name")) for c in data.get("contacts") or ()
                  if isinstance(c, dict) and isinstance(c.get("birthday"), dt.date))
    return {
        "birthday_names": names,
        "claimed_on": _iso(claimed) if isinstance(claimed, dt.date) else "",
        "owner_touch": _iso(max(mine)) if mine else "",
        "last_order": _iso(max(dated)) if dated else "",
        "touches": len(log),
        "payments": tuple(payments),
    }


SORT_FIELDS = ("name", "country", "region", "grade", "stage", "credit", "owner", "last_contact", "next_followup",
               "order_total", "id")


def sort_key(field: str, orders: Orders | None = None):
    """A key that sorts on the raw value, blanks last (a never-contacted customer sorts after all dates);
    a field with a declared order (`orders`, from schema.yaml) sorts in that order."""
    if field not in Summary._fields:
        raise ValueError(f"cannot sort by {field!r}; choose one of {', '.join(SORT_FIELDS)}")
    index = Summary._fields.index(field)
    if field == "order_total":
        return lambda s: s[index]
    if field == "name":
        return lambda s: s.name.casefold()
    if orders and field in orders:
        ranked = rank(orders[field])
        return lambda s: ranked(s[index])
    return lambda s: (s[index] == "", s[index])


def stays_last(field: str, orders: Orders | None = None) -> Callable[[Summary], bool]:
    """Which rows a reversed sort leaves at the end, in their ascending order (see order.stays_last)."""
    if field in ("order_total", "name"):
        return lambda s: False
    index = Summary._fields.index(field)
    last = order_stays_last((orders or {}).get(field))
    return lambda s: last(s[index])


def owner_matches(owner: str, wanted: str) -> bool:
    """`wanted` is the full email, or the short name the table shows (the part before @)."""
    owner, wanted = owner.casefold(), wanted.casefold()
    if owner == wanted:
        return True
    return "@" not in wanted and owner.split("@", 1)[0] == wanted


class Filter(NamedTuple):
    """What a list shows. Empty fields match everything."""

    text: str = ""
    grade: str = ""
    stage: str = ""
    country: str = ""
    region: str = ""
    industry: str = ""
    owner: str = ""  # an email or the short name before @, or "" for anyone
    pool: bool = False  # only customers with no owner
    tag: str = ""
    due: str = ""  # "overdue", "today", "soon" or "due" (any of them)
    invalid: bool = False
    horizon: int = 7  # "soon" is within this many days: x-crm.due_days, as the due queue

    def everything(self) -> bool:
        """Whether this filter lets every customer through (the horizon alone filters nothing)."""
        return self == Filter(horizon=self.horizon)

    def matches(self, s: Summary, today: dt.date) -> bool:
        if self.grade and s.grade not in self.grade.upper().split(","):
            return False
        if self.stage and s.stage not in self.stage.split(","):
            return False
        if self.country and s.country not in self.country.upper().split(","):
            return False
        if self.region and s.region.casefold() != self.region.casefold():
            return False
        if self.industry and self.industry.casefold() not in s.industry.casefold():
            return False
        if self.pool and s.owner:
            return False
        if self.owner and not owner_matches(s.owner, self.owner):
            return False
        if self.tag and self.tag not in s.tags:
            return False
        if self.invalid and s.valid:
            return False
        if self.due:
            state = followup_state(s.next_followup, today, self.horizon)
            if state is None or (self.due != "due" and state != self.due):
                return False
        if self.text:
            return all(word in s.search for word in self.text.casefold().split())
        return True


def select(summaries: Iterable[Summary], flt: Filter, today: dt.date, sort: str = "name", reverse: bool = False,
           orders: Orders | None = None) -> list[Summary]:
    shown = [s for s in summaries if flt.matches(s, today)]
    key = sort_key(sort, orders)
    shown.sort(key=key)
    if reverse:  # the values backwards; blanks (and undeclared values) stay last
        n = bisect.bisect_left(shown, True, key=stays_last(sort, orders))
        shown[:n] = sorted(shown[:n], key=key, reverse=True)
    return shown


DUE_ORDER = {"overdue": 0, "today": 1, "soon": 2}


def due_queue(summaries: Iterable[Summary], today: dt.date, owner: str = "", days: int = 7) -> list[tuple[str, Summary]]:
    """Overdue first (oldest first), then today, then the next `days` days, in date order."""
    now = today.isoformat()
    horizon = add_days(today, days).isoformat()
    queue = []
    for s in summaries:
        day = s.next_followup
        if not day or day > horizon or (owner and not owner_matches(s.owner, owner)):
            continue
        queue.append(("overdue" if day < now else "today" if day == now else "soon", s))
    queue.sort(key=lambda item: (DUE_ORDER[item[0]], item[1].next_followup, item[1].name.casefold()))
    return queue


def birthday_soon(s: Summary, today: dt.date, rules: Rules) -> bool:
    return birthday_within(s.birthdays, today, rules.birthday_window_days)
