"""Export customers: CSV (UTF-8 with BOM, for Excel), XLSX (typed and coloured), vCards, and JSON.

The columns are the list's (`crm list`) plus the main contact's name, phone and email, under English or
Chinese headers that the import map reads back, so `crm import` of an export gives the same customers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata
from dataclasses import dataclass
from typing import IO, Any, Callable, Iterable

from tui.core.cadence import followup_state
from tui.core.catalog import Summary, birthday_soon
from tui.core.schema import Rules, to_json
from tui.core.sheetvalues import FORMULA_START
from tui.core.workspace import Workspace
from tui.core.yamlparse import YamlProblem, parse

FORMATS = ("csv", "xlsx", "vcf", "json")

# (summary field or contact key, English header, Chinese header). The English headers are the field
# names (what `crm list --json` calls them); both sets are in schema.yaml's x-crm.import.
COLUMNS = (
    ("id", "id", "客户ID"), ("name", "name", "客户名称"), ("name_local", "name_local", "中文名称"),
    ("country", "country", "国家"), ("region", "region", "区域"), ("city", "city", "城市"),
    ("industry", "industry", "所属行业"), ("grade", "grade", "客户等级"), ("stage", "stage", "跟进状态"),
    ("owner", "owner", "业务员"), ("credit", "credit", "信用评级"), ("tags", "tags", "标签"),
    ("contact", "contact", "联系人"), ("phone", "phone", "电话"), ("email", "email", "邮箱"),
    ("last_contact", "last_contact", "最近联系"), ("next_followup", "next_followup", "下次跟进"),
    ("next_action", "next_action", "下一步"), ("order_total", "order_total", "订单总额"),
    ("order_count", "order_count", "订单数"), ("value_tier", "value_tier", "价值层级"), ("frequency", "frequency", "频次"),
)
DATE_COLUMNS = ("last_contact", "next_followup")


@dataclass(frozen=True)
class Customer:
    """One exported customer: its list summary and its whole record."""

    summary: Summary
    data: dict

    def contact(self) -> dict:
        contacts = self.data.get("contacts")
        first = contacts[0] if isinstance(contacts, list) and contacts else {}
        return first if isinstance(first, dict) else {}

    def value(self, key: str) -> Any:
        if key in ("contact", "phone", "email"):
            found = self.contact().get("name" if key == "contact" else key)
            return "" if found is None else str(found)
        value = getattr(self.summary, key)
        return "; ".join(value) if key == "tags" else value

    def overdue(self, today: dt.date) -> bool:
        """A follow-up past its day, or an order whose payment is overdue: the articles' red rows."""
        if followup_state(self.summary.next_followup, today) == "overdue":
            return True
        orders = self.data.get("orders")
        return isinstance(orders, list) and any(isinstance(o, dict) and o.get("status") == "overdue" for o in orders)


def customers(ws: Workspace, summaries: Iterable[Summary]) -> Iterable[Customer]:
    """The whole record of each summary, read from disk (records that do not parse are left out)."""
    for s in summaries:
        try:
            text = ws.record_path(s.id).read_text(encoding="utf-8")
            data = parse(text)[0]
        except (OSError, UnicodeDecodeError, YamlProblem):
            continue
        if isinstance(data, dict):
            yield Customer(s, data)


def headers(language: str) -> list[str]:
    return [c[2] if language == "zh" else c[1] for c in COLUMNS]


def neutral(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) with a `'` in front;
    `crm import` takes the `'` off again."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def write_csv(out: IO[str], rows: Iterable[Customer], language: str = "en") -> int:
    """CSV with a BOM (Excel on Windows then reads UTF-8), one customer a row; returns the row count."""
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(headers(language))
    n = 0
    for c in rows:
        writer.writerow([neutral(_cell(c.value(key))) for key, _, _ in COLUMNS])
        n += 1
    return n


