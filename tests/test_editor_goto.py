"""Problems open the editor at the problem: `+LINE` for the terminal editors, `--goto FILE:LINE:COL`
for VS Code; `crm edit` on an invalid record does the same."""

from __future__ import annotations

import asyncio
import json
import sys

import pytest
from conftest import CLI
from conftest_ui import fixed_workspace, today
from test_ui_app import SIZE, settle, started

from tui.core.editor import open_at, position_of
from tui.ui.app import CrmApp
from tui.ui.problems import ProblemsScreen


@pytest.mark.parametrize("command, expected", [
    (["vim"], ["vim", "+3", "f.yaml"]),
    (["/usr/bin/vi"], ["/usr/bin/vi", "+3", "f.yaml"]),
    (["nvim"], ["nvim", "+3", "f.yaml"]),
    (["hx"], ["hx", "+3", "f.yaml"]),
    (["nano"], ["nano", "+3,7", "f.yaml"]),
    (["micro"], ["micro", "+3:7", "f.yaml"]),
    (["emacs", "-nw"], ["emacs", "-nw", "+3:7", "f.yaml"]),
    (["code", "--wait"], ["code", "--wait", "--goto", "f.yaml:3:7"]),
    (["ed"], ["ed", "f.yaml"]),  # an editor that takes no position gets the file alone
])
def test_open_at_speaks_each_editors_dialect(command, expected):
    assert open_at(command, "f.yaml", (3, 7)) == expected
    assert open_at(command, "f.yaml", None) == [*command, "f.yaml"]


def test_position_of_reads_file_line_col():
    assert position_of("records/x.yaml:12:5: grade: 'Z' is not one of ['A']") == (12, 5)
    assert position_of("something without a place") is None


def fake_editor(tmp_path, name: str) -> tuple[str, object]:
    """An executable called `name` that logs its arguments (one JSON list a run) and edits nothing."""
    log = tmp_path / f"{name}.log"
    script = tmp_path / "bin" / name
    script.parent.mkdir(exist_ok=True)
    script.write_text(f"#!{sys.executable}\nimport json, sys\n"
                      f"open({str(log)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n")
    script.chmod(0o755)
    return str(script), log


def test_enter_on_a_problem_opens_vim_at_its_line(tmp_path, monkeypatch):
    ws = fixed_workspace(tmp_path)  # records/broken-example-zz99.yaml: country "de" on line 2, grade Z on line 3
    editor, log = fake_editor(tmp_path, "vim")
    monkeypatch.setenv("EDITOR", editor)
    monkeypatch.delenv("VISUAL", raising=False)

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await started(app, pilot)
            await pilot.press("p")
            await pilot.pause()
            assert isinstance(app.screen, ProblemsScreen)
            problems = app.listing.get("broken-example-zz99").problems
            await pilot.press("down")  # the second problem
            await pilot.press("enter")
            await settle(app, pilot)
            args = json.loads(log.read_text().splitlines()[-1])
            line, _ = position_of(problems[1])
            assert args[0] == f"+{line}" and args[1].endswith(".broken-example-zz99.edit.yaml")
            assert line == 3

    asyncio.run(run())


def test_crm_edit_of_an_invalid_record_opens_vs_code_at_the_first_problem(tmp_path):
    ws = fixed_workspace(tmp_path)
    editor, log = fake_editor(tmp_path, "code")
    out = CLI(ws.root)("edit", "broken-example", env={"EDITOR": f"{editor} --wait", "VISUAL": ""})
    assert out.returncode == 0 and "no change" in out.stdout, out.stderr
    args = json.loads(log.read_text())
    assert args[:2] == ["--wait", "--goto"] and args[2].endswith(".broken-example-zz99.edit.yaml:2:10")
