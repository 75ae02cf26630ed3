"""Import customers from a spreadsheet (CSV, XLSX) or vCards: a plan row by row, then one commit.

    plan = plan_import(ws, Path("customers.xlsx"), today=today)      # the dry run: nothing is written
    change = run_import(ws, Path("customers.xlsx"), today=today)     # one commit, all or nothing

Columns are mapped to fields by the header map in schema.yaml (x-crm.import); a column with no mapping
is kept under a key of its own name, so nothing in a row is lost. A row that matches a customer of the
workspace (duplicates.Matcher: email, phone, domain, name) updates it, splicing only the values that
differ (yamledit keeps the rest of the file as the user wrote it); rows that match each other inside
the file become one customer. Re-running the same import finds nothing to change.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from tui.core import sheetvalues as sv
from tui.core.changes import QUOTED_FIELDS, keys_before, record_text
from tui.core.display import printable, show_value
from tui.core.duplicates import Matcher, profile, summaries_matcher
from tui.core.errors import NothingToChange, UsageError
from tui.core.identity import email_key, name_key, phone_e164
from tui.core.newcustomer import new_defaults
from tui.core.record import Record, check_text, decode, digest_of, read_raw, read_record
from tui.core.sheets import Sheet, read_sheet
from tui.core.workspace import ID_PATTERN, Workspace
from tui.core.yamledit import EditError, append_value, set_value
from tui.core.yamlparse import YamlProblem, parse

SHEET_ORDER = "sheet total"  # the ref of the order an import keeps a sheet's purchase amount in
DERIVED = "derived"
SKIP = "-"
SPECIAL = ("id", "order.amount", "order.date", "cooperation_years")
UNION = ("tags", "products", "payment_terms")  # lists a sheet adds to rather than replaces
CONTACT_KEYS = ("email", "phone", "mobile", "whatsapp")

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Column:
    """Where one column of the sheet goes: a field path, a special target, a plain key, or nowhere."""

    header: str
    target: str
    kind: str  # field | plain (kept under its own key) | derived (crm computes it) | skip (--map H=-)

    def describe(self) -> str:
        if self.kind == "derived":
            return "(computed by crm, not stored)"
        if self.kind == "skip":
            return "(skipped by --map)"
        return self.target + (" (kept as it is)" if self.kind == "plain" else "")


@dataclass
class RowPlan:
    """What the import does with one row."""

    line: int
    action: str  # new | update | same | duplicate | invalid
    rid: str = ""
    name: str = ""
    fields: tuple[str, ...] = ()
    why: str = ""

    def describe(self) -> str:
        name = show_value(self.name, 40)
        if self.action == "new":
            return f"new {self.rid} {name}"
        kept = f"; {self.why}" if self.why else ""
        if self.action == "update":
            return f"update {self.rid} ({name}): {', '.join(self.fields)}{kept}"
        if self.action == "same":
            return f"unchanged {self.rid} ({name}){kept}"
        if self.action == "duplicate":
            return f"duplicate of {self.rid} ({name}), merged" + (f": {self.why}" if self.why else "")
        return f"invalid: {self.why}"


@dataclass
class Plan:
    source: str
    sheet: Sheet
    columns: list[Column]
    rows: list[RowPlan]
    new: dict[str, str] = field(default_factory=dict)  # rid -> text
    updates: dict[str, tuple[Record, str]] = field(default_factory=dict)  # rid -> (record as read, new text)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def updated(self) -> int:
        return len(self.updates)

    @property
    def message(self) -> str:
        return f"import {self.source}: {len(self.new)} new, {self.updated} updated, {self.count('invalid')} skipped"

    @property
    def body(self) -> str:
        return "\n".join(f"row {r.line}: {r.describe()}" for r in self.rows if r.action != "same")

    def as_json(self) -> dict:
        return {
            "file": self.source, "sheet": self.sheet.name, "encoding": self.sheet.encoding,
            "columns": [{"header": c.header, "to": c.target if c.kind in ("field", "plain") else None, "kind": c.kind}
                        for c in self.columns],
            "rows": [{"line": r.line, "action": r.action, "id": r.rid or None, "name": r.name or None,
                      "fields": list(r.fields), "why": r.why or None} for r in self.rows],
            "new": len(self.new), "updated": self.updated, "duplicates": self.count("duplicate"),
            "unchanged": self.count("same"), "skipped": self.count("invalid"),
        }


# ------------------------------------------------------------------ the header map


def normal_header(text: str) -> str:
    """A header as the map compares it: case, spaces, underscores, dashes and colons do not count."""
    return " ".join(re.sub(r"[\s_\-:：*]+", " ", str(text).casefold()).split())


def header_map(ws: Workspace) -> dict[str, str]:
    """Normalised header -> target, from schema.yaml x-crm.import (the default schema's when it has none)."""
    block = (ws.schema.json.get("x-crm") or {}).get("import")
    if not isinstance(block, dict):
        from tui.core.create import sample_dir
        from tui.core.schema import Schema

        block = (Schema(sample_dir() / "schema.yaml").json.get("x-crm") or {}).get("import") or {}
    out: dict[str, str] = {}
    for target, headers in block.items():
        for header in headers if isinstance(headers, list) else [headers]:
            out.setdefault(normal_header(header), str(target))
    return out


def plain_key(header: str, index: int) -> str:
    """The key an unmapped column is kept under: its header in lower case, words joined by `_`."""
    key = "_".join(re.sub(r"[^\w]+", " ", header.casefold()).split())
    return key or f"column_{index + 1}"


def map_columns(ws: Workspace, headers: list[str], overrides: dict[str, str]) -> list[Column]:
    """Each header's destination. `overrides` (--map HEADER=FIELD) win; a second column for a field
    already taken is kept under its own key instead of overwriting the first."""
    known = header_map(ws)
    given = {normal_header(h): t for h, t in overrides.items()}
    unknown = [h for h in overrides if normal_header(h) not in {normal_header(x) for x in headers}]
    if unknown:
        raise UsageError(f"--map {printable(unknown[0], True)}=...: the sheet has no such column; its columns are "
                         f"{', '.join(printable(h, True) for h in headers if h)}")
    check_targets(ws, overrides)
    fields = set(ws.schema.order)
    taken: set[str] = set()
    columns = []
    for i, header in enumerate(headers):
        norm = normal_header(header)
        target = given.get(norm) or known.get(norm)
        if target == SKIP:
            columns.append(Column(header, "", "skip"))
            continue
        if target == DERIVED:
            columns.append(Column(header, "", DERIVED))
            continue
        if target is None or target in taken:
            key = plain_key(header, i)
            if key in fields or key in taken or key in SPECIAL:
                key = f"sheet_{key}"
            target, kind = key, "plain"
        else:
            kind = "field"
        taken.add(target)
        columns.append(Column(header, target, kind))
    return columns


def map_targets(ws: Workspace) -> list[str]:
    """The fields --map may send a column to: the schema's, its contacts' (contacts.0.KEY), and the import map's."""
    contact = ((ws.schema.properties.get("contacts") or {}).get("items") or {}).get("properties") or {}
    out = [*ws.schema.order, *(f"contacts.0.{k}" for k in contact), *SPECIAL, *header_map(ws).values()]
    return [t for t in dict.fromkeys(out) if t not in (DERIVED, "contacts", "orders", "log", "conflicts", "merged_from")]


def check_targets(ws: Workspace, overrides: dict[str, str]) -> None:
    """A UsageError for --map HEADER=FIELD whose FIELD is none crm knows, listing those it knows (as `crm set` does)."""
    known = map_targets(ws)
    for header, target in overrides.items():
        if target != SKIP and target not in known:
            near = difflib.get_close_matches(target, known, n=3, cutoff=0.6)
            hint = f"did you mean {' or '.join(near)}? " if near else ""
            raise UsageError(f"--map {printable(header, True)}={printable(target, True)}: {printable(target, True)} is not a "
                             f"field in schema.yaml; {hint}the fields are {', '.join(known)} (or - to skip the column)")


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """--map HEADER=FIELD arguments as a dict; a UsageError for one without `=`."""
    out = {}
    for pair in pairs:
        header, sep, target = pair.partition("=")
        if not sep or not header.strip() or not target.strip():
            raise UsageError(f"--map {printable(pair, True)!r}: write it as HEADER=FIELD (e.g. --map 客户等级=grade, or HEADER=- to skip)")
        out[header.strip()] = target.strip()
    return out


# ------------------------------------------------------------------ one row as record data


def _parser(target: str, ws: Workspace) -> Callable[[Any], Any]:
    rules = ws.rules
    leaf = target.rsplit(".", 1)[-1]
    table: dict[str, Callable[[Any], Any]] = {
        "country": sv.country,
        "grade": lambda v: sv.grade(v, tuple(rules.grades)),
        "stage": lambda v: sv.stage(v, rules.stages + rules.exits),
        "credit": lambda v: sv.credit(v, rules.credit),
        "employees": sv.integer,
        "website": sv.website,
        "email": sv.email,
        "phone": sv.phone, "mobile": sv.phone, "whatsapp": sv.phone,
        "birthday": sv.day, "expected_close": sv.day, "cooperation_since": sv.day, "order.date": sv.day,
        "cooperation_years": sv.years, "founded": _founded, "notes": sv.text, "id": sv.clean,
        "order.amount": lambda v: sv.money(v, rules.base_currency),
    }
    if target in UNION:
        return sv.words
    return table.get(target if target in table else leaf, sv.text)


def _founded(value: Any) -> Any:
    """A founding year (2010) or day; text when it is neither."""
    text = sv.clean(value)
    if re.fullmatch(r"(1[89]|20)\d\d(\s*年)?", text):
        return int(text[:4])
    try:
        return sv.day(value)
    except ValueError:
        return text


def row_data(columns: list[Column], values: list[Any], parsers: list, today: dt.date) -> tuple[dict, list[str]]:
    """The record data one row gives (contacts as a list of one, the sheet's total as an order), and the
    problems of its cells, each naming its column."""
    data: dict[str, Any] = {}
    contact: dict[str, Any] = {}
    order: dict[str, Any] = {}
    problems = []
    for column, parse_cell, value in zip(columns, parsers, values):
        if column.kind in ("derived", "skip") or value is None or value == "" or (isinstance(value, str) and value.isspace()):
            continue
        value = sv.unneutral(value)
        if column.kind == "plain":
            data[column.target] = sv.text(value)
            continue
        try:
            parsed = parse_cell(value)
        except ValueError as exc:
            problems.append(f"column {printable(column.header, True)}: {printable(exc, True)}")
            continue
        if column.target.startswith("contacts.0."):
            key = column.target[len("contacts.0."):]
            if key in CONTACT_KEYS[1:] and _is_email(parsed):  # 联系方式 holds a phone or an email
                key = "email" if "email" not in contact else key
            contact[key] = parsed
        elif column.target == "order.amount":
            order["amount"], order["currency"] = parsed
        elif column.target == "order.date":
            order["date"] = parsed
        elif column.target == "owner" and not _is_email(parsed):
            data["salesperson"] = parsed  # a name, not an account: kept, and --owner decides the owner
        else:
            data[column.target] = parsed
    if contact:
        if "name" not in contact:
            contact["name"] = data.get("name", "")
        data["contacts"] = [contact]
    if "amount" in order:
        data["orders"] = [{"date": order.get("date", today), "ref": SHEET_ORDER, "amount": order["amount"],
                           "currency": order["currency"], "status": "paid"}]
        data["_order_dated"] = "date" in order
    elif "date" in order:
        data["last_order"] = order["date"]
    return data, problems


def _is_email(value: Any) -> bool:
    return isinstance(value, str) and bool(re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value))


