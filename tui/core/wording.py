"""Validation errors in words a user reads: "country must be a two-letter code such as DE", never the
regular expression or the JSON Schema keyword behind it. Errors it has no words for keep jsonschema's."""

from __future__ import annotations

from typing import Any

from tui.core.display import show_value

# Patterns schema.yaml files use, as a person would say them.
PATTERNS = {
    "^[A-Z]{2}$": "a two-letter code such as DE",
    "^[A-Z]{3}$": "a three-letter code such as USD",
    "^[a-z]{2}$": "a two-letter code such as de",
    r"^\d+$": "a number written with digits only",
    "^[0-9]+$": "a number written with digits only",
}
FORMATS = {
    "date": "a date written YYYY-MM-DD",
    "email": "an email address such as name@example.com",
    "uri": "a web address such as https://example.com",
    "date-time": "a date and time such as 2026-01-15T09:30:00",
}
TYPES = {
    "string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
    "array": "a list", "object": "a mapping of fields", "null": "empty",
}


def in_words(where: str, validator: str, expected: Any, value: Any, schema: dict, fallback: str) -> str:
    """One error as "<where> must be ...", from the failing keyword (`validator`) and what it expects."""
    must = _must(validator, expected, schema)
    if must is None:
        return f"{where}: {fallback}" if where else fallback
    subject = where or "the record"
    if validator == "minLength":
        return f"{subject} must {must}"
    shown = repr(show_value(value, 40)) if isinstance(value, str) else show_value(value, 40)
    return f"{subject} must be {must}, not {shown}"


def _must(validator: str, expected: Any, schema: dict) -> str | None:
    if validator == "pattern":
        said = PATTERNS.get(str(expected))
        if said:
            return said
        description = str(schema.get("description") or "").strip()
        return f"as schema.yaml describes it ({description})" if description else "in the form schema.yaml asks for"
    if validator == "format":
        return FORMATS.get(str(expected), f"a valid {expected}")
    if validator == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return " or ".join(TYPES.get(str(k), str(k)) for k in kinds)
    if validator == "minLength":
        return "not be empty" if expected == 1 else f"be at least {expected} characters long"
    if validator == "minimum":
        return f"at least {expected}"
    if validator == "maximum":
        return f"at most {expected}"
    return None


def error_in_words(error, where: str | None = None) -> str:
    """A jsonschema ValidationError in words; `where` defaults to the error's dotted path."""
    if where is None:
        where = ".".join(str(p) for p in error.absolute_path)
    return in_words(where, str(error.validator), error.validator_value, error.instance, error.schema
                    if isinstance(error.schema, dict) else {}, error.message)
