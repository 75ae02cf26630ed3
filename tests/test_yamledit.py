"""The in-place writer: edits land exactly, change only the lines they must, and keep the user's text."""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tui.core.yamledit import EditError, append_value, delete_value, render_scalar, set_value
from tui.core.yamlparse import parse

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "records").glob("*.yaml"))

HAND_WRITTEN = """\
# yaml-language-server: $schema=../schema.yaml
name: Müller Lichttechnik GmbH   # the legal name
country: "DE"
grade: C        # was D until the fair
tags: [distributor, ce-required]
contacts:
- name: Hans Müller
  email: 'h.mueller@mueller-licht.example'
log:
    - on: 2025-10-02
      by: alice@example.com
      via: email
      note: Sent revised quote.
notes: |
  Prefers WhatsApp.
vat_id: DE123456789
"""


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def test_setting_a_scalar_changes_one_line_and_keeps_its_comment():
    out = set_value(HAND_WRITTEN, ("grade",), "B")
    assert changed_lines(HAND_WRITTEN, out) == (["grade: C        # was D until the fair"], ["grade: B        # was D until the fair"])


def test_quoting_style_is_kept():
    out = set_value(HAND_WRITTEN, ("contacts", 0, "email"), "hans@example.com")
    assert "  email: 'hans@example.com'" in out
    out = set_value(HAND_WRITTEN, ("country",), "NO")
    assert 'country: "NO"' in out


@pytest.mark.parametrize("value", ["NO", "yes", "on", "0150", "12:30", "1e3", "true", "null", "- x", "a: b", "x #y", "", " pad"])
def test_strings_a_yaml_1_1_reader_would_misread_are_quoted(value):
    import yaml

    out = set_value(HAND_WRITTEN, ("city",), value)
    assert parse(out)[0]["city"] == value
    assert yaml.safe_load(out)["city"] == value  # a YAML 1.1 reader agrees


def test_a_new_key_goes_after_the_key_it_follows():
    out = set_value(HAND_WRITTEN, ("city",), "Hamburg", after=("country", "name"))
    removed, added = changed_lines(HAND_WRITTEN, out)
    assert removed == [] and added == ["city: Hamburg"]
    assert out.index("city:") > out.index("country:") and out.index("city:") < out.index("grade:")


def test_appending_a_log_entry_only_adds_lines_in_the_files_indentation():
    entry = {"on": dt.date(2025, 11, 2), "by": "bob@example.com", "via": "call", "note": "Price: agreed", "due": dt.date(2025, 11, 9)}
    out = append_value(HAND_WRITTEN, ("log",), entry)
    removed, added = changed_lines(HAND_WRITTEN, out)
    assert removed == []
    assert added == ["    - on: 2025-11-02", "      by: bob@example.com", "      via: call", '      note: "Price: agreed"', "      due: 2025-11-09"]


def test_appending_a_contact_follows_zero_indented_dashes():
    out = append_value(HAND_WRITTEN, ("contacts",), {"name": "Eva", "phone": "+49 1"})
    assert changed_lines(HAND_WRITTEN, out)[1] == ["- name: Eva", "  phone: +49 1"]


def test_appending_to_a_flow_list_stays_flow():
    out = append_value(HAND_WRITTEN, ("tags",), "oem")
    assert changed_lines(HAND_WRITTEN, out) == (["tags: [distributor, ce-required]"], ["tags: [distributor, ce-required, oem]"])


def test_appending_to_a_missing_list_creates_it():
    out = append_value(HAND_WRITTEN, ("orders",), {"date": dt.date(2025, 3, 10), "amount": 20000, "currency": "USD"})
    assert parse(out)[0]["orders"] == [{"date": dt.date(2025, 3, 10), "amount": 20000, "currency": "USD"}]
    assert changed_lines(HAND_WRITTEN, out)[0] == []


