"""Bad input gets a clear error, never a traceback: CLI arguments and record values, through the entry point."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import CLI, git

RID = "mueller-lichttechnik-7k3q"


def no_traceback(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert "Traceback" not in proc.stderr and "Error:" not in proc.stderr.split("crm:")[0], proc.stderr
    return proc


def strict_json(text: str):
    """json.loads that refuses NaN and Infinity, which are not JSON."""
    def refuse(name):
        raise AssertionError(f"{name} in JSON output")

    return json.loads(text, parse_constant=refuse)


def write(workspace: Path, rid: str, text: str | bytes) -> Path:
    path = workspace / "records" / f"{rid}.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


# ------------------------------------------------------------------ dates at the end of the calendar


def test_a_touch_on_the_last_day_of_the_calendar_loads_everywhere(crm):
    assert no_traceback(crm("log", RID, "--via", "email", "--note", "far away", "--on", "9999-12-31")).returncode == 0
    for args in [("list",), ("due",), ("due", "--days", "3660"), ("validate",), ("show", RID)]:
        proc = no_traceback(crm(*args))
        assert proc.returncode == 0, (args, proc.stderr)
    show = crm("show", RID, "--json")
    derived = strict_json(show.stdout)["derived"]
    assert derived["last_contact"] == "9999-12-31" and derived["next_followup"] == "9999-12-31"  # held at the end
    row = next(r for r in strict_json(crm("list", "--json").stdout) if r["id"] == RID)
    assert row["next_followup"] == "9999-12-31" and row["valid"]


def test_today_at_the_end_of_the_calendar_does_not_overflow(crm):
    for args in [("list",), ("due", "--days", "3660"), ("show", RID)]:
        proc = no_traceback(crm(*args, env={"CRM_TODAY": "9999-12-31"}))
        assert proc.returncode == 0, proc.stderr


def test_a_bad_crm_today_is_a_usage_error(crm):
    proc = no_traceback(crm("list", env={"CRM_TODAY": "2026-02-30"}))
    assert proc.returncode == 2 and "CRM_TODAY='2026-02-30'" in proc.stderr and "YYYY-MM-DD" in proc.stderr


# ------------------------------------------------------------------ arguments


def test_set_an_impossible_date_names_the_value_and_the_format(crm, workspace):
    before = git(workspace, "rev-parse", "HEAD")
    proc = no_traceback(crm("set", RID, "expected_close", "2026-02-30"))
    assert proc.returncode == 2
    assert "'2026-02-30'" in proc.stderr and "YYYY-MM-DD" in proc.stderr and "expected_close" in proc.stderr
    assert git(workspace, "rev-parse", "HEAD") == before


@pytest.mark.parametrize("field, value", [
    ("employees", "nan"), ("employees", "1e999"), ("employees", "12x"),
    ("contacts.0.birthday", "1979-13-01"), ("expected_close", "+99999"),
])
def test_set_values_the_type_refuses_are_usage_errors(crm, field, value):
    proc = no_traceback(crm("set", RID, field, value))
    assert proc.returncode == 2 and repr(value) in proc.stderr


@pytest.mark.parametrize("field", ["a..b", ".city", "contacts.", "0.name", "contacts.99999999999999999999.email"])
def test_set_refuses_field_paths_that_are_not_paths(crm, field):
    proc = no_traceback(crm("set", RID, field, "x"))
    assert proc.returncode == 2 and repr(field) in proc.stderr


@pytest.mark.parametrize("args, allowed", [
    (("due", "--days", "100000000"), "0 to 3,660"),
    (("due", "--days", "-1"), "0 to 3,660"),
    (("due", "--days", "x"), "0 to 3,660"),
    (("show", RID, "--as-of", "9999-12-31"), "up to today"),
    (("list", "--as-of", "2026-11-24"), "up to today"),
    (("sync", "--timeout", "nan"), "more than 0"),
    (("sync", "--timeout", "inf"), "more than 0"),
    (("sync", "--timeout", "-1"), "more than 0"),
    (("sync", "--timeout", "0"), "more than 0"),
    (("sync", "--timeout", "1e9"), "at most 86,400"),
    (("sync", "--max-deletes", "-5"), "0 to"),
    (("history", RID, "--limit", "0"), "1 to"),
    (("log", RID, "--via", "email", "--note", "x", "--due", "+9999"), None),  # valid: 9999 days ahead
])
def test_numeric_and_date_arguments_are_checked_with_what_is_allowed(crm, args, allowed):
    proc = no_traceback(crm(*args))
    if allowed is None:
        assert proc.returncode == 0, proc.stderr
        return
    assert proc.returncode == 2, proc.stderr
    assert allowed in proc.stderr


def test_a_valid_timeout_gets_past_the_argument_check(crm):
    proc = no_traceback(crm("sync", "--timeout", "2.5"))
    assert proc.returncode == 1 and "upstream" in proc.stderr  # the workspace has no remote: a later, real error


def test_as_of_today_gets_past_the_argument_check(crm):
    proc = no_traceback(crm("list", "--as-of", "2026-11-23"))
    assert proc.returncode != 2 and "--as-of" not in proc.stderr


# ------------------------------------------------------------------ record values and encodings


def test_a_raw_control_character_in_a_file_is_a_problem_at_its_position(crm, workspace):
    write(workspace, "del-aaaa", 'name: Del Co\ncountry: "DE"\ncity: Ham\x7fburg\n')
    write(workspace, "esc-bbbb", 'name: Esc Co\ncountry: "DE"\nnotes: über \x1b[2J\n')
    proc = no_traceback(crm("validate"))
    assert proc.returncode == 1
    assert "records/del-aaaa.yaml:3:10: character U+007F" in proc.stdout
    assert "records/esc-bbbb.yaml:3:13: character U+001B" in proc.stdout  # columns count characters, not bytes
    assert "\x1b" not in proc.stdout and "\x7f" not in proc.stdout
    listed = no_traceback(crm("list", "--invalid"))
    assert "del-aaaa" in listed.stdout and "esc-bbbb" in listed.stdout


def test_a_record_with_a_byte_order_mark_loads_and_is_edited_in_place(crm, workspace):
    path = write(workspace, "bom-cccc", b'\xef\xbb\xbfname: Bom Co\ncountry: "DE"\ngrade: B\nstage: lead\n')
    git(workspace, "add", "-A")
    git(workspace, "commit", "-q", "-m", "bom")
    assert no_traceback(crm("validate")).returncode == 0
    assert no_traceback(crm("set", "bom-cccc", "name", "Bom Company")).returncode == 0
    assert no_traceback(crm("grade", "bom-cccc", "C")).returncode == 0
    assert path.read_bytes() == b'\xef\xbb\xbfname: Bom Company\ncountry: "DE"\ngrade: C\nstage: lead\n'


@pytest.mark.parametrize("raw, where, hint", [
    (b'name: M\xfcller\ncountry: "DE"\n', "1:8", "byte 0xfc"),
    (b'name: \xc3\xbc\xc3\xbc\nc: "\xe4\xb8"\n', "2:5", "byte 0xe4"),
    ('name: x\n'.encode("utf-16"), "1:1", "UTF-16"),
])
def test_text_that_is_not_utf8_is_a_problem_at_its_character_position(crm, workspace, raw, where, hint):
    write(workspace, "enc-dddd", raw)
    proc = no_traceback(crm("validate"))
    line = next(line for line in proc.stdout.splitlines() if line.startswith("records/enc-dddd.yaml"))
    assert line.startswith(f"records/enc-dddd.yaml:{where}: ") and hint in line and "UTF-8" in line


def test_a_schema_that_is_not_utf8_is_an_error_not_a_traceback(crm, workspace):
    (workspace / "schema.yaml").write_bytes((workspace / "schema.yaml").read_bytes() + b"\n# caf\xe9\n")
    proc = no_traceback(crm("list"))
    assert proc.returncode == 1 and "schema.yaml:" in proc.stderr and "UTF-8" in proc.stderr


def test_numbers_json_cannot_hold_are_problems_and_json_stays_valid(crm, workspace):
    write(workspace, "inf-eeee", 'name: Inf Co\ncountry: "DE"\nemployees: 1e999\n'
                                 "orders:\n  - date: 2025-01-01\n    amount: -1e999\n    currency: USD\n")
    write(workspace, "huge-ffff", 'name: Huge Co\ncountry: "DE"\norders:\n'
                                  "  - {date: 2025-01-01, ref: A, amount: 1e308, currency: EUR}\n"
                                  "  - {date: 2025-01-02, ref: B, amount: 1e308, currency: EUR}\n"
                                  f"  - {{date: 2025-01-03, ref: C, amount: 1{'0' * 400}, currency: USD}}\n")
    proc = no_traceback(crm("validate"))
    assert "records/inf-eeee.yaml:3:12: number 1e999 is too large" in proc.stdout
    assert "records/inf-eeee.yaml:6:13: number -1e999 is too large" in proc.stdout
    assert "records/huge-ffff.yaml:6:40: number 1000" in proc.stdout  # more digits than a record needs
    rows = strict_json(no_traceback(crm("list", "--json")).stdout)
    huge = next(r for r in rows if r["id"] == "huge-ffff")
    assert huge["order_total"] is None or huge["order_total"] < float("inf")
    strict_json(no_traceback(crm("show", "huge-ffff", "--json")).stdout)
    assert no_traceback(crm("list")).returncode == 0


def test_every_problem_of_a_file_is_reported_not_only_the_first(crm, workspace):
    write(workspace, "many-gggg", 'name: Many\ncountry: "DE"\nexpected_close: 2026-02-30\ngrade: Z\n'
                                  "log:\n  - on: 2026-13-01\n    by: a@example.com\n    via: email\n    note: x\n"
                                  "name: Again\ntags: &t [a]\n")
    out = no_traceback(crm("validate")).stdout
    found = {line.split(": ", 1)[0] for line in out.splitlines() if line.startswith("records/many-gggg.yaml")}
    assert {"records/many-gggg.yaml:3:17", "records/many-gggg.yaml:4:8", "records/many-gggg.yaml:6:9",
            "records/many-gggg.yaml:10:1", "records/many-gggg.yaml:11:7"} <= found
    assert sum("2026-02-30" in line for line in out.splitlines()) == 1


# ------------------------------------------------------------------ symbolic links


def test_a_symlink_in_records_is_reported_and_never_read(crm, workspace, tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text('name: Secret Co\ncountry: "DE"\nnotes: TOP-SECRET-CONTENT\n')
    (workspace / "records" / "leak-hhhh.yaml").symlink_to(secret)
    (workspace / "records" / "dangling-jjjj.yaml").symlink_to(tmp_path / "missing.yaml")
    message = "is a symbolic link; crm does not follow links"
    validate = no_traceback(crm("validate"))
    assert validate.returncode == 1
    assert f"records/leak-hhhh.yaml:1:1: records/leak-hhhh.yaml {message}" in validate.stdout
    assert f"records/dangling-jjjj.yaml:1:1: records/dangling-jjjj.yaml {message}" in validate.stdout
    one = no_traceback(crm("validate", "records/leak-hhhh.yaml"))
    assert one.returncode == 1 and message in one.stdout
    listed = no_traceback(crm("list", "--json"))
    row = next(r for r in strict_json(listed.stdout) if r["id"] == "leak-hhhh")
    assert not row["valid"] and row["name"] == "leak-hhhh"
    show = no_traceback(crm("show", "leak-hhhh"))
    assert show.returncode == 1 and message in show.stderr
    for proc in (validate, listed, show, crm("list"), crm("show", "leak-hhhh", "--json")):
        assert "TOP-SECRET-CONTENT" not in proc.stdout + proc.stderr and "Secret Co" not in proc.stdout + proc.stderr
    assert no_traceback(crm("set", "leak-hhhh", "city", "X")).returncode == 1
    assert "X" not in secret.read_text().split("notes")[0]  # never written through either


def test_a_fifo_in_records_is_not_a_record_and_never_hangs_a_load(crm, workspace):
    os.mkfifo(workspace / "records" / "pipe-kkkk.yaml")
    assert no_traceback(crm("validate")).returncode == 0  # the fixture's subprocess timeout catches a hang
    assert "pipe-kkkk" not in crm("list").stdout
    assert no_traceback(crm("show", "pipe-kkkk")).returncode == 1


# ------------------------------------------------------------------ crm init where a workspace cannot be


def test_init_refuses_a_bare_repository_and_says_to_clone(tmp_path):
    bare = tmp_path / "team.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    before = sorted(p.name for p in bare.iterdir())
    crm = CLI(tmp_path)
    for cwd, args in [(bare, ("init",)), (tmp_path, ("init", str(bare))), (bare, ("init", "sub"))]:
        proc = no_traceback(crm(*args, cwd=cwd))
        assert proc.returncode == 1 and "bare git repository" in proc.stderr and f"git clone {bare}" in proc.stderr
    assert sorted(p.name for p in bare.iterdir()) == before


def test_init_refuses_a_git_folder(workspace):
    crm = CLI(workspace)
    for cwd, args in [(workspace / ".git", ("init",)), (workspace, ("init", ".git/objects/new"))]:
        proc = no_traceback(crm(*args, cwd=cwd))
        assert proc.returncode == 1 and ".git folder" in proc.stderr
    assert not (workspace / ".git" / "schema.yaml").exists() and not (workspace / ".git" / "objects" / "new").exists()


def test_init_still_makes_a_workspace(tmp_path):
    crm = CLI(tmp_path, env={"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com",
                             "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com"})
    proc = no_traceback(crm("init", "fresh"))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "fresh" / "schema.yaml").is_file()


# ------------------------------------------------------------------ the UI with the same records


def test_the_ui_loads_and_shows_a_touch_on_the_last_day_and_a_symlink(tmp_path):
    import asyncio

    from conftest_ui import fixed_workspace, rid_of, screen_text, today

    from tui.ui.app import CrmApp
    from tui.ui.customer import CustomerScreen

    ws = fixed_workspace(tmp_path)
    rid = rid_of("Keystone Cabinet Hardware")
    path = ws.record_path(rid)
    path.write_text(path.read_text().replace("  - on: 2026-11-16", "  - on: 9999-12-31"))
    (ws.records_dir / "leak-hhhh.yaml").symlink_to(tmp_path / "outside.yaml")
    (tmp_path / "outside.yaml").write_text("name: OUTSIDE-SECRET\n")

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(3):
                await pilot.pause()
                await app.workers.wait_for_complete()
            assert app.loaded and app.is_running
            assert app.listing.get(rid).last_contact == "9999-12-31"
            assert not app.listing.get("leak-hhhh").valid
            assert "OUTSIDE-SECRET" not in screen_text(app)
            assert app.screen.table.select_id(rid)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, CustomerScreen)
            assert "9999-12-31" in screen_text(app)

    asyncio.run(run())


@pytest.mark.parametrize("text", ["+99999999999", "+9999999"])
def test_the_log_forms_due_date_past_the_calendar_is_a_field_error(text):
    import datetime as dt

    from tui.ui.fields import FieldError
    from tui.ui.forms import read_due

    with pytest.raises(FieldError, match="calendar"):
        read_due(text, dt.date(2026, 11, 23))


@pytest.mark.parametrize("text", ["1e999", "-1e999", "nan"])
def test_a_form_number_json_cannot_hold_is_a_field_error(text):
    from tui.ui.fields import FieldError, FieldSpec, read

    with pytest.raises(FieldError):
        read(FieldSpec("employees", "number", {"type": "number"}, False), text)
