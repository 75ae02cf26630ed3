"""The field-level merge: data rules, in-place text, and git running the driver for real."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from gitfarm import BASE_RECORD, ROOT, git
from tui.core import conflicts as cf
from tui.core.merge import Unmergeable, driver_command, ensure_driver, merge_texts
from tui.core.yamledit import append_value, delete_value, set_value
from tui.core.yamlparse import parse

D = dt.date


def changed_lines(before: str, after: str) -> list[str]:
    a, b = before.splitlines(), after.splitlines()
    return [line for line in b if line not in a]


def test_edits_to_different_fields_merge_cleanly_and_keep_ours_formatting():
    ours = set_value(BASE_RECORD, ("grade",), "B")
    theirs = set_value(BASE_RECORD, ("city",), "Berlin")
    result = merge_texts(BASE_RECORD, ours, theirs)
    assert result.clean
    assert result.data["grade"] == "B" and result.data["city"] == "Berlin"
    assert changed_lines(ours, result.text) == ["city: Berlin"]
    assert "# the one on the invoices" in result.text and '"DE"' in result.text


def test_same_field_set_differently_keeps_ours_in_place_and_theirs_in_conflicts():
    ours = set_value(BASE_RECORD, ("grade",), "B")
    theirs = set_value(BASE_RECORD, ("grade",), "A")
    result = merge_texts(BASE_RECORD, ours, theirs, by="bob@example.com", on=D(2026, 11, 23))
    assert result.data["grade"] == "B"
    assert result.conflicts == [{"field": "grade", "value": "A", "by": "bob@example.com", "on": D(2026, 11, 23)}]
    data, _ = parse(result.text)
    assert data == result.data and cf.entries(data)[0]["value"] == "A"
    assert "<<<<<<<" not in result.text
    problems = cf.problems("acme-7k3q", data)
    assert problems and "crm resolve acme-7k3q grade VALUE" in problems[0][1]


def test_same_value_on_both_sides_is_no_conflict():
    ours = set_value(BASE_RECORD, ("grade",), "A")
    result = merge_texts(BASE_RECORD, ours, ours)
    assert result.clean and result.text == ours


def test_removed_on_one_side_changed_on_the_other_is_a_conflict_with_null():
    ours = set_value(BASE_RECORD, ("city",), "Bremen")
    theirs = delete_value(BASE_RECORD, ("city",))
    result = merge_texts(BASE_RECORD, ours, theirs)
    assert result.data["city"] == "Bremen"
    assert result.conflicts[0]["field"] == "city" and result.conflicts[0]["value"] is None


def touch(on, note, by="bob@example.com", via="call"):
    return {"on": on, "by": by, "via": via, "note": note}


def test_log_entries_are_unioned_in_date_order():
    ours = append_value(BASE_RECORD, ("log",), touch(D(2025, 10, 20), "ours, late"))
    theirs = append_value(BASE_RECORD, ("log",), touch(D(2025, 10, 5), "theirs, early"))
    theirs = append_value(theirs, ("log",), touch(D(2025, 10, 30), "theirs, latest"))
    result = merge_texts(BASE_RECORD, ours, theirs)
    assert result.clean
    notes = [e["note"] for e in result.data["log"]]
    assert notes == ["First contact.", "theirs, early", "Asked for a quote.", "ours, late", "theirs, latest"]
    # ours' lines are all still there: only theirs' entries were inserted
    assert all(line in result.text.splitlines() for line in ours.splitlines())


def test_orders_by_ref_and_contacts_by_email_are_unioned_and_edited_items_merge():
    ours = set_value(BASE_RECORD, ("orders", 0, "status"), "paid")
    ours = append_value(ours, ("orders",), {"date": D(2025, 11, 1), "ref": "PO-2", "amount": 50, "currency": "USD"})
    ours = append_value(ours, ("contacts",), {"name": "Eva", "email": "eva@acme.example"})
    theirs = set_value(BASE_RECORD, ("contacts", 0, "phone"), "+49 40 999")
    theirs = append_value(theirs, ("orders",), {"date": D(2025, 9, 1), "ref": "PO-3", "amount": 70, "currency": "EUR"})
    theirs = append_value(theirs, ("contacts",), {"name": "Ole", "email": "ole@acme.example"})
    result = merge_texts(BASE_RECORD, ours, theirs)
    assert result.clean
    assert [o["ref"] for o in result.data["orders"]] == ["PO-1", "PO-3", "PO-2"]
    assert [c["email"] for c in result.data["contacts"]] == ["hans@acme.example", "eva@acme.example", "ole@acme.example"]
    assert result.data["contacts"][0]["phone"] == "+49 40 999"


def test_an_item_field_set_differently_is_a_conflict_with_its_path():
    ours = set_value(BASE_RECORD, ("contacts", 0, "phone"), "+49 1")
    theirs = set_value(BASE_RECORD, ("contacts", 0, "phone"), "+49 2")
    result = merge_texts(BASE_RECORD, ours, theirs)
    assert result.conflicts[0]["field"] == "contacts.0.phone"
    assert result.data["contacts"][0]["phone"] == "+49 1"


def test_removal_on_one_side_is_honoured_and_tags_merge_as_sets():
    base = set_value(BASE_RECORD, ("tags",), ["distributor", "oem", "ce"])
    ours = set_value(base, ("tags",), ["distributor", "ce", "rohs"])
    theirs = set_value(base, ("tags",), ["distributor", "oem", "ce", "ul"])
    theirs = delete_value(theirs, ("contacts", 0))
    result = merge_texts(base, ours, theirs)
    assert result.clean
    assert result.data["tags"] == ["distributor", "ce", "rohs", "ul"]
    assert "contacts" not in result.data or result.data["contacts"] == []


def test_existing_conflicts_are_unioned_and_a_resolution_on_one_side_wins():
    conflicted = merge_texts(BASE_RECORD, set_value(BASE_RECORD, ("grade",), "B"), set_value(BASE_RECORD, ("grade",), "A")).text
    resolved = delete_value(conflicted, ("conflicts",))
    other = set_value(conflicted, ("city",), "Kiel")
    result = merge_texts(conflicted, resolved, other)
    assert result.clean and "conflicts" not in result.data and result.data["city"] == "Kiel"


def test_both_sides_adding_the_same_file_merge_from_an_empty_base():
    ours = BASE_RECORD
    theirs = set_value(BASE_RECORD, ("city",), "Bremen")
    result = merge_texts("", ours, theirs)
    assert result.data["city"] == "Hamburg"
    assert result.conflicts[0]["value"] == "Bremen"


def test_an_unparsable_side_is_unmergeable():
    with pytest.raises(Unmergeable, match="theirs: line"):
        merge_texts(BASE_RECORD, BASE_RECORD, "name: [unclosed\n")


# ------------------------------------------------------------------ git runs the driver


def two_branches(tmp_path: Path, ours: str, theirs: str) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Alice")
    git(repo, "config", "user.email", "alice@example.com")
    (repo / ".gitattributes").write_text("records/*.yaml merge=crm\n")
    (repo / "schema.yaml").write_text((ROOT / "schema.yaml").read_text())
    (repo / "records").mkdir()
    (repo / "records" / "acme-7k3q.yaml").write_text(BASE_RECORD)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "other")
    (repo / "records" / "acme-7k3q.yaml").write_text(theirs)
    git(repo, "commit", "-q", "-am", "theirs")
    git(repo, "checkout", "-q", "main")
    (repo / "records" / "acme-7k3q.yaml").write_text(ours)
    git(repo, "commit", "-q", "-am", "ours")
    return repo


def test_git_merge_runs_the_registered_driver(tmp_path, monkeypatch):
    repo = two_branches(tmp_path, set_value(BASE_RECORD, ("grade",), "B"), set_value(BASE_RECORD, ("grade",), "A"))
    assert ensure_driver(repo)
    assert not ensure_driver(repo)  # idempotent: nothing to write the second time
    assert git(repo, "config", "merge.crm.driver").strip() == driver_command()
    python = driver_command().split(" ", 1)[0]
    assert Path(python).parent == Path(sys.executable).parent and Path(python).samefile(sys.executable)
    monkeypatch.setenv("CRM_TODAY", "2027-01-01")  # a conflict is dated by the other side's commit, not today
    git(repo, "merge", "-q", "--no-edit", "other")
    text = (repo / "records" / "acme-7k3q.yaml").read_text()
    data, _ = parse(text)
    assert data["grade"] == "B"
    # the author of MERGE_HEAD's change, and its author date (gitfarm pins it)
    assert cf.entries(data) == [{"field": "grade", "value": "A", "by": "alice@example.com", "on": D(2026, 11, 23)}]
    assert "<<<<<<<" not in text


def test_the_driver_entry_does_not_flip_between_crm_and_python_m_tui(tmp_path):
    """`crm` runs as bin/python3 (its shebang), `python -m tui` as bin/python: one registration for both."""
    repo = two_branches(tmp_path, set_value(BASE_RECORD, ("grade",), "B"), set_value(BASE_RECORD, ("city",), "Kiel"))
    for exe in ("python", "python3", f"python{sys.version_info.major}.{sys.version_info.minor}"):
        alias = Path(sys.executable).with_name(exe)
        if alias.exists():
            subprocess.run([str(alias), "-m", "tui", "list"], cwd=repo, check=True, capture_output=True)
            assert git(repo, "config", "--get-all", "merge.crm.driver").strip() == driver_command()


def test_an_unparsable_record_falls_back_to_a_text_merge_and_the_loader_reports_it(tmp_path):
    broken = BASE_RECORD.replace("city: Hamburg", "city: [Hamburg")
    repo = two_branches(tmp_path, set_value(BASE_RECORD, ("city",), "Kiel"), broken)
    ensure_driver(repo)
    proc = subprocess.run(["git", "merge", "--no-edit", "other"], cwd=repo, capture_output=True, text=True)
    assert proc.returncode != 0
    assert "falling back to git's line merge" in proc.stderr + proc.stdout
    text = (repo / "records" / "acme-7k3q.yaml").read_text()
    assert "<<<<<<< ours (fix this record by hand" in text
    check = subprocess.run([sys.executable, "-m", "tui", "validate"], cwd=repo, capture_output=True, text=True,
                           env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert check.returncode == 1 and "records/acme-7k3q.yaml:" in check.stdout