def test_multi_line_text_becomes_a_literal_block():
    out = set_value(HAND_WRITTEN, ("notes",), "Line one.\nLine two.\n")
    assert "notes: |\n  Line one.\n  Line two.\n" in out
    assert parse(out)[0]["vat_id"] == "DE123456789"


def test_deleting_a_key_removes_its_lines_only():
    out = delete_value(HAND_WRITTEN, ("notes",))
    assert changed_lines(HAND_WRITTEN, out) == (["notes: |", "  Prefers WhatsApp."], [])


def test_deleting_the_only_item_leaves_an_empty_list():
    assert parse(delete_value(HAND_WRITTEN, ("log", 0)))[0]["log"] == []


def test_file_without_final_newline():
    out = set_value("name: A\ncountry: \"DE\"", ("city",), "X")
    assert parse(out)[0] == {"name": "A", "country": "DE", "city": "X"}


def test_missing_path_is_an_edit_error():
    with pytest.raises(EditError):
        set_value(HAND_WRITTEN, ("contacts", 5, "name"), "x")


def test_render_scalar_refuses_what_it_cannot_write():
    with pytest.raises(EditError):
        render_scalar(float("nan"))


# ---------------------------------------------------------------- properties over the sample records

text_values = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029\x85\ufeff"), max_size=30)
values = st.one_of(
    text_values, st.integers(-10**6, 10**6), st.dates(dt.date(2000, 1, 1), dt.date(2035, 12, 31)), st.none(), st.booleans(),
    st.lists(st.text("abcdefghij -,:#'\"", min_size=1, max_size=8), max_size=4),
)
fields = st.sampled_from(["name", "city", "grade", "stage", "industry", "website", "owner", "x_custom", "source", "notes", "tags"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(SAMPLES), field=fields, value=values)
def test_set_on_real_records_gives_the_intended_data_and_touches_only_that_field(path, field, value):
    text = path.read_text(encoding="utf-8")
    before, _ = parse(text)
    out = set_value(text, (field,), value)
    after, _ = parse(out)
    assert after == {**before, field: value}
    removed, added = changed_lines(text, out)
    if field in before and before[field] == value and type(before[field]) is type(value):
        assert (removed, added) == ([], [])  # the same value: nothing to change
    elif field in before and not isinstance(before[field], (list, dict)) and not isinstance(value, list) and "\n" not in str(before[field]) and not (isinstance(value, str) and "\n" in value):
        assert len(removed) == 1 and len(added) == 1  # one scalar line in, one out
    if field not in before:
        assert removed == []  # a new key only adds lines


log_entries = st.fixed_dictionaries(
    {"on": st.dates(dt.date(2024, 1, 1), dt.date(2027, 1, 1)), "by": st.sampled_from(["alice@example.com", "bob@example.com"]),
     "via": st.sampled_from(["email", "call", "meeting"]), "note": text_values.filter(lambda s: s.strip() != "")},
    optional={"next": text_values, "due": st.dates(dt.date(2024, 1, 1), dt.date(2027, 1, 1))},
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(SAMPLES), entry=log_entries)
def test_logging_a_touch_only_adds_lines(path, entry):
    text = path.read_text(encoding="utf-8")
    before, _ = parse(text)
    out = append_value(text, ("log",), entry)
    after, _ = parse(out)
    assert after["log"] == (before.get("log") or []) + [entry]
    assert {k: v for k, v in after.items() if k != "log"} == {k: v for k, v in before.items() if k != "log"}
    removed, _ = changed_lines(text, out)
    if isinstance(before.get("log"), list) and before["log"]:
        assert removed == []


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(SAMPLES), data=st.data())
def test_deleting_a_field_removes_only_it(path, data):
    text = path.read_text(encoding="utf-8")
    before, _ = parse(text)
    field = data.draw(st.sampled_from(sorted(before)))
    assume(field not in ("name",))
    out = delete_value(text, (field,))
    expected = dict(before)
    del expected[field]
    assert parse(out)[0] == expected
    assert changed_lines(text, out)[1] == []  # nothing added
