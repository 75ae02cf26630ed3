"""What a new customer starts with, the same for `crm new` and the UI's `n`: you as its owner (unless it
goes to the public pool), the grade `x-crm.new_grade` names (D when unset), the first funnel stage. A
customer with no grade and no owner falls through every queue: nobody owns it and no cadence applies."""

from __future__ import annotations

from tui.core.errors import CrmError
from tui.core.schema import Schema

DEFAULT_GRADE = "D"


def new_grade(schema: Schema) -> str | None:
    """The grade a new customer gets; None when the workspace has no grades."""
    xcrm = schema.json.get("x-crm") or {}
    grades = schema.rules.grades
    grade = xcrm.get("new_grade", DEFAULT_GRADE if DEFAULT_GRADE in grades else None) if isinstance(xcrm, dict) else None
    if grade is None:
        return None
    if str(grade) not in grades:
        raise CrmError(f"{schema.name}: x-crm.new_grade is {grade!r}, which is not one of the grades "
                       f"({', '.join(grades)}); set it to one of them, or remove it")
    return str(grade)


def first_stage(schema: Schema) -> str | None:
    stages = schema.rules.stages
    return stages[0] if stages else None


def new_defaults(schema: Schema, me: str, pool: bool = False) -> dict:
    """The fields a new customer has before anyone types a value."""
    out = {"owner": None if pool else (me or None), "grade": new_grade(schema), "stage": first_stage(schema)}
    return {k: v for k, v in out.items() if v is not None}
