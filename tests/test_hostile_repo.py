"""A repository is data, never code (DESIGN.md, Trust): whatever a teammate pushes, `crm sync`, `git pull`
and `git rebase` in another clone run the installed crm and its installed dependencies.

Git runs the merge driver in the work tree. A `python -m tui` driver would put that folder first on
sys.path, so a committed `tui/` package would run on every teammate's machine at their next sync.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gitfarm import BASE_RECORD, PINNED, Farm, git, ok
from tui.core import conflicts as cf
from tui.core.merge import DRIVER_NAME, driver_command, run_driver
from tui.core.yamledit import set_value
from tui.core.yamlparse import parse

RID = "acme-7k3q"
TODAY = dt.date(2026, 11, 23)
CRM = Path(sys.executable).with_name("crm")  # the console script pip installed: what users run
# Every name the driver (or crm itself) imports at start-up, and what Python imports by itself.
PACKAGES = ("tui", "crm", "yaml", "fastjsonschema", "jsonschema", "textual", "rich")
MODULES = ("sitecustomize", "usercustomize", "yaml", "rich")  # also as plain .py files next to the packages


@pytest.fixture(autouse=True)
def pinned_clocks(monkeypatch):
    for key, value in PINNED.items():
        monkeypatch.setenv(key, value)


def crm(clone: Path, *args: str) -> subprocess.CompletedProcess:
    """The real `crm` entry point, run in the clone as a user's shell would."""
    assert CRM.is_file(), f"the crm console script is not installed next to {sys.executable}"
    env = {**os.environ, **PINNED, "NO_COLOR": "1"}
    env.pop("CRM_WORKSPACE", None)
    return subprocess.run([str(CRM), *args], cwd=clone, capture_output=True, text=True, env=env, timeout=120)


def plant(clone: Path, markers: Path) -> list[str]:
    """Hostile code in the work tree: each piece, when imported or run, writes a marker outside the repo."""
    planted = []

    def payload(name: str) -> str:
        return f"open({str(markers / name)!r}, 'w').write('ran from the repository')\n"

    for name in PACKAGES:
        (clone / name).mkdir()
        (clone / name / "__init__.py").write_text(payload(f"{name}-package"))
        (clone / name / "__main__.py").write_text(payload(f"{name}-main"))
        planted += [f"{name}/__init__.py", f"{name}/__main__.py"]
    (clone / "tui" / "cli").mkdir()
    (clone / "tui" / "cli" / "__init__.py").write_text(payload("tui.cli") + "def main(argv=None):\n    return 0\n")
    planted.append("tui/cli/__init__.py")
    for name in MODULES:
        (clone / "records" / f"{name}.py").write_text(payload(f"records-{name}"))  # the driver's %P folder
        planted.append(f"records/{name}.py")
    for name in ("sitecustomize", "usercustomize"):
        (clone / f"{name}.py").write_text(payload(name))
        planted.append(f"{name}.py")
    return planted


def data(clone: Path) -> dict:
    return parse((clone / "records" / f"{RID}.yaml").read_text())[0]


def test_code_committed_to_the_repository_never_runs_on_sync_pull_or_rebase(tmp_path):
    farm = Farm(tmp_path)
    a, b, c = farm["alice"], farm["bob"], farm["carol"]
    markers = tmp_path / "markers"
    markers.mkdir()
    # Everyone has used crm before (the driver is registered), then alice pushes code with a record edit.
    for clone in (a, b, c):
        assert crm(clone, "list").returncode == 0
    ok(a, "grade", RID, "B")
    ok(a, "log", RID, "--via", "email", "--note", "alice wrote", "--on", "2025-11-20")
    planted = plant(a, markers)
    git(a, "add", "--", *planted)
    git(a, "commit", "-q", "-m", "helpful tooling")
    git(a, "push", "-q", "origin", "main")

    # bob edits the same record (same field, other field, and a touch at the end) and syncs with crm.
    for args in (("grade", RID, "A"), ("set", RID, "city", "Berlin"),
                 ("log", RID, "--via", "call", "--note", "bob called", "--on", "2025-11-21")):
        assert crm(b, *args).returncode == 0
    proc = crm(b, "sync")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(p.name for p in markers.iterdir()) == []
    assert (b / "tui" / "__main__.py").is_file()  # the hostile code was in bob's work tree during the merge
    d = data(b)
    # The field-level driver ran: both fields merged, both touches kept, the same-field clash flagged.
    assert (d["grade"], d["city"]) == ("B", "Berlin")
    assert [e["note"] for e in d["log"]][-2:] == ["alice wrote", "bob called"]
    assert cf.entries(d) == [{"field": "grade", "value": "A", "by": "bob@example.com", "on": TODAY}]

    # carol edits it too and uses plain git: `git pull --rebase` runs the same registered driver.
    ok(c, "set", RID, "stage", "sample")
    ok(c, "log", RID, "--via", "meeting", "--note", "carol visited", "--on", "2025-11-22")
    proc = subprocess.run(["git", "pull", "-q", "--rebase"], cwd=c, capture_output=True, text=True,
                          env={**os.environ, **PINNED})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(p.name for p in markers.iterdir()) == []
    text = (c / "records" / f"{RID}.yaml").read_text()
    assert "<<<<<<<" not in text
    d = data(c)
    assert (d["grade"], d["city"], d["stage"]) == ("B", "Berlin", "sample")
    assert [e["note"] for e in d["log"]][-3:] == ["alice wrote", "bob called", "carol visited"]

    # and a plain `git rebase` onto the shared history in alice's clone, with a clash of her own.
    ok(a, "set", RID, "city", "Kiel")
    git(a, "fetch", "-q")
    proc = subprocess.run(["git", "rebase", "-q", "origin/main"], cwd=a, capture_output=True, text=True,
                          env={**os.environ, **PINNED})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(p.name for p in markers.iterdir()) == []
    entries = cf.entries(data(a))
    assert {"field": "city", "value": "Kiel", "by": "alice@example.com", "on": TODAY} in entries


