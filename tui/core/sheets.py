"""Reading the files customers arrive in: CSV in whatever encoding Excel saved it, XLSX, and vCards.

Each reader gives a Sheet: the header row and the rows under it, with the line (or sheet row) each came
from, so that every message of an import can say where.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.core.errors import CrmError, UsageError

SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods", ".vcf", ".vcard")


@dataclass
class Sheet:
    """A table read from a file: `rows[i]` came from line `lines[i]` (1-based, as a spreadsheet numbers them)."""

    name: str
    headers: list[str]
    rows: list[list[Any]]
    lines: list[int]
    encoding: str = ""
    sheets: list[str] = field(default_factory=list)


def read_sheet(path: Path, sheet: str | None = None) -> Sheet:
    """The table in `path`, chosen by its suffix; a CrmError that names the file when it cannot be read."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UsageError(f"{path.name}: crm imports .csv, .xlsx and .vcf files; save the sheet as one of those")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except OSError as exc:
        raise CrmError(f"{path}: cannot read it ({exc.strerror})") from None
    if suffix in (".vcf", ".vcard"):
        return read_vcards(raw, path.name)
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        return read_workbook(path, sheet)
    if sheet:
        raise UsageError(f"{path.name} is a CSV file with one table; --sheet is for .xlsx workbooks")
    return read_csv(raw, path.name)


# ------------------------------------------------------------------ CSV


def detect_encoding(raw: bytes) -> str:
    """The encoding a CSV was saved in: a BOM says so; else UTF-8 if it decodes, UTF-16 if every other
    byte is zero (Excel's "Unicode text"), else GB18030 (what Chinese Excel writes; a superset of GBK)."""
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = raw[:4000]
    if len(head) >= 4 and head[1::2].count(0) > len(head) // 4:
        return "utf-16-le"
    if len(head) >= 4 and head[0::2].count(0) > len(head) // 4:
        return "utf-16-be"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        raw.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UsageError(f"line {line}: the file is in no encoding crm knows (UTF-8, UTF-16, GB18030/GBK); "
                         "save it from the spreadsheet as \"CSV UTF-8\"") from None


def read_csv(raw: bytes, name: str = "") -> Sheet:
    encoding = detect_encoding(raw)
    text = raw.decode(encoding)
    text = text.removeprefix("\ufeff")
    sample = text[:8000]
    delimiter = max(",;\t", key=lambda d: sample.split("\n", 1)[0].count(d))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: list[str] | None = None
    rows, lines = [], []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if headers is None:
                headers = [v.strip() for v in values]
                continue
            rows.append(values)
            lines.append(line)
    except csv.Error as exc:
        raise UsageError(f"{name}:{reader.line_num}: {exc}; check the quotes on that line") from None
    if headers is None:
        raise UsageError(f"{name}: the file is empty; it needs a header row and a row per customer")
    return Sheet(name, headers, rows, lines, encoding)


# ------------------------------------------------------------------ XLSX


def read_workbook(path: Path, sheet: str | None) -> Sheet:
    """One sheet of a workbook (the first unless `sheet` names another), cells typed as Excel holds them."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for broken files
        raise UsageError(f"{path.name}: not a workbook crm can read ({type(exc).__name__}); save it again as .xlsx") from None
    names = list(book.sheet_names)
    if sheet is None:
        chosen = names[0] if names else None
    elif sheet in names:
        chosen = sheet
    else:
        raise UsageError(f"{path.name} has no sheet {sheet!r}; its sheets are {', '.join(names)}")
    if chosen is None:
        raise UsageError(f"{path.name} has no sheets")
    table = book.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    headers: list[str] | None = None
    rows, lines = [], []
    for number, values in enumerate(table, start=1):
        if not any(v not in ("", None) for v in values):
            continue
        if headers is None:
            headers = ["" if v is None else str(v).strip() for v in values]
            continue
        rows.append(list(values))
        lines.append(number)
    if headers is None:
        raise UsageError(f"{path.name}: sheet {chosen!r} is empty; it needs a header row and a row per customer")
    return Sheet(chosen, headers, rows, lines, "xlsx", names)


# ------------------------------------------------------------------ vCard

VCARD_HEADERS = ["id", "Company", "Contact", "Position", "Phone", "Mobile", "Email", "Birthday", "Website", "Address",
                 "City", "Country", "Notes"]


def read_vcards(raw: bytes, name: str = "") -> Sheet:
    """One row per card, under the English headers of the import map (Company is the card's ORG)."""
    import vobject

    text = raw.decode(detect_encoding(raw)).removeprefix("\ufeff")
    rows, lines = [], []
    try:
        for card in vobject.readComponents(text, ignoreUnreadable=True):
            if card.name != "VCARD":
                continue
            line = getattr(card, "lineNumber", None) or len(rows) + 1
            rows.append(_card_row(card))
            lines.append(line)
    except Exception as exc:  # vobject's ParseError carries the line
        where = getattr(exc, "lineNumber", None)
        raise UsageError(f"{name}:{where or '?'}: not a vCard file crm can read ({exc})") from None
    return Sheet(name, list(VCARD_HEADERS), rows, lines, "vcard")


def _values(card, key: str) -> list:
    return [c.value for c in card.contents.get(key, [])]


def _card_row(card) -> list[str]:
    org = _values(card, "org")
    company = org[0] if org else []
    company = ";".join(p for p in company if p) if isinstance(company, list) else str(company)
    fn = _values(card, "fn")
    phones, mobiles = [], []
    for tel in card.contents.get("tel", []):
        kinds = {str(t).lower() for t in tel.params.get("TYPE", [])}
        (mobiles if kinds & {"cell", "mobile"} else phones).append(str(tel.value))
    adr = _values(card, "adr")
    street = city = country_name = ""
    if adr:
        a = adr[0]
        street = ", ".join(p for p in (_join(a.street), _join(a.region), _join(a.code)) if p)
        city, country_name = _join(a.city), _join(a.country)
    bday = _values(card, "bday")
    person = "" if _is_org(card) else (fn[0] if fn else "")
    return [_crm_id(_first(_values(card, "uid"))), company or (fn[0] if fn else ""), person, _first(_values(card, "title")),
            phones[0] if phones else "", mobiles[0] if mobiles else "", _first(_values(card, "email")),
            str(bday[0]) if bday else "", _first(_values(card, "url")), street, city, country_name,
            _first(_values(card, "note"))]


def _is_org(card) -> bool:
    """A card of a company, not a person (vCard 4 KIND:org; Apple's X-ABShowAs:COMPANY in 3.0)."""
    return (_first(_values(card, "kind")).lower() == "org"
            or _first(_values(card, "x-abshowas")).upper() == "COMPANY")


def _crm_id(uid: str) -> str:
    """The customer id in a UID that `crm export` wrote (`ID-N`, N the contact's place); "" for any other UID."""
    uid = uid.strip()
    if re.fullmatch(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", uid):
        return ""  # a UUID, as other programs write them: no customer id in it
    found = re.fullmatch(r"([a-z0-9]+(?:-[a-z0-9]+)*)-(\d+)", uid)
    return found.group(1) if found else ""


def _join(part: Any) -> str:
    return " ".join(part) if isinstance(part, list) else str(part or "")


def _first(values: list) -> str:
    return str(values[0]) if values else ""
