"""crm import: real files in every encoding and both workbook writers, the header vocabulary, duplicate
rows, re-imports, all-or-nothing, and the value parsers (hypothesis)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from conftest import TODAY, git
from tui.core import sheetvalues as sv
from tui.core.gitrepo import Git
from tui.core.importer import run_import
from tui.core.workspace import Workspace

ZH = ["编号", "客户名称", "联系人", "所在地区", "所属行业", "联系方式", "合作年限", "采购金额", "信用评级", "备注"]
ARTICLE = [["001", "ABC有限公司", "李经理", "美国", "制造业", "139 1234 5678", "5年", "20,000美元", "AAA级", "老客户"],
           ["002", "DEF有限公司", "张女士", "德国", "服务业", "138 8765 4321", "2年", "15,000欧元", "BBB级", "展会认识"]]


def write_csv(path: Path, headers: list[str], rows: list[list], encoding: str = "utf-8", delimiter: str = ",") -> Path:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def plan(crm, path: Path, *args: str) -> dict:
    proc = crm("import", str(path), "--dry-run", "--json", *args)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def commits(ws: Path) -> int:
    return int(git(ws, "rev-list", "--count", "HEAD"))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_csv_in_each_encoding_reads_the_article_template(crm, workspace, tmp_path, encoding):
    sheet = write_csv(tmp_path / "customers.csv", ZH, ARTICLE, encoding)
    out = plan(crm, sheet)
    assert [r["action"] for r in out["rows"]] == ["new", "new"]
    assert [r["name"] for r in out["rows"]] == ["ABC有限公司", "DEF有限公司"]
    before = commits(workspace)
    proc = crm("import", str(sheet))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "import customers.csv: 2 new, 0 updated, 0 skipped"
    assert commits(workspace) == before + 1
    texts = {p.read_text(encoding="utf-8") for p in (workspace / "records").glob("abc-*.yaml")}
    text = texts.pop()
    assert 'country: "US"' in text and "credit: AAA" in text and "phone: 139 1234 5678" in text
    assert "amount: 20000\n    currency: USD" in text
    assert "cooperation_since: 2021-11-23" in text  # 5年 counted back from CRM_TODAY


def test_gbk_tab_separated_text_is_read(crm, tmp_path):
    sheet = write_csv(tmp_path / "customers.txt", ZH, ARTICLE, "gbk", delimiter="\t")
    out = plan(crm, sheet)
    assert out["encoding"] == "gb18030"
    assert [c["to"] for c in out["columns"]][:4] == ["number", "name", "contacts.0.name", "country"]


def _xlsx_rows():
    return [["Company", "Country", "Contact", "Phone", "Birthday", "Last order", "Order amount", "Employees"],
            ["Nordlys Belysning AS", "Norway", "Ola Nordmann", 4722334455, dt.date(1980, 5, 17), 45726, "USD 1,200", 85.0],
            ["Bayern Licht GmbH", "DE", "Anna Huber", "+49 89 123456", "1985/3/10", dt.date(2025, 1, 5), "¥8,000", "120人"]]


def test_xlsx_by_xlsxwriter_with_typed_cells(crm, workspace, tmp_path):
    import xlsxwriter

    path = tmp_path / "book.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("ignored")
    sheet = book.add_worksheet("Kunden")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(_xlsx_rows()):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), dates)
            else:
                sheet.write(r, c, value)
    book.close()
    _check_workbook(crm, workspace, path, "Kunden")


def test_xlsx_by_openpyxl_with_typed_cells(crm, workspace, tmp_path):
    import openpyxl

    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "ignored"
    sheet = book.create_sheet("Kunden")
    for row in _xlsx_rows():
        sheet.append(row)
    book.save(path)
    _check_workbook(crm, workspace, path, "Kunden")


def _check_workbook(crm, workspace, path, name):
    missing = crm("import", str(path), "--sheet", "Nope")
    assert missing.returncode == 2 and "has no sheet 'Nope'" in missing.stderr and "Kunden" in missing.stderr
    assert crm("import", str(path), "--sheet", name).returncode == 0
    records = {p.read_text(encoding="utf-8") for p in (workspace / "records").glob("*.yaml")}
    nordlys = next(t for t in records if "Nordlys" in t)
    assert 'country: "NO"' in nordlys
    assert "phone: 4722334455\n" in nordlys or 'phone: "4722334455"' in nordlys
    assert "birthday: 1980-05-17" in nordlys and "date: 2025-03-10" in nordlys  # serial 45726
    assert "amount: 1200\n    currency: USD" in nordlys and "employees: 85" in nordlys
    bayern = next(t for t in records if "Bayern" in t)
    assert "birthday: 1985-03-10" in bayern and "date: 2025-01-05" in bayern
    assert "amount: 8000\n    currency: CNY" in bayern and "employees: 120" in bayern


ZH_VOCABULARY = ["编号", "客户名称", "联系人", "职位", "所在国家", "所属行业", "电话", "邮箱", "WhatsApp", "Skype", "微信", "生日",
                 "官网", "地址", "成立时间", "员工人数", "合作年限", "首次合作时间", "累计订单金额", "最近一次订单时间", "付款方式",
                 "合作等级", "信用评级", "跟进状态", "业务员", "备注"]
EN_VOCABULARY = ["No.", "Company name", "Contact person", "Position", "Country", "Industry", "Phone", "E-mail", "WhatsApp",
                 "Skype", "WeChat", "Birthday", "Website", "Address", "Founded", "Employees", "Years of cooperation",
                 "Customer since", "Purchase amount", "Last order date", "Payment terms", "Grade", "Credit rating",
                 "Stage", "Salesperson", "Notes"]
TARGETS = ["number", "name", "contacts.0.name", "contacts.0.role", "country", "industry", "contacts.0.phone",
           "contacts.0.email", "contacts.0.whatsapp", "contacts.0.skype", "contacts.0.wechat", "contacts.0.birthday",
           "website", "address", "founded", "employees", "cooperation_years", "cooperation_since", "order.amount",
           "order.date", "payment_terms", "grade", "credit", "stage", "owner", "notes"]
VOCABULARY_ROW = ["7", "Lys og Lamper AS", "Kari Nordmann", "Innkjøpssjef", "挪威", "lighting", "+47 22 33 44 55",
                  "kari@lysoglamper.example", "+47 900 11 222", "kari.lys", "kari_wx", "1983/4/5", "www.lysoglamper.example",
                  "Storgata 1, Oslo", "2008", "40", "3年", "2023/1/9", "15,000欧元", "2026/10/2", "T/T 30/70; L/C",
                  "B级", "AA级", "已报价", "alice@example.com", "Wants DALI drivers"]


@pytest.mark.parametrize("headers", [ZH_VOCABULARY, EN_VOCABULARY], ids=["zh", "en"])
def test_the_header_vocabulary_in_both_languages(crm, workspace, tmp_path, headers):
    sheet = write_csv(tmp_path / "all.csv", headers, [VOCABULARY_ROW])
    out = plan(crm, sheet)
    assert [(c["to"], c["kind"]) for c in out["columns"]] == [(t, "field") for t in TARGETS]
    assert crm("import", str(sheet)).returncode == 0
    text = next(p for p in (workspace / "records").glob("lys-og-lamper-*.yaml")).read_text(encoding="utf-8")
    for line in ['country: "NO"', "grade: B", "stage: quoted", "credit: AA", "owner: alice@example.com",
                 "website: https://www.lysoglamper.example", "employees: 40", "founded: 2008",
                 "payment_terms: [T/T 30/70, L/C]", "cooperation_since: 2023-01-09", "    role: Innkjøpssjef",
                 "    birthday: 1983-04-05", "    wechat: kari_wx", "  - date: 2026-10-02", "    currency: EUR"]:
        assert line in text, line


def test_unmapped_columns_are_kept_and_the_dry_run_says_where_each_goes(crm, workspace, tmp_path):
    sheet = write_csv(tmp_path / "extra.csv", ["客户名称", "国家", "年销售额", "Lieblingsfarbe"],
                      [["Oslo Lys AS", "挪威", "100万", "blå"]])
    proc = crm("import", str(sheet), "--dry-run")
    assert "年销售额 -> 年销售额 (kept as it is)" in proc.stdout
    assert "Lieblingsfarbe -> lieblingsfarbe (kept as it is)" in proc.stdout
    assert list((workspace / "records").glob("oslo-lys-*.yaml")) == []  # a dry run writes nothing
    assert crm("import", str(sheet), "--map", "Lieblingsfarbe=-").returncode == 0
    text = next((workspace / "records").glob("oslo-lys-*.yaml")).read_text(encoding="utf-8")
    assert '"年销售额": 100万' in text and "blå" not in text


def test_map_to_a_field_crm_does_not_know_is_refused_with_the_fields(crm, workspace, tmp_path):
    sheet = write_csv(tmp_path / "c.csv", ["客户名称", "国家"], [["Oslo Lys AS", "挪威"]])
    head = git(workspace, "rev-parse", "HEAD")
    proc = crm("import", str(sheet), "--map", "客户名称=bogusfield")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "bogusfield is not a field in schema.yaml" in proc.stderr
    assert "grade, " in proc.stderr and "contacts.0.email" in proc.stderr and "order.amount" in proc.stderr
    assert crm("import", str(sheet), "--map", "客户名称=nmae", "--dry-run").stderr.count("did you mean name") == 1
    assert git(workspace, "rev-parse", "HEAD") == head
    out = plan(crm, sheet, "--map", "国家=country", "--map", "客户名称=name")
    assert [r["action"] for r in out["rows"]] == ["new"]


def test_invalid_rows_say_why_and_the_rest_is_imported(crm, workspace, tmp_path):
    sheet = write_csv(tmp_path / "bad.csv", ["客户名称", "国家", "信用评级"],
                      [["Good One Ltd", "UK", "A"], ["No Country Ltd", "", "A"], ["Bad Credit", "DE", "excellent"]])
    proc = crm("import", str(sheet))
    assert proc.returncode == 1
    assert proc.stdout.strip() == "import bad.csv: 1 new, 0 updated, 2 skipped"
    assert "bad.csv:3: skipped: no country: column 国家 is empty" in proc.stderr
    assert "bad.csv:4: skipped: column 信用评级: 'excellent' is not a credit rating" in proc.stderr


def test_rows_of_one_customer_differing_in_phone_format_and_spelling_become_one(crm, workspace, tmp_path):
    sheet = write_csv(tmp_path / "dupes.csv", ["Company", "Country", "Contact", "Phone", "City"], [
        ["Müller Leuchten GmbH", "DE", "Jan Müller", "+49 (40) 555-0101", "Hamburg"],
        ["Mueller Leuchten", "Germany", "Jan Müller", "+4940 5550101", ""],
        ["Brightway Lamps Ltd", "GB", "Sue Bright", "+44 20 7946 0000", "London"],
    ])
    out = plan(crm, sheet)
    assert [r["action"] for r in out["rows"]] == ["new", "duplicate", "new"]
    assert out["rows"][1]["id"] == out["rows"][0]["id"]
    assert crm("import", str(sheet)).stdout.strip() == "import dupes.csv: 2 new, 0 updated, 0 skipped"
    mueller = [p for p in (workspace / "records").glob("*.yaml") if "Leuchten" in p.read_text(encoding="utf-8")]
    assert len(mueller) == 1
    text = mueller[0].read_text(encoding="utf-8")
    assert text.count("  - name:") == 1 and "city: Hamburg" in text


def test_a_row_matching_a_customer_updates_it_in_place_and_a_reimport_commits_nothing(crm, workspace, tmp_path):
    path = workspace / "records" / "mueller-lichttechnik-7k3q.yaml"
    original = path.read_text(encoding="utf-8")
    sheet = write_csv(tmp_path / "update.csv", ["Company", "Country", "Email", "City", "Employees"],
                      [["Müller Lichttechnik GmbH", "DE", "h.mueller@mueller-licht.example", "Bremen", "85"]])
    out = plan(crm, sheet)
    assert out["rows"][0]["action"] == "update" and out["rows"][0]["id"] == "mueller-lichttechnik-7k3q"
    assert out["rows"][0]["fields"] == ["city"]
    before = commits(workspace)
    assert crm("import", str(sheet)).stdout.strip() == "import update.csv: 0 new, 1 updated, 0 skipped"
    assert commits(workspace) == before + 1
    diff = git(workspace, "show", "--format=", "-U0", "HEAD").splitlines()
    assert [l for l in diff if l[:1] in "+-" and not l.startswith(("+++", "---"))] == ["-city: Hamburg", "+city: Bremen"]
    assert path.read_text(encoding="utf-8") == original.replace("city: Hamburg", "city: Bremen")
    again = crm("import", str(sheet))
    assert again.returncode == 0
    assert "nothing to change" in again.stdout
    assert commits(workspace) == before + 1


def test_rows_of_one_customer_that_differ_import_once_and_then_commit_nothing(crm, workspace, tmp_path):
    sheet = write_csv(tmp_path / "twice.csv", ["编号", "客户名称", "所在国家", "联系人", "职位"], [
        ["001", "ABC有限公司", "中国", "李经理", "经理"], ["002", "ABC有限公司", "中国", "李经理", "总监"]])
    first = crm("import", str(sheet))
    assert first.stdout.strip() == "import twice.csv: 1 new, 0 updated, 0 skipped"
    text = next((workspace / "records").glob("abc-*.yaml")).read_text(encoding="utf-8")
    assert 'number: "001"' in text and "role: 经理" in text  # the first row wins
    head = git(workspace, "rev-parse", "HEAD")
    again = crm("import", str(sheet))
    assert "nothing to change" in again.stdout and git(workspace, "rev-parse", "HEAD") == head


def test_an_import_failing_half_way_leaves_no_commit_and_no_file(workspace, tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_TODAY", TODAY)
    sheet = write_csv(tmp_path / "many.csv", ["Company", "Country"], [[f"Firma {i} GmbH", "DE"] for i in range(30)])
    head = git(workspace, "rev-parse", "HEAD")
    before = sorted(p.name for p in (workspace / "records").iterdir())
    seen = []

    def fail_half_way(phase, done, total):
        seen.append((phase, done))
        if phase == "writing" and done >= total // 2:
            raise OSError(28, "No space left on device")

    with pytest.raises(Exception):
        run_import(Workspace(workspace), sheet, today=dt.date.fromisoformat(TODAY), progress=fail_half_way)
    assert any(phase == "writing" for phase, _ in seen)
    assert git(workspace, "rev-parse", "HEAD") == head
    assert sorted(p.name for p in (workspace / "records").iterdir()) == before
    assert git(workspace, "status", "--porcelain") == ""


def test_a_failed_commit_leaves_no_file(workspace, tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_TODAY", TODAY)
    sheet = write_csv(tmp_path / "few.csv", ["Company", "Country"], [["Firma Eins", "DE"], ["Firma Zwei", "AT"]])
    before = sorted(p.name for p in (workspace / "records").iterdir())

    def broken(*args, **kwargs):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(Git, "commit_files", broken)
    with pytest.raises(Exception):
        run_import(Workspace(workspace), sheet, today=dt.date.fromisoformat(TODAY))
    assert sorted(p.name for p in (workspace / "records").iterdir()) == before


def test_vcards_import_as_customers_with_their_contacts(crm, workspace, tmp_path):
    cards = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ola Nordmann\r\nN:Nordmann;Ola;;;\r\nORG:Fjord Lys AS\r\n"
             "TEL;TYPE=WORK:+47 22 00 11 22\r\nEMAIL;TYPE=INTERNET:ola@fjordlys.example\r\nADR;TYPE=WORK:;;Kai 1;Bergen;;;Norway\r\n"
             "UID:550e8400-e29b-41d4-a716-446655440000\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Kari Berg\r\nN:Berg;Kari;;;\r\nORG:Fjord Lys AS\r\n"
             "EMAIL;TYPE=INTERNET:kari@fjordlys.example\r\nADR;TYPE=WORK:;;;Bergen;;;NO\r\nUID:a1b2c3d4-e5f6-4a7b-8c9d-112233445566\r\n"
             "END:VCARD\r\n")  # other programs' UIDs (UUIDs) name no customer: the cards are matched by their domain
    path = tmp_path / "contacts.vcf"
    path.write_text(cards, encoding="utf-8")
    assert crm("import", str(path)).stdout.strip() == "import contacts.vcf: 1 new, 0 updated, 0 skipped"
    text = next((workspace / "records").glob("fjord-lys-*.yaml")).read_text(encoding="utf-8")
    assert "  - name: Ola Nordmann" in text and "  - name: Kari Berg" in text and "city: Bergen" in text


def test_bad_files_are_one_line_errors(crm, tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    proc = crm("import", str(tmp_path / "x.pdf"))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "x.pdf" in proc.stderr
    proc = crm("import", str(tmp_path / "missing.csv"))
    assert proc.returncode == 2 and "no such file" in proc.stderr
    sheet = write_csv(tmp_path / "odd.csv", ["foo", "bar"], [["1", "2"]])
    proc = crm("import", str(sheet))
    assert proc.returncode == 2 and "--map HEADER=FIELD" in proc.stderr
    proc = crm("import", str(sheet), "--map", "nope=name")
    assert proc.returncode == 2 and "the sheet has no such column" in proc.stderr


# ------------------------------------------------------------------ the value parsers

CURRENCY_WORDS = sorted(sv.CURRENCY_WORDS.items())


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**9), st.sampled_from(CURRENCY_WORDS), st.booleans())
def test_amounts_with_a_currency_word_or_symbol_before_or_after(amount, word_code, before):
    word, code = word_code
    number = f"{amount:,}"
    text = f"{word}{number}" if before else f"{number}{word}"
    assert sv.money(text) == (amount, code)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10**7), st.sampled_from(["USD", "EUR", "CNY", "NOK"]))
def test_amounts_with_an_iso_code(amount, code):
    assert sv.money(f"{code} {amount:,}") == (amount, code)
    assert sv.money(f"{amount} {code.lower()}") == (amount, code)


@settings(max_examples=200, deadline=None)
@given(st.dates(dt.date(1900, 3, 1), dt.date(9999, 12, 31)))
def test_dates_as_people_and_excel_write_them(day):
    assert sv.day(f"{day.year}/{day.month}/{day.day}") == day
    assert sv.day(f"{day.year}年{day.month}月{day.day}日") == day
    assert sv.day(day.isoformat()) == day
    assert sv.day(float((day - sv.EXCEL_EPOCH).days)) == day


def test_excel_serial_45726_is_2025_03_10():
    assert sv.day(45726) == dt.date(2025, 3, 10)
    with pytest.raises(ValueError):
        sv.day("10/3/2025")  # day-first or month-first: ambiguous, refused


def _countries():
    import pycountry

    return sorted(c.alpha_2 for c in pycountry.countries)


def test_every_country_by_code_english_and_chinese_name():
    import gettext

    import pycountry

    zh = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    for code in _countries():
        country = pycountry.countries.get(alpha_2=code)
        assert sv.country(code) == code and sv.country(code.lower()) == code
        assert sv.country(country.name) == code, country.name
        assert sv.country(zh.gettext(country.name)) == code, zh.gettext(country.name)


@pytest.mark.parametrize("text,code", [("美国", "US"), ("德国", "DE"), ("挪威", "NO"), ("Germany", "DE"), ("NA", "NA"),
                                       ("USA", "US"), ("英国", "GB"), ("韩国", "KR")])
def test_the_articles_country_names(text, code):
    assert sv.country(text) == code


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["AAA", "AA", "A", "BBB", "BB", "B", "C"]), st.sampled_from(["", "级", " 级", "级"]))
def test_credit_ratings_with_the_chinese_suffix(rating, suffix):
    ratings = ("AAA", "AA", "A", "BBB", "BB", "B", "C")
    assert sv.credit(rating + suffix, ratings) == rating
    assert sv.credit((rating + suffix).lower(), ratings) == rating


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 150), st.sampled_from(["{}年", "{} years", "{}", "{}年以上", "{} yrs"]))
def test_years_of_cooperation(count, form):
    assert sv.years(form.format(count)) == count


def test_owner_for_new_customers_and_a_salesperson_name_is_kept(crm, workspace, tmp_path):
    sheet = write_csv(tmp_path / "owners.csv", ["客户名称", "国家", "业务员"],
                      [["Alpha Licht GmbH", "德国", "王五"], ["Beta Lys AS", "挪威", "bob@example.com"]])
    bad = crm("import", str(sheet), "--owner", "not-an-email")
    assert bad.returncode == 2 and "is not an email address" in bad.stderr
    assert crm("import", str(sheet), "--owner", "alice@example.com").returncode == 0
    alpha = next((workspace / "records").glob("alpha-licht-*.yaml")).read_text(encoding="utf-8")
    beta = next((workspace / "records").glob("beta-lys-*.yaml")).read_text(encoding="utf-8")
    assert "owner: alice@example.com" in alpha and "salesperson: 王五" in alpha
    assert "owner: bob@example.com" in beta and "alice" not in beta


@pytest.mark.parametrize("text,expected", [("20 000 EUR", (20000, "EUR")), ("1.5万美元", (15000, "USD")),
                                           ("0.5 USD", (0.5, "USD")), ("8000", (8000, "USD"))])
def test_amounts_people_type(text, expected):
    assert sv.money(text, "USD") == expected


@pytest.mark.parametrize("text", ["1,000 2,000", "1,2345", "abc", "-5 USD", "20,000 dinar-ish"])
def test_amounts_that_are_not_one_amount_are_refused(text):
    with pytest.raises(ValueError):
        sv.money(text, "USD")


def test_a_second_row_that_changes_a_customer_the_first_left_as_it_was(crm, workspace, tmp_path):
    """The first row for Müller changes nothing; the second (same email) sets what the first left empty:
    one update of one line."""
    path = workspace / "records" / "mueller-lichttechnik-7k3q.yaml"
    original = path.read_text(encoding="utf-8")
    sheet = write_csv(tmp_path / "two.csv", ["Company", "Country", "Email", "City", "Employees"], [
        ["Müller Lichttechnik GmbH", "DE", "h.mueller@mueller-licht.example", "Hamburg", ""],
        ["Mueller Lichttechnik", "DE", "h.mueller@mueller-licht.example", "", "90"]])
    out = plan(crm, sheet)
    assert [(r["action"], r["id"], r["fields"]) for r in out["rows"]] == [
        ("same", "mueller-lichttechnik-7k3q", []), ("update", "mueller-lichttechnik-7k3q", ["employees"])]
    before = commits(workspace)
    proc = crm("import", str(sheet))
    assert proc.stdout.strip() == "import two.csv: 0 new, 1 updated, 0 skipped", proc.stderr
    assert commits(workspace) == before + 1
    assert path.read_text(encoding="utf-8") == original.replace("employees: 85", "employees: 90")


def test_an_import_that_changes_nothing_leaves_a_pending_hand_edit_alone(crm, workspace, tmp_path):
    """A record the import does not write is not committed for it, hand edit and all."""
    path = workspace / "records" / "mueller-lichttechnik-7k3q.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("city: Hamburg", "city: Altona"), encoding="utf-8")
    sheet = write_csv(tmp_path / "same.csv", ["Company", "Country", "Email", "Employees"],
                      [["Müller Lichttechnik GmbH", "DE", "h.mueller@mueller-licht.example", "85"]])
    head = git(workspace, "rev-parse", "HEAD")
    proc = crm("import", str(sheet))
    assert proc.returncode == 0 and "nothing to change" in proc.stdout, proc.stdout + proc.stderr
    assert git(workspace, "rev-parse", "HEAD") == head
    assert git(workspace, "status", "--porcelain").strip() == "M records/mueller-lichttechnik-7k3q.yaml"


def _record(workspace: Path, prefix: str) -> str:
    return next((workspace / "records").glob(f"{prefix}-*.yaml")).read_text(encoding="utf-8")


def test_new_customers_get_crm_news_grade_and_first_stage_and_an_owner_only_when_given(crm, workspace, tmp_path):
    sheet = write_csv(tmp_path / "c.csv", ["客户名称", "国家", "业务员", "客户等级"],
                      [["Oslo Lys AS", "挪威", "bob@example.com", ""], ["Bergen Lys AS", "挪威", "", "A"]])
    assert crm("import", str(sheet), "--owner", "alice@example.com").returncode == 0
    oslo, bergen = _record(workspace, "oslo-lys-as"), _record(workspace, "bergen-lys-as")
    assert "owner: bob@example.com" in oslo and "grade: D" in oslo and "stage: lead" in oslo
    assert "owner: alice@example.com" in bergen and "grade: A" in bergen and "stage: lead" in bergen
    pool = write_csv(tmp_path / "p.csv", ["客户名称", "国家"], [["Tromsø Lys AS", "挪威"]])
    assert crm("import", str(pool)).returncode == 0
    tromso = _record(workspace, "tromso-lys-as")
    assert "owner:" not in tromso and "grade: D" in tromso and "stage: lead" in tromso


NEWCOMER = ["编号", "客户名称", "联系人", "所在地区", "所属行业", "联系方式", "合作年限", "采购金额", "信用评级", "备注", "年销售额"]


def test_an_email_under_a_phone_header_is_an_email_and_matches_the_contact_it_names(crm, workspace, tmp_path):
    sheet = write_csv(tmp_path / "c.csv", NEWCOMER, [["004", "Müller Lichttechnik", "Hans", "德国", "lighting",
                                                      "h.mueller@mueller-licht.example", "", "1.5万美元", "A", "", ""]])
    before = (workspace / "records" / "mueller-lichttechnik-7k3q.yaml").read_text(encoding="utf-8")
    proc = crm("import", str(sheet))
    assert proc.returncode == 0, proc.stderr
    text = (workspace / "records" / "mueller-lichttechnik-7k3q.yaml").read_text(encoding="utf-8")
    assert text.count("- name:") == before.count("- name:")  # no contact added
    assert "phone: h.mueller" not in text and text.count("h.mueller@mueller-licht.example") == 1


def test_rows_merged_in_one_file_add_their_orders_and_the_dry_run_names_what_they_lose(crm, workspace, tmp_path):
    sheet = write_csv(tmp_path / "c.csv", NEWCOMER, [
        ["001", "ABC有限公司", "张三", "中国", "照明", "13800138000", "5年", "20,000美元", "AAA级", "老客户", "100万"],
        ["002", "ABC有限公司", "李四", "中国", "照明", "13900139000", "3年", "15,000欧元", "AA级", "", "50万"]])
    proc = crm("import", str(sheet), "--dry-run")
    row3 = next(line for line in proc.stdout.splitlines() if line.startswith("row 3:"))
    assert "kept number 001 (this row says 002)" in row3
    assert "kept credit AAA (this row says AA)" in row3
    assert "kept cooperation_since 2021-11-23 (this row says 3 years: 2023-11-23)" in row3
    assert "kept 年销售额 100万 (this row says 50万)" in row3
    assert crm("import", str(sheet)).returncode == 0
    text = _record(workspace, "abc")
    assert "amount: 20000\n    currency: USD" in text and "amount: 15000\n    currency: EUR" in text
    assert "name: 张三" in text and "name: 李四" in text
    head = git(workspace, "rev-parse", "HEAD")
    again = crm("import", str(sheet))
    assert "nothing to change" in again.stdout, again.stdout + again.stderr
    assert git(workspace, "rev-parse", "HEAD") == head


def test_rows_for_one_existing_customer_add_their_orders_and_name_what_they_lose(crm, workspace, tmp_path):
    rows = [["Müller Lichttechnik", "DE", "h.mueller@mueller-licht.example", "USD 1,000", "B"],
            ["Müller Lichttechnik", "DE", "h.mueller@mueller-licht.example", "EUR 2,000", "C"]]
    sheet = write_csv(tmp_path / "c.csv", ["Company", "Country", "Email", "Order amount", "Grade"], rows)
    proc = crm("import", str(sheet), "--dry-run")
    row3 = next(line for line in proc.stdout.splitlines() if line.startswith("row 3:"))
    assert "kept grade B (this row says C)" in row3, proc.stdout
    assert crm("import", str(sheet)).returncode == 0
    text = (workspace / "records" / "mueller-lichttechnik-7k3q.yaml").read_text(encoding="utf-8")
    assert "amount: 1000\n    currency: USD" in text and "amount: 2000\n    currency: EUR" in text
    assert "grade: B" in text
    head = git(workspace, "rev-parse", "HEAD")
    assert "nothing to change" in crm("import", str(sheet)).stdout
    assert git(workspace, "rev-parse", "HEAD") == head
