"""Duplicates: identity functions (phones, emails, domains, names), the blocked matcher against all
pairs, the scan on a real workspace, `crm duplicates` and the warning of `crm new`."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from faultkit import ENV, crm, git, make_ws, ok
from tui.core.duplicates import LIKELY, Matcher, all_pairs, profile, scan
from tui.core.identity import FREE_MAIL, LEGAL_SUFFIXES, email_key, identity_keys, name_key, phone_e164, registrable_domain
from tui.core.schema import Rules
from tui.core.workspace import Workspace

RULES = Rules()


@pytest.fixture(autouse=True)
def pinned_env(monkeypatch):
    for key in list(os.environ):
        if key.startswith(("GIT_", "CRM_")):
            monkeypatch.delenv(key)
    for key in ("CRM_TODAY", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE", "GIT_CONFIG_NOSYSTEM"):
        monkeypatch.setenv(key, ENV[key])


# ------------------------------------------------------------------ identity


def test_phone_spellings_give_one_e164():
    assert phone_e164("+1 (415) 555-0101") == phone_e164("+14155550101") == "+14155550101"
    assert phone_e164("0041 44 668 18 00") == "+41446681800"
    assert phone_e164("040 1234567", "DE") == "+49401234567"
    assert phone_e164("040 1234567") is None  # a national number needs its country
    assert phone_e164("call me") is None
    assert phone_e164("") is None


@given(st.integers(200, 999), st.integers(200, 999), st.integers(0, 9999),
       st.sampled_from(["+1 ({a}) {b}-{c:04d}", "+1{a}{b}{c:04d}", "+1 {a} {b} {c:04d}", "001-{a}-{b}-{c:04d}", "({a}) {b}-{c:04d}"]))
def test_any_spelling_of_a_us_number_is_the_same_key(a, b, c, template):
    typed = template.format(a=a, b=b, c=c)
    key = phone_e164(typed, "US")
    assert key is None or key == f"+1{a}{b}{c:04d}"
    if key is not None:
        assert phone_e164(f"+1{a}{b}{c:04d}") == key


def test_email_key():
    assert email_key("  Hans.Mueller@Mueller-Licht.DE ") == "hans.mueller@mueller-licht.de"
    assert email_key("mailto:<a@x.de>") == "a@x.de"
    assert email_key("not an email") is None
    assert email_key("a@b") is None


def test_registrable_domain_of_urls_hosts_and_emails():
    assert registrable_domain("https://www.shop.mueller.co.uk/path?q=1", FREE_MAIL) == "mueller.co.uk"
    assert registrable_domain("mueller.de", FREE_MAIL) == "mueller.de"
    assert registrable_domain("h.mueller@sales.mueller.de", FREE_MAIL) == "mueller.de"
    assert registrable_domain("buyer@gmail.com", FREE_MAIL) is None
    assert registrable_domain("wang@qq.com", FREE_MAIL) is None
    assert registrable_domain("wang@qq.com", frozenset()) == "qq.com"
    assert registrable_domain("no domain here", FREE_MAIL) is None
    assert registrable_domain("https://user:pw@shop.mueller.de:8080/x", FREE_MAIL) == "mueller.de"
    assert registrable_domain("http://192.168.1.10/crm", FREE_MAIL) is None
    assert registrable_domain("https://www.münchen-licht.de", FREE_MAIL) == "münchen-licht.de"
    assert registrable_domain("co.uk", FREE_MAIL) is None  # a public suffix is nobody's domain


@pytest.mark.parametrize("a, b", [
    ("Müller GmbH", "Mueller"),
    ("MÜLLER Lichttechnik GmbH & Co. KG", "Mueller Lichttechnik"),
    ("Iluminação São Jorge Ltda.", "Iluminacao Sao Jorge"),
    ("Straße & Söhne AG", "Strasse Soehne"),
    ("深圳市华美照明有限公司", "深圳市华美照明"),
    ("Acme Co., Ltd.", "ACME"),
    ("Ferretería Muñoz S.L.", "Ferreteria Munoz"),
])
def test_name_keys_fold_accents_and_drop_legal_suffixes(a, b):
    assert name_key(a, LEGAL_SUFFIXES) == name_key(b, LEGAL_SUFFIXES) != ""


def test_name_key_keeps_what_is_not_a_suffix():
    assert name_key("GmbH", LEGAL_SUFFIXES) == "gmbh"  # a name that is only a suffix stays a name
    assert name_key("Cobalt", LEGAL_SUFFIXES) == "cobalt"  # "Co" only as a whole word
    assert name_key("Acme Lighting", ()) == "acme lighting"
    assert name_key("华美公司", ["公司"]) == "华美"


@given(st.text(max_size=30))
@example("𝐴")  # its compatibility form is a capital A
def test_name_key_is_idempotent_on_its_own_output(text):
    key = name_key(text, LEGAL_SUFFIXES)
    assert name_key(key, ()) == key


def test_identity_keys_come_from_the_record_and_its_contacts():
    data = {"name": "X", "country": "DE", "website": "https://www.x-licht.de",
            "contacts": [{"email": "A@x-licht.de", "phone": "040 1234567"}, {"email": "b@gmail.com", "whatsapp": "+49 170 1234567"}]}
    assert identity_keys(data, FREE_MAIL) == (
        "d:x-licht.de", "e:a@x-licht.de", "e:b@gmail.com", "p:+49170" "1234567", "p:+49401234567")


# ------------------------------------------------------------------ the matcher


def _customer(name, country="DE", email=None, phone=None, website=None):
    data = {"name": name, "country": country}
    if website:
        data["website"] = website
    if email or phone:
        data["contacts"] = [{k: v for k, v in (("email", email), ("phone", phone)) if v}]
    return data


def test_candidates_name_the_customer_and_why():
    m = Matcher(RULES, [("mueller-1", _customer("Müller GmbH", email="h@mueller.de", phone="+1 (415) 555-0101")),
                        ("other-2", _customer("Acme", "US"))])
    found = m.candidates(_customer("Mueller", phone="+14155550101"))
    assert [(x.keep, x.other) for x in found] == [("mueller-1", "")]
    assert found[0].reasons == ("same phone +14155550101", "names alike: Müller GmbH ~ Mueller (DE)")
    assert found[0].score > 0.9
    by_mail = m.candidates({"name": "Unrelated", "contacts": [{"email": "boss@mueller.de"}]})
    assert by_mail[0].reasons == ("same domain mueller.de",)


def test_names_alike_only_in_the_same_country():
    m = Matcher(RULES, [("a", _customer("Nordlicht GmbH", "DE"))])
    assert m.candidates(_customer("Nordlicht", "AT")) == []
    assert [x.keep for x in m.candidates(_customer("Nordlicht", "DE"))] == ["a"]
    assert [x.keep for x in m.candidates({"name": "Nordlicht"})] == ["a"]  # no country: may be the same


def test_free_mail_is_not_a_shared_domain():
    m = Matcher(RULES, [("a", _customer("Alpha", email="alpha@gmail.com"))])
    assert m.candidates(_customer("Beta", "FR", email="beta@gmail.com")) == []


def test_a_typo_in_a_name_is_found_and_a_different_name_is_not():
    m = Matcher(RULES, [("a", _customer("Fjordlys Elektro AS", "NO"))])
    assert [x.keep for x in m.candidates(_customer("Fjordlys Elektr", "NO"))] == ["a"]
    assert m.candidates(_customer("Fjordvind Marine", "NO")) == []


def test_an_added_row_is_matched_by_later_rows():
    m = Matcher(RULES)
    assert m.candidates(_customer("Hua Mei Lighting", "CN", phone="+86 20 8888 1234")) == []
    m.add("row-1", _customer("Hua Mei Lighting", "CN", phone="+86 20 8888 1234"))
    assert [x.keep for x in m.candidates(_customer("Huamei", "CN", phone="+862088881234"))] == ["row-1"]


NAMES = ["Müller Licht", "Mueller Licht GmbH", "Muller Licht", "Nordic Lumen", "Nordik Lumen", "Lumen Nordic",
         "Acme", "ACME Ltd", "Acne", "华美照明有限公司", "华美照明", "São Jorge", "Sao Jorge Ltda.", "Delta", "Deltа"]
EMAILS = [None, "a@mueller.de", "b@mueller.de", "x@gmail.com", "a@acme.com", "c@acme.com"]
PHONES = [None, "+1 415 555 0101", "+14155550101", "+49 40 1234567", "040 1234567"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(["DE", "US", ""]), st.sampled_from(EMAILS),
                          st.sampled_from(PHONES)), min_size=2, max_size=25))
def test_blocking_finds_every_pair_that_all_pairs_finds(rows):
    customers = [(f"c{i:02d}", _customer(n, c, e, p)) for i, (n, c, e, p) in enumerate(rows)]
    matcher = Matcher(RULES, customers)
    expected = all_pairs([profile(rid, data, RULES) for rid, data in customers], 0.0)
    assert matcher.pairs(0.0) == expected
    assert matcher.pairs() == [x for x in expected if x.score >= LIKELY]


# ------------------------------------------------------------------ a real workspace and the CLI

REC = "# yaml-language-server: $schema=../schema.yaml\n{body}"


def _dupes_ws(tmp_path):
    return make_ws(tmp_path / "ws", {
        "mueller-a1": REC.format(body='name: Müller Lichttechnik GmbH\ncountry: "DE"\ncontacts:\n  - name: Hans\n'
                                      '    email: h.mueller@mueller-licht.de\n    phone: "+49 40 1234567"\n'),
        "mueller-b2": REC.format(body='name: Mueller Lichttechnik\ncountry: "DE"\ncontacts:\n  - name: Hans M.\n'
                                      '    phone: "040 1234567"\n'),
        "acme-c3": REC.format(body='name: Acme Supply\ncountry: "US"\nwebsite: https://www.acme-supply.com\n'),
        "acme-d4": REC.format(body='name: Brightline\ncountry: "US"\ncontacts:\n  - name: Jo\n    email: jo@acme-supply.com\n'),
        "free-e5": REC.format(body='name: Solo Trading\ncountry: "FR"\ncontacts:\n  - name: S\n    email: solo@gmail.com\n'),
        "free-f6": REC.format(body='name: Other Trading\ncountry: "FR"\ncontacts:\n  - name: O\n    email: other@gmail.com\n'),
    })


def test_scan_of_a_workspace(tmp_path):
    ws = _dupes_ws(tmp_path)
    pairs = scan(Workspace.find(ws))
    assert [(p.keep, p.other) for p in pairs] == [("mueller-a1", "mueller-b2"), ("acme-d4", "acme-c3")]
    assert pairs[0].reasons == ("same phone +49401234567", "names alike: Müller Lichttechnik GmbH ~ Mueller Lichttechnik (DE)")
    assert pairs[1].reasons == ("same domain acme-supply.com",)


def test_crm_duplicates_json_and_text(tmp_path):
    ws = _dupes_ws(tmp_path)
    out = json.loads(ok(ws, "duplicates", "--json").stdout)
    assert [(r["keep"], r["other"], r["keep_name"]) for r in out] == [
        ("mueller-a1", "mueller-b2", "Müller Lichttechnik GmbH"), ("acme-d4", "acme-c3", "Brightline")]
    assert out[0]["score"] > out[1]["score"] >= LIKELY
    text = ok(ws, "duplicates").stdout
    assert "- same domain acme-supply.com" in text
    assert "free-e5" not in text
    assert json.loads(ok(ws, "duplicates", "--json", "--min", "0.9").stdout)[0]["other"] == "mueller-b2"
    assert len(json.loads(ok(ws, "duplicates", "--json", "--min", "0.9").stdout)) == 1
    bad = crm(ws, "duplicates", "--min", "2")
    assert bad.returncode == 2 and "not a score from 0 to 1" in bad.stderr and "Traceback" not in bad.stderr


def test_schema_lists_replace_the_defaults(tmp_path):
    ws = _dupes_ws(tmp_path)
    schema = ws / "schema.yaml"
    text = schema.read_text()
    start = text.index("  free_mail_domains:")
    end = text.index("  # Duplicates: dropped")
    schema.write_text(text[:start] + "  free_mail_domains: [acme-supply.com]\n" + text[end:])
    git(ws, "commit", "-qam", "acme is free mail here")
    out = json.loads(ok(ws, "duplicates", "--json").stdout)
    # acme-supply.com no longer says "same company"; gmail.com, off the list now, does
    assert [(r["keep"], r["other"]) for r in out] == [("mueller-a1", "mueller-b2"), ("free-e5", "free-f6")]
    assert out[1]["reasons"] == ["same domain gmail.com"]


def test_crm_new_refuses_a_likely_duplicate_without_yes(tmp_path):
    ws = _dupes_ws(tmp_path)
    before = git(ws, "rev-parse", "HEAD")
    proc = crm(ws, "new", "Müller Lichttechnik Co., Ltd.", "--country", "DE")
    assert proc.returncode == 2
    assert "mueller-a1" in proc.stderr and "names alike: Müller Lichttechnik GmbH ~ Müller Lichttechnik Co., Ltd. (DE)" in proc.stderr
    assert "--yes" in proc.stderr.splitlines()[-1]
    assert git(ws, "rev-parse", "HEAD") == before
    assert sorted(p.name for p in (ws / "records").iterdir()) == sorted(f"{r}.yaml" for r in
                                                                       ("mueller-a1", "mueller-b2", "acme-c3", "acme-d4", "free-e5", "free-f6"))
    made = ok(ws, "new", "Müller Lichttechnik Co., Ltd.", "--country", "DE", "--yes")
    assert (ws / "records" / f"{made.stdout.split()[-1]}.yaml").exists()
    other = ok(ws, "new", "Müller Lichttechnik", "--country", "AT")  # another country: not a duplicate
    assert "looks like" not in other.stderr


@pytest.mark.parametrize("answer, created", [("y\n", True), ("\n", False)])
def test_crm_new_on_a_terminal_asks(tmp_path, answer, created):
    import pty
    import subprocess

    from faultkit import command

    ws = _dupes_ws(tmp_path)
    controller, terminal = pty.openpty()  # stdin is a terminal, so crm asks; the answer is typed ahead
    os.write(controller, answer.encode())
    try:
        proc = subprocess.run(command(ws, ["new", "Mueller Lichttechnik", "--country", "DE"]), cwd=ws, stdin=terminal,
                              capture_output=True, text=True, env=ENV, timeout=120)
    finally:
        os.close(terminal)
        os.close(controller)
    assert "looks like a customer you already have" in proc.stderr
    made = sorted(p.name for p in (ws / "records").iterdir() if p.name.startswith("mueller-lichttechnik-"))
    assert bool(made) is created
    assert proc.returncode == (0 if created else 2)


def test_list_json_keys_stay_as_documented(tmp_path):
    ws = _dupes_ws(tmp_path)
    row = json.loads(ok(ws, "list", "--json").stdout)[0]
    assert "identity" not in row  # the scan's keys are the catalog's business, not the documented output
    assert {"id", "name", "country", "valid", "problems"} <= set(row)