def _cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def write_xlsx(out: IO[bytes], rows: Iterable[Customer], rules: Rules, today: dt.date, language: str = "en") -> int:
    """A workbook: typed cells, a frozen header, an autofilter, widths that fit, and rows coloured as the
    articles do (red: follow-up or payment overdue; yellow: a contact's birthday within the window)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": False, "strings_to_formulas": False,
                                     "strings_to_urls": False, "strings_to_numbers": False})
    sheet = book.add_worksheet("customers")
    bold = book.add_format({"bold": True, "bottom": 1})
    fills = {None: {}, "red": {"bg_color": "#F8CBAD"}, "yellow": {"bg_color": "#FFF2CC"}}
    formats = {}
    for fill, props in fills.items():
        formats[fill, "text"] = book.add_format(props)
        formats[fill, "date"] = book.add_format({**props, "num_format": "yyyy-mm-dd"})
        formats[fill, "money"] = book.add_format({**props, "num_format": f'#,##0.00 "{rules.base_currency}"'})
        formats[fill, "int"] = book.add_format({**props, "num_format": "0"})
    names = headers(language)
    widths = [_cells(h) + 2 for h in names]
    sheet.write_row(0, 0, names, bold)
    r = 0
    for r, c in enumerate(rows, start=1):
        fill = "red" if c.overdue(today) else "yellow" if birthday_soon(c.summary, today, rules) else None
        for col, (key, _, _) in enumerate(COLUMNS):
            value = c.value(key)
            if key in DATE_COLUMNS and value:
                sheet.write_datetime(r, col, dt.datetime.fromisoformat(value), formats[fill, "date"])
                widths[col] = max(widths[col], 12)
            elif key == "order_total":
                sheet.write_number(r, col, value, formats[fill, "money"])
                widths[col] = max(widths[col], len(f"{value:,.2f}") + 6)
            elif key == "order_count":
                sheet.write_number(r, col, value, formats[fill, "int"])
            else:
                text = "" if value is None else str(value)
                sheet.write_string(r, col, text, formats[fill, "text"])
                widths[col] = max(widths[col], min(_cells(text) + 2, 50))
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(r, 1), len(COLUMNS) - 1)
    book.close()
    return r


def _card(c: Customer, contact: dict, index: int, version: str):
    import vobject

    card = vobject.vCard()
    person = bool(contact.get("name"))
    name = str(contact.get("name") or c.summary.name)
    card.add("fn").value = name
    if person:
        parts = name.rsplit(" ", 1)
        card.add("n").value = vobject.vcard.Name(family=parts[-1], given=parts[0] if len(parts) > 1 else "")
    elif version == "3.0":  # 3.0 requires N: an empty one, and Apple's mark that the card is a company
        card.add("n").value = vobject.vcard.Name()
        card.add("x-abshowas").value = "COMPANY"
    card.add("org").value = [c.summary.name]
    if contact.get("role"):
        card.add("title").value = str(contact["role"])
    for key, kind in (("phone", "WORK"), ("mobile", "CELL"), ("whatsapp", "CELL")):
        if contact.get(key):
            tel = card.add("tel")
            tel.value = str(contact[key])
            tel.type_param = kind if version == "3.0" else kind.lower()
    if contact.get("email"):
        mail = card.add("email")
        mail.value = str(contact["email"])
        mail.type_param = "INTERNET" if version == "3.0" else "work"
    if isinstance(contact.get("birthday"), dt.date):
        card.add("bday").value = contact["birthday"].isoformat()
    website = c.data.get("website")
    if website:
        card.add("url").value = str(website)
    if c.data.get("country") or c.data.get("city") or c.data.get("address"):
        card.add("adr").value = vobject.vcard.Address(street=str(c.data.get("address") or ""), city=str(c.data.get("city") or ""),
                                                      country=str(c.data.get("country") or ""))
    card.add("uid").value = f"{c.summary.id}-{index}"  # stable, so a phone updates the card on a second export
    if version == "4.0":
        card.add("kind").value = "individual" if person else "org"
    card.add("version").value = version
    return card


def write_vcards(out: IO[str], rows: Iterable[Customer], version: str = "3.0") -> int:
    """One vCard per contact, its company as ORG (a customer with no contacts gets one organisation card)."""
    n = 0
    for c in rows:
        contacts = [x for x in (c.data.get("contacts") or []) if isinstance(x, dict)] or [{}]
        for index, contact in enumerate(contacts):
            out.write(_card(c, contact, index, version).serialize())
            n += 1
    return n


def write_json(out: IO[str], rows: Iterable[Customer], dumps: Callable[[Any], str] = json.dumps) -> int:
    """A JSON array of whole records (dates as ISO strings), each with its id, one a line."""
    out.write("[\n")
    n = 0
    for c in rows:
        out.write(("," if n else "") + dumps({"id": c.summary.id, **to_json(c.data)}) + "\n")
        n += 1
    out.write("]\n")
    return n


def export(fmt: str, out: IO, rows: Iterable[Customer], rules: Rules, today: dt.date, language: str = "en",
           vcard_version: str = "3.0", dumps: Callable[[Any], str] = json.dumps) -> int:
    """Write `rows` to `out` (bytes for xlsx, text otherwise) in `fmt`; returns how many rows or cards."""
    if fmt == "csv":
        return write_csv(out, rows, language)
    if fmt == "xlsx":
        return write_xlsx(out, rows, rules, today, language)
    if fmt == "vcf":
        return write_vcards(out, rows, vcard_version)
    return write_json(out, rows, dumps)


def to_text(fmt: str, rows: Iterable[Customer], rules: Rules, today: dt.date, **options) -> str | bytes:
    """The export as one string (bytes for xlsx): for tests and small exports."""
    buffer: Any = io.BytesIO() if fmt == "xlsx" else io.StringIO()
    export(fmt, buffer, rows, rules, today, **options)
    return buffer.getvalue()