# ------------------------------------------------------------------ merging a row into a customer


def _same_contact(a: dict, b: dict) -> bool:
    for key in ("email",):
        if a.get(key) and b.get(key) and email_key(str(a[key])) == email_key(str(b[key])):
            return True
    phones_a = {phone_e164(str(a[k])) for k in CONTACT_KEYS[1:] if a.get(k)} - {None}
    phones_b = {phone_e164(str(b[k])) for k in CONTACT_KEYS[1:] if b.get(k)} - {None}
    if phones_a & phones_b:
        return True
    return bool(a.get("name")) and name_key(str(a["name"])) == name_key(str(b.get("name") or ""))


def _contact_index(contacts: Any, contact: dict) -> int | None:
    if not isinstance(contacts, list):
        return None
    for i, known in enumerate(contacts):
        if isinstance(known, dict) and _same_contact(known, contact):
            return i
    return None


def _has_number(contact: dict, number: Any) -> bool:
    numbers = {phone_e164(str(contact[k])) for k in CONTACT_KEYS[1:] if contact.get(k)} - {None}
    return phone_e164(str(number)) in numbers


def _order_index(orders: Any) -> int | None:
    if not isinstance(orders, list):
        return None
    return next((i for i, o in enumerate(orders) if isinstance(o, dict) and o.get("ref") == SHEET_ORDER), None)


