"""What the customer table shows: the search query, the filter it means, and the shown rows in order.

Pure Python (no widgets), so it can be tested and benchmarked alone. The rows are kept sorted
ascending on raw values; a reversed sort is read backwards by the table (blanks kept last), so an update can be
placed by bisection. A keystroke that only narrows the search filters the rows already shown.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from typing import Callable, Iterable, NamedTuple

from tui.core.catalog import Filter, Summary, stays_last
from tui.core.filtercheck import DUE_STATES, owners, unknown_values
from tui.core.order import Orders, rank
from tui.core.schema import Rules

# What the table can sort by: the column's title and the Summary field it sorts on.
SORTS: dict[str, str] = {
    "name": "name",
    "country": "country",
    "grade": "grade",
    "stage": "stage",
    "credit": "credit",
    "owner": "owner",
    "last contact": "last_contact",
    "next follow-up": "next_followup",
    "order total": "order_total",
}
SORT_ORDER = tuple(SORTS.values())

# Words of the search box that set a filter instead of searching text: `grade:A,B owner:mine due:overdue`.
QUERY_KEYS = {
    "grade": "grade", "g": "grade",
    "stage": "stage",
    "country": "country", "cc": "country",
    "region": "region",
    "industry": "industry",
    "owner": "owner",
    "tag": "tag",
    "due": "due",
    "is": "is",
}
IS_VALUES = ("invalid", "pool")
_FIELD_LIKE = re.compile(r"[A-Za-z_]+")  # `colour:red` is a filter word crm does not know; `10:30` is text


class Query(NamedTuple):
    """The search box, read: the filter it sets, and what in it could not be read."""

    filter: Filter
    unknown: tuple[str, ...] = ()


def parse_query(text: str, me: str = "", horizon: int = 7) -> Query:
    """Read the search box. `owner:mine` means `me` (the user's git email), `owner:pool` the public pool;
    `due:soon` is within `horizon` days (x-crm.due_days)."""
    words: list[str] = []
    fields: dict[str, object] = {}
    unknown: list[str] = []
    for word in text.split():
        key, sep, value = word.partition(":")
        field = QUERY_KEYS.get(key.lower()) if sep else None
        if field is None and sep and value and _FIELD_LIKE.fullmatch(key) and not value.startswith("/"):
            unknown.append(word)  # said under the box, and still searched as text (a note may hold "PO:123")
        if field is None or not value:
            words.append(word)
            continue
        if field == "owner":
            if value.lower() == "pool":
                fields["pool"] = True
            elif value.lower() == "mine":
                fields["owner"] = me or "\0nobody"  # no git identity: "mine" matches nobody, visibly
            elif value.lower() not in ("any", "anyone"):
                fields["owner"] = value
        elif field == "is":
            if value.lower() in ("invalid", "problem", "problems"):
                fields["invalid"] = True
            elif value.lower() == "pool":
                fields["pool"] = True
            else:
                unknown.append(word)
        elif field == "due":
            if value.lower() in DUE_STATES:
                fields["due"] = value.lower()
            else:
                unknown.append(word)
        else:
            fields[field] = value
    return Query(Filter(text=" ".join(words), horizon=horizon, **fields), tuple(unknown))


def not_understood(word: str) -> str:
    """What a word of the search box that sets no filter should have been."""
    key = word.partition(":")[0].lower()
    if key == "due":
        return f"not understood: {word}; due is one of {', '.join(DUE_STATES)}"
    if key == "is":
        return f"not understood: {word}; is is one of {', '.join(IS_VALUES)}"
    filters = ", ".join(dict.fromkeys(QUERY_KEYS.values()))
    return f"not a filter: {word} (searched as text); filters are {filters}"


def search_notes(query: Query, rules: Rules, summaries: Iterable[Summary]) -> list[str]:
    """Why the search box may show nothing: words it did not understand, values no customer can have."""
    notes = [not_understood(word) for word in query.unknown]
    flt = query.filter
    known = owners(summaries) if flt.owner else None
    for u in unknown_values(flt, rules, known):
        notes.append(u.message(f"{u.field}:{u.value}"))
    return notes


def query_text(flt: Filter, me: str = "") -> str:
    """The search-box text that means `flt` (the inverse of parse_query)."""
    parts = []
    for field in ("grade", "stage", "country", "region", "industry", "tag", "due"):
        value = getattr(flt, field)
        if value:
            parts.append(f"{field}:{value}")
    if flt.pool:
        parts.append("owner:pool")
    elif flt.owner:
        mine = flt.owner == (me or "\0nobody")
        parts.append("owner:mine" if mine else f"owner:{flt.owner}")
    if flt.invalid:
        parts.append("is:invalid")
    if flt.text:
        parts.append(flt.text)
    return " ".join(parts)


def row_key(field: str, orders: Orders | None = None) -> Callable[[Summary], tuple]:
    """Sort on the raw value, blanks last, then name and id so equal values keep a stable order; a field
    with a declared order (stage, grade, credit in schema.yaml) sorts in that order."""
    if field == "order_total":
        return lambda s: (s.order_total, s.name.casefold(), s.id)
    if field == "name":
        return lambda s: (s.name.casefold(), s.id)
    index = Summary._fields.index(field)
    if orders and field in orders:
        ranked = rank(orders[field])
        return lambda s: (ranked(s[index]), s.name.casefold(), s.id)
    return lambda s: (s[index] == "", s[index], s.name.casefold(), s.id)


class Listing:
    """The customers a table shows: all of them, the filter, the sort, and the shown rows in order."""

    def __init__(self, summaries: Iterable[Summary] = (), today: dt.date | None = None, sort: str = "name",
                 orders: Orders | None = None):
        self.today = today or dt.date.today()
        self.sort = sort
        self.reverse = False
        self.filter = Filter()
        self.orders = dict(orders or {})
        self._key = row_key(sort, self.orders)
        self._all: list[Summary] = sorted(summaries, key=self._key)
        self._sorted: dict[str, list[Summary]] = {sort: self._all}  # every customer, by each sort used
        self._by_id: dict[str, Summary] = {s.id: s for s in self._all}
        self.shown: list[Summary] = list(self._all)

    # ------------------------------------------------------------ reading

    @property
    def total(self) -> int:
        return len(self._all)

    def __len__(self) -> int:
        return len(self.shown)

    def row(self, index: int) -> Summary:
        """The row at a position as the user sees it (reversed sorts read from the end of the values,
        blanks and undeclared values last as in `crm list --reverse`)."""
        return self.shown[self._flip(index)]

    def _flip(self, i: int) -> int:
        """A position in `shown` to one on screen and back (the mapping is its own inverse)."""
        if not self.reverse:
            return i
        n = bisect.bisect_left(self.shown, True, key=stays_last(self.sort, self.orders))
        return n - 1 - i if i < n else i

    def get(self, rid: str) -> Summary | None:
        return self._by_id.get(rid)

    def position(self, rid: str) -> int | None:
        """Where a customer is in the shown rows, or None when it is filtered out."""
        summary = self._by_id.get(rid)
        if summary is None:
            return None
        key = self._key(summary)
        i = bisect.bisect_left(self.shown, key, key=self._key)
        if i < len(self.shown) and self.shown[i].id == rid:
            return self._flip(i)
        return None

    def summaries(self) -> list[Summary]:
        return self._all

    # ------------------------------------------------------------ changing

    def set_filter(self, flt: Filter) -> None:
        old = self.filter
        self.filter = flt
        if flt.everything():
            self.shown = list(self._all)
            return
        narrows = old._replace(text="") == flt._replace(text="") and flt.text.casefold().startswith(old.text.casefold())
        source = self.shown if narrows else self._all
        if flt._replace(text="").everything():
            # Text only, the common keystroke: skip the other checks.
            words = flt.text.casefold().split()
            self.shown = [s for s in source if all(w in s.search for w in words)]
        else:
            today = self.today
            self.shown = [s for s in source if flt.matches(s, today)]

    def set_sort(self, sort: str, reverse: bool = False) -> None:
        if sort not in SORT_ORDER:
            raise ValueError(f"cannot sort by {sort!r}")
        if sort != self.sort:
            self.sort = sort
            self._key = row_key(sort, self.orders)
            everyone = self._sorted.get(sort)
            if everyone is None:
                everyone = self._sorted[sort] = sorted(self._all, key=self._key)
            self._all = everyone
            if len(self.shown) == len(everyone):
                self.shown = list(everyone)
            else:
                self.shown.sort(key=self._key)
        self.reverse = reverse

    def set_today(self, today: dt.date) -> None:
        if today != self.today:
            self.today = today
            flt, self.filter = self.filter, Filter()
            self.set_filter(flt)

    def set_orders(self, orders: Orders) -> None:
        """The declared orders of schema.yaml (known once the workspace is read); rows are re-sorted."""
        if dict(orders) != self.orders:
            self.orders = dict(orders)
            self._key = row_key(self.sort, self.orders)
            self.replace_all(self._all)

    def replace_all(self, summaries: Iterable[Summary]) -> None:
        self._all = sorted(summaries, key=self._key)
        self._sorted = {self.sort: self._all}
        self._by_id = {s.id: s for s in self._all}
        flt, self.filter = self.filter, Filter()
        self.set_filter(flt)

    def update(self, summary: Summary) -> None:
        """Put one new or changed customer in its place (by key: no re-sort, no re-filter of the rest)."""
        self.remove(summary.id)
        self._sorted = {self.sort: self._all}  # the other orders would be out of date
        self._by_id[summary.id] = summary
        bisect.insort(self._all, summary, key=self._key)
        if self.filter.matches(summary, self.today):
            bisect.insort(self.shown, summary, key=self._key)

    def remove(self, rid: str) -> None:
        old = self._by_id.pop(rid, None)
        if old is None:
            return
        self._sorted = {self.sort: self._all}
        for rows in (self._all, self.shown):
            key = self._key(old)
            i = bisect.bisect_left(rows, key, key=self._key)
            if i < len(rows) and rows[i].id == rid:
                del rows[i]
