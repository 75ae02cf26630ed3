"""crm export: CSV with BOM and neutralised formulas, typed and coloured XLSX, vCards that vobject reads
back, whole records as JSON, and the round trip through `crm import`."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from conftest import CLI, ROOT, git, make_repo

MUELLER = "mueller-lichttechnik-7k3q"


def read_csv(path: Path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode("utf-8"))
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_has_a_bom_the_list_columns_and_the_main_contact(crm, workspace, tmp_path):
    out = tmp_path / "out.csv"
    proc = crm("export", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    rows = read_csv(out)
    assert len(rows) == len(list((workspace / "records").glob("*.yaml")))
    mueller = next(r for r in rows if r["id"] == MUELLER)
    assert mueller["country"] == "DE" and mueller["contact"] == "Hans Müller"
    assert mueller["email"] == "h.mueller@mueller-licht.example"
    assert mueller["phone"] == "'+49 40 1234567"  # a leading + is a formula to a spreadsheet


def test_the_lists_filters_select_what_is_exported(crm, tmp_path):
    out = tmp_path / "de.csv"
    assert crm("export", "--country", "DE", "-o", str(out)).returncode == 0
    assert {r["country"] for r in read_csv(out)} == {"DE"}
    zh = tmp_path / "zh.csv"
    assert crm("export", "--headers", "zh", "--country", "DE", "-o", str(zh)).returncode == 0
    assert list(read_csv(zh)[0])[:4] == ["客户ID", "客户名称", "中文名称", "国家"]


def _set(crm, rid, field, value):
    proc = crm("set", rid, field, value, "--force")
    assert proc.returncode == 0, proc.stderr


def test_formula_cells_are_neutralised_and_namibia_survives_the_round_trip(crm, workspace, tmp_path):
    _set(crm, MUELLER, "name", '=HYPERLINK("http://evil.example","x")')
    _set(crm, MUELLER, "city", "@SUM(A1:A9)")
    _set(crm, MUELLER, "country", "NA")
    out = tmp_path / "out.csv"
    crm("export", "-o", str(out))
    row = next(r for r in read_csv(out) if r["id"] == MUELLER)
    assert row["name"] == "'=HYPERLINK(\"http://evil.example\",\"x\")" and row["city"] == "'@SUM(A1:A9)"
    assert row["country"] == "NA"
    head = git(workspace, "rev-parse", "HEAD")
    again = crm("import", str(out))
    assert again.returncode == 0, again.stderr
    assert "nothing to change" in again.stdout
    assert git(workspace, "rev-parse", "HEAD") == head


def test_import_of_an_export_gives_the_same_customers(crm, workspace, tmp_path):
    for fmt in ("csv", "xlsx", "vcf"):
        out = tmp_path / f"all.{fmt}"
        assert crm("export", "-o", str(out)).returncode == 0
        fresh = make_repo(tmp_path / f"fresh-{fmt}")
        shutil.copy(ROOT / "schema.yaml", fresh / "schema.yaml")
        (fresh / "records").mkdir()
        (fresh / "records" / ".gitkeep").write_text("")
        git(fresh, "add", "-A")
        git(fresh, "commit", "-q", "-m", "empty")
        other = CLI(fresh)
        proc = other("import", str(out))
        assert proc.returncode == 0, proc.stderr
        keys = ("id", "name", "name_local", "country", "city", "industry", "grade", "stage", "owner", "credit", "tags",
                "contact", "email") if fmt != "vcf" else ("name", "country", "city")
        mine = json.loads(crm("list", "--json").stdout)
        theirs = json.loads(other("list", "--json").stdout)
        picked = lambda rows: sorted(({k: r.get(k) for k in keys if k in r} for r in rows), key=str)  # noqa: E731
        assert picked(theirs) == picked(mine)
        head = git(workspace, "rev-parse", "HEAD")
        again = crm("import", str(out))
        assert "nothing to change" in again.stdout, (fmt, again.stdout, again.stderr)
        assert git(workspace, "rev-parse", "HEAD") == head
        exported_again = tmp_path / f"again.{fmt}"
        other("export", "-o", str(exported_again))
        if fmt == "csv":
            strip = lambda rows: [{k: v for k, v in r.items() if k not in ("last_contact", "next_followup", "next_action",  # noqa: E731
                                                                          "order_total", "order_count", "value_tier", "frequency")}
                                  for r in rows]
            assert strip(read_csv(exported_again)) == strip(read_csv(out))


def test_xlsx_is_typed_frozen_filtered_and_coloured(crm, workspace, tmp_path):
    import openpyxl

    out = tmp_path / "out.xlsx"
    assert crm("export", "-o", str(out)).returncode == 0
    book = openpyxl.load_workbook(out)
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:")
    header = [c.value for c in sheet[1]]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    row = rows[MUELLER]
    total = row[header.index("order_total")]
    assert isinstance(total.value, (int, float)) and "USD" in total.number_format
    last = row[header.index("last_contact")]
    assert last.value is None or last.is_date
    assert sheet.column_dimensions["B"].width >= len("Müller Lichttechnik GmbH")
    listing = {r["id"]: r for r in json.loads(crm("list", "--json").stdout)}
    overdue = [rid for rid, r in listing.items() if r["followup"] == "overdue"]
    assert overdue, "the sample has overdue follow-ups"
    for rid in overdue:
        assert rows[rid][0].fill.fgColor.rgb.endswith("F8CBAD")
    calm = [rid for rid, r in listing.items() if r["followup"] != "overdue"]
    for rid in calm:
        assert not rows[rid][0].fill.fgColor.rgb.endswith("F8CBAD")


def test_vcards_one_per_contact_read_back_by_vobject(crm, workspace):
    import vobject

    for version in ("3.0", "4.0"):
        proc = crm("export", "--format", "vcf", "--vcard-version", version, "--country", "DE")
        assert proc.returncode == 0, proc.stderr
        cards = list(vobject.readComponents(proc.stdout))
        hans = next(c for c in cards if c.fn.value == "Hans Müller")
        assert hans.version.value == version
        assert hans.org.value == ["Müller Lichttechnik GmbH"]
        assert hans.email.value == "h.mueller@mueller-licht.example"
        assert [t.value for t in hans.contents["tel"]][:2] == ["+49 40 1234567", "+49 170 1234567"]
        assert hans.bday.value == "1979-05-12"
        text = (workspace / "records" / f"{MUELLER}.yaml").read_text(encoding="utf-8")
        assert len([c for c in cards if c.org.value == ["Müller Lichttechnik GmbH"]]) == text.count("  - name:")


def test_json_holds_whole_records_with_iso_dates(crm, workspace):
    proc = crm("export", "--format", "json")
    records = json.loads(proc.stdout)
    mueller = next(r for r in records if r["id"] == MUELLER)
    assert mueller["contacts"][0]["birthday"] == "1979-05-12"
    assert mueller["orders"][0]["date"] == "2025-03-10"
    assert mueller["name"] == "Müller Lichttechnik GmbH"


def test_an_unwritable_output_is_a_one_line_error(crm, tmp_path):
    proc = crm("export", "-o", str(tmp_path / "no" / "such" / "dir.csv"))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "cannot write" in proc.stderr


def test_xlsx_to_a_terminal_is_refused_and_a_pipe_gets_the_workbook(crm, workspace):
    import os
    import pty
    import subprocess
    import sys

    main, side = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "tui", "export", "--format", "xlsx"], cwd=workspace, env=crm.env,
                              stdin=subprocess.DEVNULL, stdout=side, stderr=subprocess.PIPE, timeout=120)
        os.close(side)
        shown = b""
        try:
            while chunk := os.read(main, 4096):
                shown += chunk
        except OSError:
            pass
    finally:
        os.close(main)
    assert proc.returncode == 2 and b"-o FILE" in proc.stderr, proc.stderr
    assert b"PK" not in shown  # no zip on the terminal
    piped = subprocess.run([sys.executable, "-m", "tui", "export", "--format", "xlsx"], cwd=workspace, env=crm.env,
                           capture_output=True, timeout=120)
    assert piped.returncode == 0 and piped.stdout.startswith(b"PK\x03\x04")


def _twin(crm) -> str:
    """A second Mueller Lichttechnik with no contacts and the first one's domain: matching would take it for the first."""
    proc = crm("new", "Mueller Lichttechnik", "--country", "DE", "--yes")
    assert proc.returncode == 0, proc.stderr
    rid = proc.stdout.split()[-1]
    _set(crm, rid, "website", "https://www.mueller-licht.example")
    return rid


