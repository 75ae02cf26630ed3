"""The safe reader: one test per loader rule, each checking the position it reports."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.yamlparse import MAX_BYTES, MAX_DEPTH, YamlProblem, locate, parse


def problem(text: str) -> YamlProblem:
    with pytest.raises(YamlProblem) as info:
        parse(text)
    return info.value


def test_reads_a_record_with_dates_numbers_and_lists():
    data, _ = parse("name: Acme\nemployees: 85\nrate: 1.5\nsince: 2025-03-10\ntags: [a, b]\nowner:\n")
    assert data == {"name": "Acme", "employees": 85, "rate": 1.5, "since": dt.date(2025, 3, 10), "tags": ["a", "b"], "owner": None}


@pytest.mark.parametrize("plain", ["NO", "no", "on", "off", "yes", "Y", "0150", "12:30", "+49 40 1234567", "1_000", "0x1F", ".5", "~x"])
def test_yaml_1_1_surprises_stay_strings(plain):
    data, _ = parse(f"value: {plain}\n")
    assert data["value"] == plain


def test_only_true_and_false_are_booleans():
    data, _ = parse("a: true\nb: False\nc: yes\n")
    assert data == {"a": True, "b": False, "c": "yes"}


def test_keys_are_never_resolved():
    data, _ = parse("on: 2025-10-02\nno: 1\n2025: x\n")
    assert data == {"on": dt.date(2025, 10, 2), "no": 1, "2025": "x"}


def test_quoted_scalars_are_strings():
    data, _ = parse("a: '2025-01-01'\nb: \"12\"\n")
    assert data == {"a": "2025-01-01", "b": "12"}


def test_impossible_date_is_an_error_at_its_position():
    p = problem("name: Acme\nexpected_close: 2025-02-30\n")
    assert (p.line, p.col) == (2, 17)
    assert "impossible date" in p.message


def test_anchor_is_rejected_with_position():
    p = problem("name: Acme\nbase: &b {x: 1}\n")
    assert (p.line, p.col) == (2, 7) and "anchors" in p.message


def test_alias_is_rejected_with_position():
    p = problem("a: 1\nb: *a\n")
    assert (p.line, p.col) == (2, 4) and "aliases" in p.message


@pytest.mark.parametrize("text", ["a: !!str 1\n", "a: !custom x\n", "a: !!map {b: 1}\n", "a: !!python/object:os.system x\n"])
def test_tags_are_rejected(text):
    p = problem(text)
    assert p.line == 1 and "tags" in p.message


@pytest.mark.parametrize("directive", ["%YAML 1.1", "%TAG ! tag:example.com,2000:"])
def test_directives_are_rejected(directive):
    p = problem(f"{directive}\n---\na: 1\n")
    assert "directives" in p.message


def test_duplicate_keys_are_an_error_at_the_second_key():
    p = problem("name: A\ncity: X\nname: B\n")
    assert (p.line, p.col) == (3, 1) and "duplicate key 'name'" in p.message


def test_nested_duplicate_keys_are_found():
    p = problem("contacts:\n  - name: A\n    name: B\n")
    assert (p.line, p.col) == (3, 5)


def test_several_documents_are_rejected():
    p = problem("a: 1\n---\nb: 2\n")
    assert p.line == 2 and "one YAML document" in p.message


def test_complex_keys_are_rejected():
    assert "plain text" in problem("? [a, b]\n: 1\n").message


@pytest.mark.parametrize(
    "deep, where",
    [
        ("[" * 200_000, (1, MAX_DEPTH + 1)),  # the bracket that opens level MAX_DEPTH + 1
        ("- " * 100_000 + "x\n", (1, 2 * MAX_DEPTH + 1)),
        ("a:\n" + "".join(" " * i + f"k{i}:\n" for i in range(1, 60)), (MAX_DEPTH + 1, MAX_DEPTH + 1)),
        ('a: "[[["\nb: ' + "{" * 50_000, (2, MAX_DEPTH + 4)),  # brackets in quotes do not count
    ],
    ids=["flow", "block-sequence", "block-mapping", "flow-after-quoted-brackets"],
)
def test_deep_nesting_is_refused_before_it_can_crash(deep, where):
    p = problem(deep)
    assert p.message == f"nested deeper than {MAX_DEPTH} levels"
    assert (p.line, p.col) == where


def test_with_a_problems_list_every_value_problem_is_collected_and_parsing_goes_on():
    found: list[YamlProblem] = []
    data, _ = parse("a: 2025-02-30\nb: &x 1\nc: *x\nd: !!str 5\ne: 1e999\na: again\nf: 1\n", problems=found)
    assert [(p.line, p.col) for p in found] == [(1, 4), (2, 4), (3, 4), (4, 4), (5, 4), (6, 1)]
    assert data == {"a": "2025-02-30", "b": 1, "c": None, "d": "5", "e": "1e999", "f": 1}  # the first "a" is kept


def test_without_a_problems_list_the_first_value_problem_is_raised():
    p = problem("a: 1\nb: 1e999\nc: 2025-02-30\n")
    assert (p.line, p.col) == (2, 4) and "1e999" in p.message


def test_a_byte_order_mark_is_skipped_and_positions_index_the_text():
    text = "\ufeffname: Acme\ncity: X\n"
    data, root = parse(text, track=True)
    assert data == {"name": "Acme", "city": "X"}
    node = root.child("city")
    assert text[node.start : node.end] == "X" and locate(root, ("name",)) == (1, 7)


@pytest.mark.parametrize("text, where", [("a: b\x7f\n", (1, 5)), ("é: ü\nb: \x9b\n", (2, 4)), ("\ufeffa: \x01\n", (1, 4))],
                         ids=["del", "c1-after-non-ascii", "c0-after-bom"])
def test_a_raw_control_character_is_refused_at_its_character_position(text, where):
    p = problem(text)
    assert (p.line, p.col) == where and p.message.startswith("character U+00")


def test_nesting_at_the_limit_is_fine():
    parse("[" * (MAX_DEPTH) + "]" * (MAX_DEPTH))


def test_size_limit():
    assert "larger than" in problem("a: " + "x" * (MAX_BYTES + 1)).message


def test_syntax_errors_carry_line_and_column():
    p = problem("name: Acme\ntags: [a, b\ncity: X\n")
    assert p.line >= 2 and p.col >= 1


def test_positions_locate_nested_values():
    text = "name: Acme\ncontacts:\n  - name: Hans\n    email: h@x.example\n"
    _, root = parse(text, track=True)
    assert locate(root, ("contacts", 0, "email")) == (4, 12)
    assert locate(root, ("contacts", 0, "missing")) == (3, 5)  # nearest existing ancestor: the contact


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**9, 10**9), st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.from_regex(r"[a-z_]{1,10}", fullmatch=True), scalars, max_size=8))
def test_what_the_writer_renders_reads_back(data):
    from tui.core.yamledit import render_entry

    text = "".join(render_entry(k, v, 0) for k, v in data.items())
    assert parse(text)[0] == (data or None)
