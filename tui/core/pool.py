"""The public pool (公海): its rules, read in one place from schema.yaml `x-crm.pool`.

Everyone who needs a pool rule (claiming, the sweep, the due queue, permission checks) asks
`pool_rules(schema)`, so a rule edited in schema.yaml means the same thing everywhere.
"""

from __future__ import annotations

import difflib
from typing import Any, NamedTuple

from tui.core.errors import CrmError, Problem
from tui.core.schema import Schema


class PoolRules(NamedTuple):
    """`no_order_days` None: orders play no part in returning a customer to the pool."""

    claim_limit: int = 50  # customers one owner may hold
    idle_days: int = 90  # no touch for this long: back to the pool
    no_order_days: int | None = None  # no order for this long (since claimed): back to the pool
    cooldown_days: int = 30  # a customer taken back may not be claimed again by its owner for this long
    warn_days: int = 7  # the due queue warns this many days before a customer returns


# key -> (smallest value, may be null)
KEYS: dict[str, tuple[int, bool]] = {
    "claim_limit": (0, False),
    "idle_days": (1, False),
    "no_order_days": (1, True),
    "cooldown_days": (0, False),
    "warn_days": (0, False),
}


def _block(schema: Schema) -> Any:
    xcrm = schema.json.get("x-crm")
    return xcrm.get("pool") if isinstance(xcrm, dict) else None


def pool_problems(schema: Schema) -> list[Problem]:
    """What is wrong with `x-crm.pool`, each at its line and column (for `crm validate`)."""
    block = _block(schema)
    if block is None:
        return []
    if not isinstance(block, dict):
        line, col = schema.locate(("x-crm", "pool"))
        return [Problem(schema.name, line, col, "x-crm.pool must be a mapping of rules (claim_limit: 50, ...)")]
    found = []
    for key, value in block.items():
        line, col = schema.locate(("x-crm", "pool", key))
        if key not in KEYS:
            near = difflib.get_close_matches(str(key), list(KEYS), n=1, cutoff=0.6)
            hint = f"did you mean {near[0]}? " if near else ""
            found.append(Problem(schema.name, line, col, f"x-crm.pool.{key} is not a pool rule; {hint}"
                                 f"the rules are {', '.join(KEYS)}"))
            continue
        low, nullable = KEYS[key]
        if value is None and nullable:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            also = " or null" if nullable else ""
            found.append(Problem(schema.name, line, col,
                                 f"x-crm.pool.{key} must be a whole number from {low} up{also}, not {value!r}"))
    return sorted(found)


def pool_rules(schema: Schema) -> PoolRules:
    """The pool rules of a workspace; defaults for keys left out. A bad value is a CrmError at its line."""
    problems = pool_problems(schema)
    if problems:
        raise CrmError(f"{problems[0]}; fix schema.yaml (crm validate lists every problem)")
    block = _block(schema) or {}
    defaults = PoolRules()
    return PoolRules(**{key: block.get(key, getattr(defaults, key)) for key in KEYS})
