"""One rule for a new customer, `crm new` and the UI's `n` alike: owner = you unless --pool, grade from
x-crm.new_grade, stage the first of the funnel; and ids readable from any script."""

from __future__ import annotations

import json
import re

import pytest
from conftest import git

from tui.core.workspace import ID_PATTERN, slug


def _new(crm, *args):
    out = crm("new", *args)
    assert out.returncode == 0, out.stderr
    rid = out.stdout.strip().splitlines()[-1]
    return rid, json.loads(crm("show", rid, "--json").stdout)["record"]


def test_new_customer_is_mine_graded_from_x_crm_and_a_lead(crm, workspace):
    rid, record = _new(crm, "Zeta Optics", "--country", "DE")
    assert record["owner"] == "test@example.com" and record["grade"] == "D" and record["stage"] == "lead"


def test_pool_leaves_the_owner_out_and_given_values_win(crm):
    _, record = _new(crm, "Pool Optics", "--country", "DE", "--pool", "--grade", "b", "--stage", "quoted")
    assert "owner" not in record and record["grade"] == "B" and record["stage"] == "quoted"
    _, record = _new(crm, "Other Optics", "--country", "DE", "--owner", "bob@example.com")
    assert record["owner"] == "bob@example.com"


def test_pool_and_owner_together_is_a_usage_error(crm):
    out = crm("new", "X", "--country", "DE", "--pool", "--owner", "bob@example.com")
    assert out.returncode == 2 and "Traceback" not in out.stderr


def test_new_grade_comes_from_schema_and_a_wrong_one_is_named(crm, workspace):
    schema = workspace / "schema.yaml"
    schema.write_text(schema.read_text().replace("new_grade: D", "new_grade: C"))
    git(workspace, "commit", "-qam", "new grade C")
    assert _new(crm, "Gamma Optics", "--country", "DE")[1]["grade"] == "C"
    schema.write_text(schema.read_text().replace("new_grade: C", "new_grade: Q"))
    git(workspace, "commit", "-qam", "new grade Q")
    out = crm("new", "Delta Optics", "--country", "DE")
    assert out.returncode == 1 and "x-crm.new_grade is 'Q'" in out.stderr and "Traceback" not in out.stderr


def test_help_states_the_defaults(crm):
    text = " ".join(crm("new", "--help").stdout.split())
    assert "unless --pool" in text and "x-crm.new_grade" in text


@pytest.mark.parametrize("name, base", [
    ("东莞灯具", "dongguan-dengju"),
    ("深圳市光明照明科技有限公司", "shenzhen-guangming-zhaoming"),
    ("ABC有限公司", "abc"),  # the Latin part is the name; 有限公司 says nothing
    ("有限公司", "youxian-gongsi"),  # nothing but such words: keep them rather than a bare suffix
    ("Москва Свет", "moskva-svet"),
    ("Ελληνικά Φώτα", "ellinika-fota"),
    ("Anadolu Aydınlatma A.Ş.", "anadolu-aydinlatma-a"),
    ("Müller Lichttechnik GmbH", "mueller-lichttechnik-gmbh"),
    ("!!!", "customer"),
])
def test_slug_spells_other_scripts_in_ascii(name, base):
    assert slug(name) == base


def test_arabic_names_give_an_ascii_id_not_customer():
    assert slug("شركة الإضاءة") not in ("", "customer") and ID_PATTERN.match(slug("شركة الإضاءة"))


def test_crm_new_makes_a_pinyin_id_with_the_random_suffix(crm):
    rid, record = _new(crm, "东莞灯具", "--country", "CN")
    assert re.fullmatch(r"dongguan-dengju-[a-z2-9]{4}", rid) and record["name"] == "东莞灯具"