def test_a_vcard_reimport_goes_to_the_customer_its_uid_names_and_adds_no_company_contact(crm, workspace, tmp_path):
    twin = _twin(crm)
    for version in ("3.0", "4.0"):
        out = tmp_path / f"all-{version}.vcf"
        assert crm("export", "--vcard-version", version, "-o", str(out)).returncode == 0
        text = out.read_text(encoding="utf-8")
        card = next(c for c in text.split("END:VCARD") if f"UID:{twin}-0" in c)
        assert "FN:Mueller Lichttechnik" in card and "N:Lichttechnik" not in card
        assert ("X-ABSHOWAS:COMPANY" in card.upper()) if version == "3.0" else ("KIND:org" in card)
        head = git(workspace, "rev-parse", "HEAD")
        plan = json.loads(crm("import", str(out), "--dry-run", "--json").stdout)
        assert {(r["id"], r["action"]) for r in plan["rows"] if r["id"] in (twin, MUELLER)} == {(twin, "same"), (MUELLER, "same")}
        again = crm("import", str(out))
        assert "nothing to change" in again.stdout, (version, again.stdout, again.stderr)
        assert git(workspace, "rev-parse", "HEAD") == head
    assert "contacts" not in (workspace / "records" / f"{twin}.yaml").read_text(encoding="utf-8")


def test_an_id_column_wins_over_matching_also_in_an_empty_workspace(crm, workspace, tmp_path):
    twin = _twin(crm)
    out = tmp_path / "all.csv"
    assert crm("export", "--country", "DE", "-o", str(out)).returncode == 0
    fresh = make_repo(tmp_path / "fresh")
    shutil.copy(ROOT / "schema.yaml", fresh / "schema.yaml")
    (fresh / "records").mkdir()
    (fresh / "records" / ".gitkeep").write_text("")
    git(fresh, "add", "-A")
    git(fresh, "commit", "-q", "-m", "empty")
    proc = CLI(fresh)("import", str(out))
    assert proc.returncode == 0, proc.stderr
    assert {twin, MUELLER} <= {p.stem for p in (fresh / "records").glob("*.yaml")}
