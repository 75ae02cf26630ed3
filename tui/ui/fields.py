"""The fields of the edit form, read from schema.yaml: their kind, how text in a box becomes a value,
and what is wrong with a value (checked against that field's own JSON Schema, as the user types).

Fields that hold lists of mappings (contacts, orders, log) are edited in $EDITOR; the form says so.
Text of several lines (notes) gets a TextArea.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

import jsonschema

from tui.core.display import printable
from tui.core.schema import Schema, to_json
from tui.core.wording import error_in_words


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # "text", "choice", "date", "integer", "number", "list"
    schema: dict
    required: bool
    choices: tuple[str, ...] = ()

    @property
    def hint(self) -> str:
        if self.kind == "date":
            return "YYYY-MM-DD"
        if self.kind == "list":
            return "comma, separated"
        return str(self.schema.get("description", ""))


def form_fields(schema: Schema) -> list[FieldSpec]:
    """Every top-level field the form can edit, in schema order."""
    required = set(schema.json.get("required") or ())
    out = []
    for name, prop in schema.properties.items():
        if not isinstance(prop, dict) or prop.get("readOnly"):
            continue  # readOnly: kept by crm itself (merged_from)
        kind = prop.get("type")
        if "enum" in prop:
            out.append(FieldSpec(name, "choice", prop, name in required, tuple(str(v) for v in prop["enum"])))
        elif kind == "string" and prop.get("format") == "date":
            out.append(FieldSpec(name, "date", prop, name in required))
        elif kind == "string":
            out.append(FieldSpec(name, "text", prop, name in required))
        elif kind in ("integer", "number"):
            out.append(FieldSpec(name, kind, prop, name in required))
        elif kind == "array" and (prop.get("items") or {}).get("type") == "string":
            out.append(FieldSpec(name, "list", prop, name in required))
    return out


def nested_fields(schema: Schema) -> list[str]:
    """Fields the form leaves to the editor (lists of mappings, mappings)."""
    plain = {f.name for f in form_fields(schema)}
    return [name for name, prop in schema.properties.items()
            if name not in plain and not (isinstance(prop, dict) and prop.get("readOnly"))]


def show(spec: FieldSpec, value: Any) -> str:
    """A record's value as the text in the field's box."""
    if value is None:
        return ""
    if spec.kind == "list" and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class FieldError(ValueError):
    pass


def read(spec: FieldSpec, text: str) -> Any:
    """The value a box's text means (None for empty); FieldError says what is wrong."""
    text = text.strip()
    if not text:
        if spec.required:
            raise FieldError(f"{spec.name} is required")
        return None
    if spec.kind == "date":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise FieldError(f"{text!r} is not a date; use YYYY-MM-DD") from None
    if spec.kind == "integer":
        try:
            value: Any = int(text)
        except ValueError:
            raise FieldError(f"{text!r} is not a whole number") from None
    elif spec.kind == "number":
        try:
            value = float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:
            raise FieldError(f"{text!r} is not a number") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise FieldError(f"{text!r} is not a finite number")
    elif spec.kind == "list":
        value = [part.strip() for part in text.split(",") if part.strip()]
    elif spec.name in ("country", "currency"):
        value = text.upper()
    elif "\n" in text:
        value = text + "\n"  # several lines end with a line break, as a `|` block in YAML does
    else:
        value = text
    problem = check(spec, value)
    if problem:
        raise FieldError(problem)
    return value


_checker = jsonschema.Draft7Validator.FORMAT_CHECKER


def check(spec: FieldSpec, value: Any) -> str:
    """What is wrong with one field's value by its own schema ("" when nothing)."""
    validator = jsonschema.Draft7Validator(spec.schema, format_checker=_checker)
    for error in validator.iter_errors(to_json(value)):
        return error_in_words(error, spec.name)
    return ""


LONG_TEXT = ("notes",)  # free text that people write in paragraphs


def long_text(spec: FieldSpec, value: Any) -> bool:
    """A text field the form edits in a TextArea: one that holds several lines, or is meant to."""
    return spec.kind == "text" and (multiline(value) or spec.name in LONG_TEXT or bool(spec.schema.get("x-crm-multiline")))


def multiline(value: Any) -> bool:
    """Text a one-line box cannot hold without losing its line breaks (the form gives it a TextArea)."""
    return isinstance(value, str) and "\n" in value.strip("\n")


def has_control(value: Any) -> bool:
    """Text with control characters: a box would show them escaped, so the form leaves it to $EDITOR."""
    return isinstance(value, str) and printable(value) != value


def changed_values(specs: list[FieldSpec], before: dict, after: dict[str, Any]) -> dict[str, Any]:
    """The fields whose value differs from the record's (None: the field is to be removed).

    A field is unchanged when it reads the same as its untouched box would: a box shows `notes: |`
    text without its final line break, and saving an untouched form must not change the file."""
    out = {}
    for spec in specs:
        if spec.name not in after:
            continue
        old, new = before.get(spec.name), after[spec.name]
        try:
            untouched = read(spec, show(spec, old))
        except FieldError:
            untouched = old
        if to_json(untouched) != to_json(new) and not (old in (None, "", []) and new is None):
            out[spec.name] = new
    return out


def apply_changes(schema: Schema, text: str, changes: dict[str, Any]) -> str:
    """The record's text with these fields set or removed, touching only their lines (yamledit)."""
    from tui.core.changes import QUOTED_FIELDS
    from tui.core.yamledit import delete_value, set_value
    from tui.core.yamlparse import parse

    order = schema.order
    for name, value in changes.items():
        if value is None:
            data, _ = parse(text)
            if isinstance(data, dict) and name in data:
                text = delete_value(text, (name,))
            continue
        after = tuple(reversed(order[: order.index(name)])) if name in order else ()
        text = set_value(text, (name,), value, after=after, style='"' if name in QUOTED_FIELDS else None)
    return text


def field_of(message: str, names: set[str]) -> str | None:
    """The form field a validation message is about ("country: 'de' does not match" -> "country")."""
    required = re.search(r"'([^']+)' is a required property", message)
    if required and ":" not in message.split("'", 1)[0]:
        return required.group(1) if required.group(1) in names else None
    head = re.match(r"[^\s:.]+", message.strip())  # "country: ..." and "country must be ..." alike
    return head.group() if head and head.group() in names else None