def _equal(old: Any, new: Any) -> bool:
    if old == new:
        return True
    return isinstance(new, str) and not isinstance(old, (list, dict)) and old is not None and sv.clean(old) == new


def _same_order(a: Any, b: dict) -> bool:
    """One order twice: the same ref, date, amount and currency."""
    return isinstance(a, dict) and all(_equal(a.get(k), b.get(k)) for k in ("ref", "date", "amount", "currency"))


def _kept(where: str, old: Any, new: Any) -> str:
    return f"kept {where} {show_value(old, 30)} (this row says {show_value(new, 30)})"


def merge_rows(base: dict, extra: dict, today: dt.date) -> list[str]:
    """Fold a later row of the same customer into `base` (a new customer's data): what it adds is taken (its
    orders too), what it says differently is left as the first row has it (returned, to show in the dry run)."""
    kept = []
    for key, value in extra.items():
        if key.startswith("_"):
            continue
        if key == "cooperation_years":
            since = sv.years_before(today, value)
            if base.get("cooperation_since", since) != since:
                kept.append(_kept("cooperation_since", base["cooperation_since"], f"{value} years: {since}"))
            base.setdefault("cooperation_since", since)
        elif key == "contacts":
            for contact in value:
                i = _contact_index(base.get("contacts"), contact)
                if i is None:
                    base.setdefault("contacts", []).append(contact)
                    continue
                for k, v in contact.items():
                    old = base["contacts"][i].setdefault(k, v)
                    if not _equal(old, v):
                        kept.append(_kept(f"contacts.{i}.{k}", old, v))
        elif key == "orders":
            orders = base.setdefault("orders", [])
            orders += [o for o in value if not any(_same_order(x, o) for x in orders)]
        elif key in UNION:
            base[key] = list(dict.fromkeys([*(base.get(key) or []), *value]))
        elif key not in base:
            base[key] = value
        elif not _equal(base[key], value):
            kept.append(_kept(key, base[key], value))
    return kept


