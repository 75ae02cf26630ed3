"""Filters that say when they cannot match: a grade schema.yaml does not have, an owner nobody is.

A filter that silently shows nothing reads as "there are no such customers". The UI shows these
problems under the search box; the CLI refuses with exit 2 and lists the values that exist.
"""

from __future__ import annotations

import re
from typing import Iterable, NamedTuple

from tui.core.catalog import Filter, Summary, owner_matches
from tui.core.schema import Rules

DUE_STATES = ("overdue", "today", "soon", "due")
_COUNTRY = re.compile(r"[A-Z]{2}")


class Unknown(NamedTuple):
    """A filter value that matches nothing any customer could have."""

    field: str
    value: str
    allowed: tuple[str, ...]

    def message(self, written: str = "") -> str:
        """`grade:Z: no such grade; choose from A, B, C` (`written` is how the user wrote it)."""
        written = written or f"{self.field} {self.value}"
        if self.field == "country":
            return f"{written}: not a country code; use two letters such as DE"
        allowed = ", ".join(self.allowed) if self.allowed else "(no customer has one yet)"
        return f"{written}: no such {self.field}; choose from {allowed}"


def owners(summaries: Iterable[Summary]) -> tuple[str, ...]:
    return tuple(sorted({s.owner for s in summaries if s.owner}, key=str.casefold))


def unknown_values(flt: Filter, rules: Rules, known_owners: Iterable[str] | None = None) -> list[Unknown]:
    """Every value of `flt` that cannot match; the owner is checked only when `known_owners` is given."""
    found = []
    checks = (
        ("grade", flt.grade.upper(), tuple(rules.grades)),
        ("stage", flt.stage, rules.stages + rules.exits),
        ("region", flt.region, tuple(sorted(set(rules.regions.values()))) + ("Other",)),
        ("due", flt.due, DUE_STATES),
    )
    for field, value, allowed in checks:
        if not value or not allowed:
            continue
        exact = field in ("grade", "stage")  # as Filter.matches compares them
        known = set(allowed) if exact else {a.casefold() for a in allowed}
        for part in value.split(",") if exact else (value,):
            if (part if exact else part.casefold()) not in known:
                found.append(Unknown(field, part, allowed))
    for part in flt.country.upper().split(",") if flt.country else ():
        if not _COUNTRY.fullmatch(part.strip()):
            found.append(Unknown("country", part.strip(), ()))
    if flt.owner and known_owners is not None and not flt.owner.startswith("\0"):
        known = tuple(known_owners)
        if not any(owner_matches(o, flt.owner) for o in known):
            found.append(Unknown("owner", flt.owner, tuple(dict.fromkeys(o.split("@", 1)[0] for o in known))))
    return found
