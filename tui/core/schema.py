"""schema.yaml: the JSON Schema of a record, the classification rules under `x-crm`, and validation."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.core.conflicts import problems as conflict_problems
from tui.core.errors import CrmError, Problem
from tui.core.identity import FREE_MAIL, LEGAL_SUFFIXES
from tui.core.wording import error_in_words
from tui.core.yamlparse import Node, YamlProblem, locate, parse


@dataclass(frozen=True)
class Grade:
    code: str
    meaning: str
    cadence_days: int


@dataclass(frozen=True)
class Rules:
    """The classification rules of a workspace (schema.yaml, x-crm)."""

    base_currency: str = "USD"
    rates: dict[str, float] = field(default_factory=lambda: {"USD": 1.0})
    grades: dict[str, Grade] = field(default_factory=dict)
    stages: tuple[str, ...] = ()
    exits: tuple[str, ...] = ()
    credit: tuple[str, ...] = ()
    touch_kinds: tuple[str, ...] = ()
    regions: dict[str, str] = field(default_factory=dict)  # country code -> region
    value_tiers: tuple[tuple[str, float], ...] = (("prospect", 0.0),)
    frequency_regular: int = 2
    frequency_loyal: int = 5
    birthday_window_days: int = 7
    due_days: int = 7  # how far ahead the due queue looks (`crm due`, the due screen)
    default_cadence_days: int = 30
    free_mail_domains: frozenset[str] = FREE_MAIL  # never a company's own domain (duplicates)
    legal_suffixes: tuple[str, ...] = LEGAL_SUFFIXES  # dropped before names are compared

    def cadence(self, grade: str | None) -> int:
        g = self.grades.get(grade or "")
        return g.cadence_days if g else self.default_cadence_days

    def region(self, country: str | None) -> str:
        return self.regions.get(country or "", "Other")

    def to_base(self, amount: float, currency: str) -> float | None:
        """`amount` in the base currency; None when there is no rate or the result is not a finite number."""
        rate = self.rates.get(currency)
        if rate is None:
            return None
        try:
            value = amount * rate
        except OverflowError:  # an integer too large for a float
            return None
        return value if math.isfinite(value) else None


def _rules(xcrm: dict) -> Rules:
    grades = {
        str(code): Grade(str(code), str(g.get("meaning", "")), int(g.get("cadence_days", 30)))
        for code, g in (xcrm.get("grades") or {}).items()
    }
    regions = {}
    for region, countries in (xcrm.get("regions") or {}).items():
        for cc in countries or ():
            regions[str(cc)] = str(region)
    tiers = tuple(
        sorted(((str(t["name"]), float(t.get("min", 0))) for t in xcrm.get("value_tiers") or ()), key=lambda t: -t[1])
    ) or (("prospect", 0.0),)
    freq = xcrm.get("frequency") or {}
    return Rules(
        base_currency=str(xcrm.get("base_currency", "USD")),
        rates={str(k): float(v) for k, v in (xcrm.get("rates") or {"USD": 1}).items()},
        grades=grades,
        stages=tuple(xcrm.get("stages") or ()),
        exits=tuple(xcrm.get("exits") or ()),
        credit=tuple(xcrm.get("credit") or ()),
        touch_kinds=tuple(xcrm.get("touch_kinds") or ()),
        regions=regions,
        value_tiers=tiers,
        frequency_regular=int(freq.get("regular", 2)),
        frequency_loyal=int(freq.get("loyal", 5)),
        birthday_window_days=int(xcrm.get("birthday_window_days", 7)),
        free_mail_domains=frozenset(str(d).casefold() for d in xcrm["free_mail_domains"] or ()) if "free_mail_domains" in xcrm else FREE_MAIL,
        legal_suffixes=tuple(str(s) for s in xcrm["legal_suffixes"] or ()) if "legal_suffixes" in xcrm else LEGAL_SUFFIXES,
        due_days=_due_days(xcrm.get("due_days", 7)),
    )


def _due_days(value) -> int:
    days = int(value)
    if not 0 <= days <= 3660:
        raise ValueError(f"due_days is {days}; give a number of days from 0 to 3660")
    return days


def to_json(value: Any) -> Any:
    """The record as JSON Schema sees it: dates become ISO strings."""
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class Schema:
    """A workspace's schema.yaml, loaded once: rules, property order and compiled validators."""

    def __init__(self, path: Path, text: str | None = None):
        self.path = path
        self.name = path.name
        if text is None:
            try:
                raw = path.read_bytes()
            except FileNotFoundError:
                raise CrmError(f"{path}: no schema.yaml; run `crm init` to make a workspace") from None
            except OSError as exc:
                raise CrmError(f"{path}: cannot read schema.yaml ({exc.strerror})") from None
            try:
                text = raw.decode("utf-8").removeprefix("\ufeff")
            except UnicodeDecodeError as exc:
                before = raw[: exc.start]
                line = before.count(b"\n") + 1
                col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")) + 1
                raise CrmError(f"{path}:{line}:{col}: not UTF-8 text; save schema.yaml as UTF-8") from None
        self.text = text
        self.digest = hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
        try:
            data, self._nodes = parse(text, track=True)
        except YamlProblem as exc:
            raise CrmError(f"{path}:{exc.line}:{exc.col}: {exc.message}") from None
        if not isinstance(data, dict):
            raise CrmError(f"{path}:1:1: schema.yaml must be a mapping (JSON Schema plus x-crm)")
        self.json = to_json({k: v for k, v in data.items()})
        xcrm = data.get("x-crm") or {}
        try:
            self.rules = _rules(xcrm if isinstance(xcrm, dict) else {})
        except (ValueError, TypeError, AttributeError, KeyError, OverflowError) as exc:
            line, col = locate(self._nodes, ("x-crm",))
            raise CrmError(f"{path}:{line}:{col}: x-crm is not as crm expects ({type(exc).__name__}: {exc}); "
                           "compare it with the x-crm block of the default schema.yaml") from None
        self.properties: dict = self.json.get("properties") or {}
        self.order: tuple[str, ...] = tuple(self.properties)
        self._fast = None
        self._detailed = None

    def locate(self, path: tuple) -> tuple[int, int]:
        """The 1-based (line, col) in schema.yaml of the value at `path` (or its nearest ancestor)."""
        return locate(self._nodes, path)

    def problems(self) -> list[Problem]:
        """Disagreements between the JSON Schema enums and the x-crm lists users edit."""
        r = self.rules
        checks = [
            (("properties", "grade", "enum"), tuple(r.grades), "x-crm.grades"),
            (("properties", "stage", "enum"), r.stages + r.exits, "x-crm.stages + x-crm.exits"),
            (("properties", "credit", "enum"), r.credit, "x-crm.credit"),
            (("properties", "log", "items", "properties", "via", "enum"), r.touch_kinds, "x-crm.touch_kinds"),
        ]
        found = []
        for path, expected, where in checks:
            node = self.json
            for step in path:
                node = node.get(step) if isinstance(node, dict) else None
            if node is not None and expected and list(node) != list(expected):
                line, col = locate(self._nodes, path)
                found.append(Problem(self.name, line, col, f"enum {list(node)} differs from {where} {list(expected)}"))
        return found

    def _validators(self):
        # Imported and checked here, not at load: listing from the cache never validates, and
        # importing jsonschema alone costs a tenth of a second on every command.
        if self._fast is None:
            import fastjsonschema
            import jsonschema

            try:
                jsonschema.Draft7Validator.check_schema(self.json)
            except jsonschema.SchemaError as exc:
                line, col = locate(self._nodes, tuple(exc.absolute_path))
                raise CrmError(f"{self.path}:{line}:{col}: not a valid JSON Schema: {exc.message}") from None
            self._fast = fastjsonschema.compile(self.json)
            self._detailed = jsonschema.Draft7Validator(self.json, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
        return self._fast, self._detailed

    def validate(self, data: Any, relpath: str, text: str | None = None, nodes: Node | None = None) -> list[Problem]:
        """Every problem with one record's data, each at its line and column."""
        if not isinstance(data, dict):
            return [Problem(relpath, 1, 1, "a record must be a mapping of fields (name: ..., country: ...)")]
        doc = to_json(data)
        fast, detailed = self._validators()
        errors: list[tuple[tuple, str]] = []
        try:
            fast(doc)
        except Exception as exc:  # fastjsonschema.JsonSchemaValueException, imported lazily
            errors = [
                (tuple(e.absolute_path), error_in_words(e))
                for e in sorted(detailed.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
            ]
            if not errors:
                path = tuple(exc.path[1:]) if exc.path else ()
                errors = [(path, _message(path, exc.message.replace("data.", "", 1)))]
        errors += _rule_errors(data, self.rules)
        errors += conflict_problems(relpath.rsplit("/", 1)[-1].removesuffix(".yaml"), data)
        if not errors:
            return []
        if nodes is None and text is not None:
            _, nodes = parse(text, track=True, problems=[])
        out = []
        for path, message in errors:
            line, col = locate(nodes, path)
            out.append(Problem(relpath, line, col, message))
        return sorted(set(out))


def _message(path: tuple, message: str) -> str:
    where = ".".join(str(p) for p in path)
    return f"{where}: {message}" if where else message


def _rule_errors(data: dict, rules: Rules) -> list[tuple[tuple, str]]:
    errors = []
    orders = data.get("orders")
    if isinstance(orders, list):
        for i, order in enumerate(orders):
            if isinstance(order, dict):
                cur = order.get("currency")
                if isinstance(cur, str) and cur not in rules.rates:
                    errors.append(
                        (("orders", i, "currency"), f"orders.{i}.currency: {cur} has no rate in schema.yaml x-crm.rates")
                    )
    return errors