class Update:
    """The text of an existing record as this import changes it, row after row."""

    def __init__(self, record: Record, order: tuple[str, ...], today: dt.date):
        self.record = record
        self.text = record.text or ""
        self.data = record.data or {}
        self.order = order
        self.today = today
        self.given: set[str] = set()  # fields an earlier row of this file gave: the first row wins, as in merge_rows
        self.kept: list[str] = []  # what the last row said that an earlier row's value won over

    def apply(self, row: dict, by_id: bool) -> list[str]:
        """Splice in what `row` says differently; returns the changed field paths. EditError leaves the text as it was."""
        text, changed = self.text, []
        self.kept = []
        for key, value in row.items():
            if key.startswith("_") or (key == "name" and not by_id):
                continue
            old = self.data.get(key)
            if key == "orders" and key in self.given:
                text = self._more_orders(text, value, changed)
                continue
            if key in self.given and key not in UNION:
                if key != "cooperation_years" and not _equal(old, value):
                    self.kept.append(_kept(key, old, value))
                continue
            if key == "contacts":
                text = self._contacts(text, value, changed)
            elif key == "orders":
                text = self._order(text, value[0], row.get("_order_dated", False), changed)
            elif key == "cooperation_years":
                continue
            elif key in UNION:
                merged = list(dict.fromkeys([*(old if isinstance(old, list) else []), *value]))
                if merged != old:
                    text = self._set(text, (key,), merged, changed)
            elif not _equal(old, value):
                text = self._set(text, (key,), value, changed)
        if "cooperation_years" in row and "cooperation_years" not in self.given:
            text = self._cooperation(text, row["cooperation_years"], changed)
        self.given.update(k for k in row if k not in ("contacts",))
        self.text = text
        self.data = parse(text)[0] if changed else self.data
        return changed

    def _now(self, text: str) -> dict:
        """The data of `text`: the record's as read while this row has changed nothing yet."""
        return self.data if text is self.text else parse(text)[0]

    def _set(self, text: str, path: tuple, value: Any, changed: list[str]) -> str:
        after = keys_before(self.order, path[0]) if len(path) == 1 else ()
        style = '"' if path[-1] in QUOTED_FIELDS else None
        changed.append(".".join(map(str, path)))
        return set_value(text, path, value, after=after, style=style)

    def _contacts(self, text: str, contacts: list[dict], changed: list[str]) -> str:
        for contact in contacts:
            known = self._now(text).get("contacts")
            i = _contact_index(known, contact)
            if i is None:
                changed.append("contacts")
                text = append_value(text, ("contacts",), contact, after=keys_before(self.order, "contacts"))
                continue
            for k, v in contact.items():
                path = f"contacts.{i}.{k}"
                if k in CONTACT_KEYS[1:] and k not in known[i] and _has_number(known[i], v):
                    continue  # the contact has this number already, under another kind
                if path in self.given and not _equal(known[i].get(k), v):
                    self.kept.append(_kept(path, known[i].get(k), v))
                elif path not in self.given and not _equal(known[i].get(k), v) and not (k == "name" and known[i].get(k)):
                    text = self._set(text, ("contacts", i, k), v, changed)
                self.given.add(path)
        return text

    def _order(self, text: str, order: dict, dated: bool, changed: list[str]) -> str:
        orders = self._now(text).get("orders")
        i = _order_index(orders)
        if i is None:
            changed.append("orders")
            return append_value(text, ("orders",), order, after=keys_before(self.order, "orders"))
        for k in ("amount", "currency") + (("date",) if dated else ()):
            if not _equal(orders[i].get(k), order[k]):
                text = self._set(text, ("orders", i, k), order[k], changed)
        return text

    def _more_orders(self, text: str, orders: list[dict], changed: list[str]) -> str:
        """A later row's orders: added unless the record has each already."""
        for order in orders:
            if not any(_same_order(o, order) for o in self._now(text).get("orders") or []):
                changed.append("orders")
                text = append_value(text, ("orders",), order, after=keys_before(self.order, "orders"))
        return text

    def _cooperation(self, text: str, count: int, changed: list[str]) -> str:
        since = self.data.get("cooperation_since")
        if isinstance(since, dt.date) and _whole_years(since, self.today) == count:
            return text
        return self._set(text, ("cooperation_since",), sv.years_before(self.today, count), changed)


