"""The `crm` command through its entry point, as scripts and users run it."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

from conftest import CLI, ROOT, git, make_repo

RID = "mueller-lichttechnik-7k3q"


def test_version_and_help():
    cli = CLI(ROOT)
    assert cli("--version").stdout.startswith("crm ")
    out = cli("--help").stdout
    for command in ("init", "demo", "new", "list", "show", "set", "grade", "log", "due", "validate", "edit"):
        assert command in out


def test_usage_errors_exit_2(crm):
    assert crm("grade").returncode == 2
    assert crm("list", "--sort", "nonsense").returncode == 2
    bad = crm("grade", RID, "F")
    assert bad.returncode == 2 and "grade must be one of A, B, C, D, E" in bad.stderr
    assert crm("log", RID, "--via", "pigeon", "--note", "x").returncode == 2


def test_init_makes_a_workspace_with_a_first_commit(tmp_path):
    cli = CLI(tmp_path, env={"GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@example.com", "GIT_COMMITTER_NAME": "A", "GIT_COMMITTER_EMAIL": "a@example.com"})
    out = cli("init", "team")
    assert out.returncode == 0, out.stderr
    ws = tmp_path / "team"
    assert (ws / "schema.yaml").is_file() and (ws / "records").is_dir()
    assert "records/*.yaml merge=crm" in (ws / ".gitattributes").read_text()
    assert git(ws, "log", "--format=%s").strip() == "crm: new workspace"
    assert "already a crm workspace" in cli("init", "team").stdout


def test_new_prints_the_id_last_and_show_finds_it(crm, workspace):
    out = crm("new", "Nordlys Belysning AS", "--country", "no", "--grade", "c", "--owner", "alice@example.com")
    assert out.returncode == 0, out.stderr
    rid = out.stdout.strip().splitlines()[-1]
    assert rid.startswith("nordlys-belysning-as-")
    shown = json.loads(crm("show", rid, "--json").stdout)
    assert shown["record"]["country"] == "NO" and shown["record"]["grade"] == "C" and shown["problems"] == []
    assert 'country: "NO"' in (workspace / "records" / f"{rid}.yaml").read_text()


def test_list_filters_sorts_and_formats(crm):
    rows = json.loads(crm("list", "--json", "--sort", "name").stdout)
    assert len(rows) == 6 and [r["name"] for r in rows] == sorted((r["name"] for r in rows), key=str.casefold)
    assert set(rows[0]) >= {"id", "name", "country", "grade", "stage", "owner", "last_contact", "next_followup", "order_total", "currency", "valid", "problems", "followup"}
    germans = json.loads(crm("list", "--json", "--country", "de").stdout)
    assert germans and all(r["country"] == "DE" for r in germans)
    pool = json.loads(crm("list", "--json", "--pool").stdout)
    assert all(r["owner"] is None for r in pool)
    by_total = json.loads(crm("list", "--json", "--sort", "order_total", "--reverse").stdout)
    assert [r["order_total"] for r in by_total] == sorted((r["order_total"] for r in by_total), reverse=True)
    table = list(csv.reader(io.StringIO(crm("list", "--csv").stdout)))
    assert table[0][:3] == ["id", "name", "name_local"] and len(table) == 7
    text = crm("list", "--search", "müller")
    assert RID in text.stdout and "of 6 customers" in text.stderr


def test_mine_uses_the_git_identity(crm, workspace):
    git(workspace, "config", "user.email", "alice@example.com")
    mine = json.loads(crm("list", "--json", "--mine").stdout)
    assert mine and all(r["owner"] == "alice@example.com" for r in mine)


def test_set_grade_and_log_commit_and_print_what_changed(crm, workspace):
    assert crm("set", RID, "city", "Bremen").stdout.strip() == f"{RID}: city Hamburg -> Bremen"
    assert crm("set", RID, "employees", "90").returncode == 0
    assert "employees: 90" in (workspace / "records" / f"{RID}.yaml").read_text()
    assert crm("set", RID, "employees", "lots").returncode == 2
    assert crm("set", RID, "tags", "distributor, oem").returncode == 0
    assert crm("set", RID, "contacts.0.phone", "+49 40 999").returncode == 0
    assert crm("set", RID, "notes", "--unset").returncode == 0
    assert crm("grade", "mueller", "b").stdout.strip() == f"{RID}: grade A -> B"  # a unique start of the id will do
    out = crm("log", RID, "--via", "call", "--note", "Samples OK", "--next", "Send PI", "--due", "2026-11-25")
    assert out.returncode == 0, out.stderr
    subjects = git(workspace, "log", "--format=%s", "-7").splitlines()
    assert subjects[0] == f"{RID}: log call: Samples OK" and subjects[1] == f"{RID}: grade A -> B"
    data = json.loads(crm("show", RID, "--json").stdout)
    assert data["record"]["tags"] == ["distributor", "oem"] and "notes" not in data["record"]
    assert data["derived"]["next_followup"] == "2026-11-25" and data["derived"]["followup"] == "soon"


def test_due_lists_overdue_then_today_then_the_week(crm, workspace):
    for rid, due in ((RID, "2026-11-25"),):
        crm("log", rid, "--via", "email", "--note", "x", "--due", due)
    rows = json.loads(crm("due", "--json").stdout)
    order = {"overdue": 0, "today": 1, "soon": 2}
    assert rows and [order[r["state"]] for r in rows] == sorted(order[r["state"]] for r in rows)
    assert any(r["id"] == RID and r["days"] == 2 for r in rows)
    text = crm("due").stdout
    assert "NEXT 7 DAYS" in text


def test_validate_prints_file_line_col_and_exits_1(crm, workspace):
    assert crm("validate").returncode == 0
    (workspace / "records" / "bad-zzzz.yaml").write_text('name: Bad\ncountry: "DE"\nstage: dreaming\nlog:\n  - on: 2025-02-30\n')
    out = crm("validate")
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    # every problem of the file, not only the first: the impossible date does not hide the bad stage
    where = {line.split(": ", 1)[0]: line for line in lines}
    assert "'dreaming'" in where["records/bad-zzzz.yaml:3:8"]
    assert "impossible date '2025-02-30'" in where["records/bad-zzzz.yaml:5:9"]
    assert sum("2025-02-30" in line for line in lines) == 1  # the reader's problem, not again as "not a date"
    (workspace / "records" / "bad-zzzz.yaml").write_text('name: Bad\ncountry: "DE"\nstage: dreaming\n')
    out = crm("validate", "records/bad-zzzz.yaml", "README.md")
    assert out.returncode == 1 and out.stdout.startswith("records/bad-zzzz.yaml:3:8: stage: 'dreaming' is not one of")


def test_validate_reports_schema_enums_out_of_step(crm, workspace):
    schema = workspace / "schema.yaml"
    schema.write_text(schema.read_text().replace("enum: [A, B, C, D, E]", "enum: [A, B, C, D, E, F]"))
    out = crm("validate")
    assert out.returncode == 1 and out.stdout.startswith("schema.yaml:") and "x-crm.grades" in out.stdout


def test_workspace_is_found_upwards_by_flag_and_by_env(workspace, tmp_path):
    cli = CLI(workspace / "records")
    assert cli("list", "--json").returncode == 0
    elsewhere = CLI(tmp_path)
    lost = elsewhere("list")
    assert lost.returncode == 1 and "no crm workspace" in lost.stderr and "crm init" in lost.stderr
    assert elsewhere("--workspace", str(workspace), "list", "--json").returncode == 0
    assert elsewhere("list", "--json", env={"CRM_WORKSPACE": str(workspace)}).returncode == 0


def _editor(tmp_path: Path, body: str) -> str:
    script = tmp_path / "editor.py"
    script.write_text(f"import sys, pathlib\np = pathlib.Path(sys.argv[1])\n{body}\n")
    return f"{sys.executable} {script}"


def test_edit_commits_a_valid_result(crm, workspace, tmp_path):
    editor = _editor(tmp_path, "p.write_text(p.read_text().replace('city: Hamburg', 'city: Lübeck'))")
    out = crm("edit", RID, env={"EDITOR": editor})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"{RID}: city Hamburg -> Lübeck"
    assert not list((workspace / "records").glob(".*"))


def test_edit_keeps_the_users_text_when_invalid(crm, workspace, tmp_path):
    editor = _editor(tmp_path, "p.write_text(p.read_text().replace('grade: A', 'grade: Z'))")
    out = crm("edit", RID, env={"EDITOR": editor}, input="")
    assert out.returncode == 1
    assert f"records/{RID}.yaml:" in out.stderr and "grade: 'Z' is not one of" in out.stderr
    kept = workspace / ".git" / "crm" / "rejected" / f"{RID}.rejected.yaml"
    assert "grade: Z" in kept.read_text() and f".git/crm/rejected/{RID}.rejected.yaml" in out.stderr
    assert "grade: A" in (workspace / "records" / f"{RID}.yaml").read_text()
    assert git(workspace, "status", "--porcelain", "--untracked-files=all") == ""
    again = crm("edit", RID, env={"EDITOR": editor}, input="")  # a second attempt never overwrites the first
    assert again.returncode == 1 and f"{RID}.rejected.2.yaml" in again.stderr
    assert "grade: Z" in kept.read_text()


def test_demo_builds_a_workspace_with_history(tmp_path):
    cli = CLI(tmp_path)
    out = cli("demo", str(tmp_path / "demo"), "--no-ui")
    assert out.returncode == 0, out.stderr
    demo = tmp_path / "demo"
    assert len(list((demo / "records").glob("*.yaml"))) >= 60
    assert int(git(demo, "rev-list", "--count", "HEAD")) >= 20
    authors = set(git(demo, "log", "--format=%ae").split())
    assert len(authors) >= 2
    dates = git(demo, "log", "--format=%ad", "--date=short").split()
    assert min(dates) <= "2025-01-01" and max(dates) >= "2026-11-01"
    assert git(demo, "status", "--porcelain") == ""
    assert CLI(demo)("validate").returncode == 0
    refuse = cli("demo", str(demo), "--no-ui")
    assert refuse.returncode == 2 and "not empty" in refuse.stderr


def test_the_sample_workspace_itself_is_valid():
    out = CLI(ROOT)("validate")
    assert out.returncode == 0, out.stdout


def test_dates_on_the_command_line_are_checked_and_may_be_relative(crm):
    bad = crm("log", RID, "--via", "call", "--note", "x", "--due", "2026-02-30")
    assert bad.returncode == 2 and "must be a date" in bad.stderr and "Traceback" not in bad.stderr
    assert crm("list", "--as-of", "yesterday").returncode == 2
    assert crm("log", RID, "--via", "call", "--note", "x", "--due", "+7").returncode == 0
    assert json.loads(crm("show", RID, "--json").stdout)["derived"]["next_followup"] == "2026-11-30"


def test_repeating_a_change_is_not_an_error(crm):
    assert crm("grade", RID, "B").returncode == 0
    again = crm("grade", RID, "B")
    assert again.returncode == 0 and "grade is already B" in again.stderr


def test_workspace_option_after_the_command(crm, workspace, tmp_path):
    assert CLI(tmp_path)("list", "--json", "--workspace", str(workspace)).returncode == 0


def test_setting_a_field_the_schema_does_not_know_is_refused_unless_forced(crm, workspace):
    path = workspace / "records" / f"{RID}.yaml"
    before = path.read_bytes()
    out = crm("set", RID, "ctiy", "Oslo")
    assert out.returncode == 2 and "ctiy is not a field in schema.yaml; did you mean city?" in out.stderr
    assert path.read_bytes() == before
    out = crm("set", RID, "ctiy", "Oslo", "--force")
    assert out.returncode == 0, out.stderr
    assert "ctiy: Oslo" in path.read_text()
