"""The order a field's values are declared in (funnel stages, grades, credit ratings), for sorting.

Sorting by stage must follow the funnel (lead, contacted, ... repeat, then the exits), and by credit
AAA before AA before A, not the alphabet. The orders come from schema.yaml: the x-crm lists first,
then the `enum` of any other top-level property, so a field a workspace adds with an enum sorts by it.
"""

from __future__ import annotations

from typing import Callable, Mapping

from tui.core.schema import Schema

Orders = Mapping[str, tuple[str, ...]]


def declared_orders(schema: Schema) -> dict[str, tuple[str, ...]]:
    """{field: its values in declared order} for every field whose values schema.yaml lists."""
    out: dict[str, tuple[str, ...]] = {}
    for name, prop in schema.properties.items():
        enum = prop.get("enum") if isinstance(prop, dict) else None
        if isinstance(enum, list) and enum:
            out[str(name)] = tuple(str(v) for v in enum)
    rules = schema.rules
    declared = {"grade": tuple(rules.grades), "stage": rules.stages + rules.exits, "credit": rules.credit}
    out.update({name: values for name, values in declared.items() if values})
    return out


def rank(values: tuple[str, ...]) -> Callable[[str], tuple]:
    """A key for one value: declared values in their order, then undeclared ones alphabetically, blanks last."""
    known = {v: (0, i, "") for i, v in enumerate(values)}
    known[""] = (2, 0, "")
    last = len(values)

    def key(value: str) -> tuple:
        found = known.get(value)
        return found if found is not None else (1, last, value.casefold())

    return key


def stays_last(values: tuple[str, ...] | None) -> Callable[[str], bool]:
    """Whether a value stays at the end when a sort is reversed: a blank, or, for a field with declared
    values, one schema.yaml does not declare. Reversing turns the funnel around, not the gaps to the top."""
    if not values:
        return lambda value: value == ""
    known = frozenset(values) - {""}
    return lambda value: value not in known