def _whole_years(since: dt.date, today: dt.date) -> int:
    return today.year - since.year - ((today.month, today.day) < (since.month, since.day))


# ------------------------------------------------------------------ the plan


def _problems(ws: Workspace, relpath: str, text: str, known: set[str]) -> list[str]:
    _, problems = check_text(ws.schema, relpath, text)
    return [p.message for p in problems if p.message not in known]


class _Planner:
    def __init__(self, ws: Workspace, sheet: Sheet, columns: list[Column], today: dt.date, owner: str | None,
                 read: Callable[[str], Record]):
        self.ws, self.sheet, self.columns, self.today, self.owner, self.read = ws, sheet, columns, today, owner, read
        self.parsers = [_parser(c.target, ws) for c in columns]
        self.matcher = Matcher(ws.rules)
        self.news: dict[str, dict] = {}
        self.rows_of: dict[str, list[RowPlan]] = {}
        self.updates: dict[str, Update] = {}
        self.applied: dict[str, list[tuple[dict, bool]]] = {}  # the rows that went to each record, in order
        self.peeked: set[str] = set()  # records only parsed so far (see _update)
        self.rows: list[RowPlan] = []

    def index_workspace(self) -> None:
        from tui.core.store import load_catalog

        self.matcher = summaries_matcher(load_catalog(self.ws).summaries.values(), self.ws.rules)

    def row(self, line: int, values: list[Any]) -> None:
        data, problems = row_data(self.columns, values, self.parsers, self.today)
        name = str(data.get("name") or "")
        if problems:
            self.rows.append(RowPlan(line, "invalid", name=name, why="; ".join(problems)))
            return
        given = str(data.pop("id", "") or "")
        if given and (given in self.news or given in self.updates or self.ws.exists(given)):
            self._to(given, line, data, by_id=True)
            return
        if not name:
            self.rows.append(RowPlan(line, "invalid", why=self._missing("name")))
            return
        known = profile("", data, self.ws.rules)
        own_id = bool(given) and bool(ID_PATTERN.match(given))  # an id the file carries says which customer it is
        matches = [] if own_id else self.matcher.candidates_of(known)
        if matches:
            self._to(matches[0].keep, line, data, by_id=False, why="; ".join(matches[0].reasons))
            return
        if not data.get("country"):
            self.rows.append(RowPlan(line, "invalid", name=name, why=self._missing("country")))
            return
        rid = given if own_id else self._new_id(name)
        if "cooperation_years" in data:
            data.setdefault("cooperation_since", sv.years_before(self.today, data.pop("cooperation_years")))
        data.pop("_order_dated", None)
        self._defaults(data)
        self.news[rid] = data
        plan = RowPlan(line, "new", rid, name, tuple(k for k in data if not k.startswith("_")))
        self.rows_of[rid] = [plan]
        self.rows.append(plan)
        self.matcher.add_profile(known._replace(id=rid))  # what the profile reads of `data` is as it was matched

    def _defaults(self, data: dict) -> None:
        """What `crm new` gives a new customer: grade x-crm.new_grade and the first stage; its owner is the sheet's
        owner column, else --owner, else none (the public pool)."""
        for key, value in new_defaults(self.ws.schema, self.owner or "", pool=not self.owner).items():
            data.setdefault(key, value)

    def _missing(self, target: str) -> str:
        column = next((c.header for c in self.columns if c.target == target), None)
        if column:
            return f"no {target}: column {printable(column, True)} is empty"
        return f"no {target}: the sheet has no {target} column (name one with --map HEADER={target})"

    def _new_id(self, name: str) -> str:
        while True:
            rid = self.ws.new_id(name)
            if rid not in self.news:
                return rid

    def _to(self, rid: str, line: int, data: dict, by_id: bool, why: str = "") -> None:
        if rid in self.news:
            kept = merge_rows(self.news[rid], data, self.today)
            self.matcher.add(rid, self.news[rid])
            plan = RowPlan(line, "duplicate", rid, str(self.news[rid].get("name", "")), why="; ".join([why] * bool(why) + kept))
            self.rows_of[rid].append(plan)
            self.rows.append(plan)
            return
        update = self._update(rid, data, by_id)
        name = str(update.data.get("name", rid))
        if update.record.data is None:
            self.rows.append(RowPlan(line, "invalid", rid, name, why=f"{update.record.relpath} does not parse; fix it first"))
            return
        before = update.text
        known = {p.message for p in update.record.problems}
        try:
            changed = update.apply(data, by_id)
            problems = _problems(self.ws, update.record.relpath, update.text, known) if changed else []
        except (EditError, YamlProblem) as exc:
            problems = [f"cannot change {update.record.relpath} in place ({printable(exc, True)}); edit it by hand"]
        if problems:
            update.text, update.data = before, parse(before)[0]
            self.rows.append(RowPlan(line, "invalid", rid, name, why="; ".join(problems)))
            return
        self.rows.append(RowPlan(line, "update" if changed else "same", rid, name, tuple(dict.fromkeys(changed)),
                                 why="; ".join(update.kept)))
        self.applied.setdefault(rid, []).append((data, by_id))

    def _update(self, rid: str, data: dict, by_id: bool) -> Update:
        """The record a row goes to, as this import has changed it so far. It is first only peeked at (parsed,
        not validated, its hand edits not committed): a re-import's rows change nothing, and then that is all
        they need. The first row that would change it reads it properly (`read`: validated, hand edits
        committed first) and replays the rows before it."""
        update = self.updates.get(rid)
        if update is None:
            update = self.updates[rid] = self._peek(rid)
        if rid not in self.peeked or not self._would_change(update, data, by_id):
            return update
        self.peeked.discard(rid)
        update = self.updates[rid] = Update(self.read(rid), self.ws.schema.order, self.today)
        for row, row_by_id in self.applied.get(rid, ()):
            update.apply(row, row_by_id)  # they changed nothing: this only rebuilds what they gave
        return update

    def _peek(self, rid: str) -> Update:
        relpath = f"records/{rid}.yaml"
        path = self.ws.require(rid)
        raw, _ = read_raw(path, relpath)
        text = decode(raw, relpath)[0] if raw is not None else None
        try:
            data = parse(text)[0] if text is not None else None
        except YamlProblem:
            data = None
        if not isinstance(data, dict):  # it does not parse: read it properly, for the same refusal or message
            return Update(self.read(rid), self.ws.schema.order, self.today)
        self.peeked.add(rid)
        return Update(Record(rid, path, relpath, text, digest_of(raw), data), self.ws.schema.order, self.today)

    @staticmethod
    def _would_change(update: Update, data: dict, by_id: bool) -> bool:
        text, given, now = update.text, set(update.given), update.data
        try:
            return bool(update.apply(data, by_id))
        except (EditError, YamlProblem):
            return True
        finally:
            update.text, update.given, update.data = text, given, now

    def finish(self) -> tuple[dict[str, str], dict[str, tuple[Record, str]]]:
        new = {}
        for rid, data in self.news.items():
            text = record_text(self.ws.schema.order, data)
            # The data the text was rendered from is validated as it is (yamledit's renderer round-trips), which
            # spares parsing 10,000 new texts again.
            problems = [p.message for p in self.ws.schema.validate(data, f"records/{rid}.yaml", text=text)]
            if problems:
                for plan in self.rows_of[rid]:
                    plan.action, plan.why = "invalid", "; ".join(problems)
                continue
            new[rid] = text
        updates = {rid: (u.record, u.text) for rid, u in self.updates.items() if u.text != (u.record.text or "")}
        for plan in self.rows:  # a row that changed a record a later row set back: the record is unchanged
            if plan.action == "update" and plan.rid not in updates:
                plan.action = "same"
        return new, updates