@pytest.mark.parametrize("old", [
    "{python} -m tui merge-driver %O %A %B %P",  # what crm registered before: cwd first on sys.path
    "touch /tmp/crm-hostile-marker; {ours}",  # ours, with something in front
    "{ours} # trailing",
    None,  # ours, then a second value git would use instead (the last one wins)
])
def test_an_old_or_foreign_driver_entry_is_rewritten_by_the_next_crm_command(tmp_path, old):
    farm = Farm(tmp_path, people=("alice",))
    a = farm["alice"]
    ours = driver_command()
    if old is None:
        git(a, "config", "merge.crm.driver", ours)
        git(a, "config", "--add", "merge.crm.driver", "sh -c 'touch /tmp/crm-hostile-marker'")
    else:
        git(a, "config", "merge.crm.driver", old.format(python=sys.executable, ours=ours))
    git(a, "config", "merge.crm.name", "something else")
    proc = crm(a, "list")
    assert proc.returncode == 0, proc.stderr
    assert git(a, "config", "--local", "--get-all", "merge.crm.driver").splitlines() == [ours]
    assert git(a, "config", "--local", "--get-all", "merge.crm.name").splitlines() == [DRIVER_NAME]
    python = ours.split(" ", 1)[0]
    assert os.path.samefile(python, sys.executable) and python.startswith(str(Path(sys.executable).parent))
    assert ours.split(" ")[1] == "-I"


def test_the_registered_command_imports_nothing_from_the_folder_it_runs_in(tmp_path):
    """The command exactly as git runs it (through the shell, in the work tree), against a work tree
    full of shadowing packages and with PYTHONPATH/PYTHONSTARTUP pointing into it."""
    work = tmp_path / "work"
    (work / "records").mkdir(parents=True)
    markers = tmp_path / "markers"
    markers.mkdir()
    plant(work, markers)
    base = work / ".merge_file_base"
    ours = work / ".merge_file_ours"
    theirs = work / ".merge_file_theirs"
    base.write_text(BASE_RECORD)
    ours.write_text(set_value(BASE_RECORD, ("grade",), "B"))
    theirs.write_text(set_value(BASE_RECORD, ("city",), "Kiel"))
    command = driver_command().replace("%O", base.name).replace("%A", ours.name).replace("%B", theirs.name)
    command = command.replace("%P", f"records/{RID}.yaml")
    env = {**os.environ, "PYTHONPATH": f".:{work}", "PYTHONSTARTUP": str(work / "sitecustomize.py"),
           "PYTHONUSERBASE": str(work), "CRM_TODAY": "2026-11-23"}
    proc = subprocess.run(command, shell=True, cwd=work, capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in markers.iterdir()) == []
    d = parse(ours.read_text())[0]
    assert (d["grade"], d["city"]) == ("B", "Kiel")


def test_the_driver_merges_records_only(tmp_path, monkeypatch):
    """A .gitattributes that routes another file to merge=crm gets git's line merge, not a conflicts block.
    (Outside any git operation the conflict is dated by crm's clock: CRM_TODAY here.)"""
    monkeypatch.chdir(tmp_path)
    base, ours, theirs = (tmp_path / n for n in ("base", "ours", "theirs"))
    for path in (base, ours, theirs):
        path.write_text(BASE_RECORD)
    ours.write_text(set_value(BASE_RECORD, ("grade",), "B"))
    theirs.write_text(set_value(BASE_RECORD, ("grade",), "A"))
    assert run_driver(str(base), str(ours), str(theirs), "schema.yaml") == 1
    assert "<<<<<<<" in ours.read_text() and "conflicts" not in ours.read_text()
    ours.write_text(set_value(BASE_RECORD, ("grade",), "B"))
    assert run_driver(str(base), str(ours), str(theirs), f"records/{RID}.yaml") == 0
    assert cf.entries(parse(ours.read_text())[0]) == [{"field": "grade", "value": "A", "on": TODAY}]