def plan_import(ws: Workspace, path: Path, *, today: dt.date, sheet: str | None = None,
                mapping: dict[str, str] | None = None, owner: str | None = None,
                read: Callable[[str], Record] | None = None, progress: Progress | None = None) -> Plan:
    """What importing `path` would do, row by row; writes nothing. `read` reads a record to update
    (inside a transaction, `tx.read`, so pending hand edits are committed first)."""
    if owner is not None and not _is_email(owner):
        raise UsageError(f"--owner {printable(owner, True)!r} is not an email address")
    table = read_sheet(path, sheet)
    columns = map_columns(ws, table.headers, mapping or {})
    if not any(c.kind == "field" for c in columns):
        raise UsageError(f"{path.name}: no column header is one crm knows ({', '.join(printable(h, True) for h in table.headers[:8])}); "
                         "name them with --map HEADER=FIELD, or add them to x-crm.import in schema.yaml")
    read = read or (lambda rid: read_record(ws.schema, rid, ws.require(rid), f"records/{rid}.yaml"))
    planner = _Planner(ws, table, columns, today, owner, read)
    planner.index_workspace()
    total = len(table.rows)
    width = len(columns)
    for n, (line, values) in enumerate(zip(table.lines, table.rows), start=1):
        planner.row(line, (list(values) + [None] * width)[:width])
        if progress and (n % 200 == 0 or n == total):
            progress("reading", n, total)
    new, updates = planner.finish()
    return Plan(path.name, table, columns, planner.rows, new, updates)


def file_stamp(path: Path) -> tuple[int, int, str] | None:
    """Size, modification time and SHA-256 of a file, to tell whether it changed since a dry run; None when unreadable."""
    import hashlib

    try:
        stat = path.stat()
        with open(path, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns, digest


def run_import(ws: Workspace, path: Path, *, today: dt.date, sheet: str | None = None,
               mapping: dict[str, str] | None = None, owner: str | None = None, progress: Progress | None = None):
    """Import `path` as one commit; returns (plan, change). NothingToChange when the workspace already
    holds everything the file says (its `plan` attribute is the plan)."""
    from tui.core.transaction import Transaction

    with Transaction(ws, "crm import") as tx:
        tx.prefetch()
        plan = plan_import(ws, path, today=today, sheet=sheet, mapping=mapping, owner=owner, read=tx.read, progress=progress)
        items = [(tx.blank(rid), text) for rid, text in plan.new.items()]
        items += list(plan.updates.values())
        land_progress = (lambda done, total: progress("writing", done, total)) if progress else None
        try:
            change = tx.land_many(items, plan.message, body=plan.body, checked=True, progress=land_progress)
        except NothingToChange as exc:
            exc.plan = plan  # what the file says, row by row: the caller shows it without planning again
            raise
    return plan, change
