"""Reports read from git history: due dates kept only in earlier versions, `--as-of` from the index
alone (no git walk per report), and the demo's history giving every report something to show.

Hand computation for the follow-up workspace (today 2026-06-30, since 2026-01-01), one customer zeta
owned by alice, its file after every commit having a due date on the latest touch only:
- 01-05 touch email, due 01-12; 01-10 touch call (the email's due cleared): 01-12 met.
- the call's due 01-20, cleared by the 02-01 meeting: missed.
- the meeting's due 02-05, moved to 02-28 on 02-03, cleared by the 02-25 email: the last due
  given counts, met.
- a 03-01 touch with due 03-05 is deleted on 03-02: its due counts for nobody.
So 2 on time, 1 late. As of 01-31: 01-12 met, 01-20 passed with no touch since: 1 on time, 1 late.
"""

from __future__ import annotations

import datetime as dt
import json
import marshal
import subprocess

import pytest

from tests.conftest import CLI
from tests.reportfarm import ALICE, BOB, build, commit_at, record, run_git

Z = dict(name="Zeta Oy", country="FI", owner=ALICE)
T1, T2, T3, T4 = ("2026-01-05", ALICE, "email"), ("2026-01-10", ALICE, "call"), ("2026-02-01", ALICE, "meeting"), ("2026-02-25", ALICE, "email")
T5 = ("2026-03-01", ALICE, "call")
STEPS = [
    ("2026-01-05", ALICE, {"zeta": record(stage="lead", log=[(*T1, "2026-01-12")], **Z)}),
    ("2026-01-10", ALICE, {"zeta": record(stage="contacted", log=[(*T1, None), (*T2, "2026-01-20")], **Z)}),
    ("2026-02-01", ALICE, {"zeta": record(stage="contacted", log=[(*T1, None), (*T2, None), (*T3, "2026-02-05")], **Z)}),
    ("2026-02-03", ALICE, {"zeta": record(stage="contacted", log=[(*T1, None), (*T2, None), (*T3, "2026-02-28")], **Z)}),
    ("2026-02-25", ALICE, {"zeta": record(stage="inquiry", log=[(*T1, None), (*T2, None), (*T3, None), (*T4, None)], **Z)}),
    ("2026-03-01", ALICE, {"zeta": record(stage="inquiry", log=[(*T1, None), (*T2, None), (*T3, None), (*T4, None), (*T5, "2026-03-05")], **Z)}),
    ("2026-03-02", ALICE, {"zeta": record(stage="inquiry", log=[(*T1, None), (*T2, None), (*T3, None), (*T4, None)], **Z)}),
]


@pytest.fixture(scope="module")
def dues(tmp_path_factory):
    return build(tmp_path_factory.mktemp("dues") / "ws", STEPS)


def followups(ws, *args: str) -> tuple[int, int]:
    proc = CLI(ws, env={"CRM_TODAY": "2026-06-30"})("report", "activity", "--since", "2026-01-01", *args, "--json")
    assert proc.returncode == 0, proc.stderr
    rep = json.loads(proc.stdout)
    return rep["headline"]["due dates met"], rep["headline"]["due dates missed"]


def test_due_dates_cleared_in_later_versions_still_count(dues):
    assert "due:" not in (dues / "records" / "zeta.yaml").read_text()  # the file alone says nothing
    assert followups(dues) == (2, 1)


def test_due_dates_as_of_a_day_count_only_what_was_known_then(dues):
    assert followups(dues, "--as-of", "2026-01-31") == (1, 1)


# ------------------------------------------------------------------ --as-of from the index alone


def _branchy(ws):
    """The report farm, then a side branch merged back without fast-forward: history with a merge."""
    build(ws)
    run_git(ws, "checkout", "-q", "-b", "side", "HEAD~2")
    commit_at(ws, "2026-06-10", ALICE, {"eta": record("Eta Ltd", "GB", "lead", owner=ALICE)})
    run_git(ws, "checkout", "-q", "main")
    env = {"GIT_AUTHOR_DATE": "2026-06-12T10:00:00+00:00", "GIT_COMMITTER_DATE": "2026-06-12T10:00:00+00:00"}
    run_git(ws, "merge", "-q", "--no-ff", "-m", "merge side", "side", env=env)
    return ws


def test_reachable_commits_come_from_the_index_and_match_git(tmp_path):
    from tui.core.timeline import Timeline
    from tui.core.workspace import Workspace

    ws = _branchy(tmp_path / "ws")
    line = Timeline(Workspace(ws))
    line.update()
    commits = run_git(ws, "rev-list", "HEAD").split()
    assert len(marshal.loads(line.parents)) == len(commits)
    for sha in commits:
        assert line.reachable(sha) == set(run_git(ws, "rev-list", sha).split()), sha
    side = run_git(ws, "rev-parse", "side").strip()
    assert side not in line.reachable(run_git(ws, "rev-parse", "HEAD^1").strip()) and side in line.reachable(commits[0])
    # a new commit is read on its own; a commit that leaves the branch leaves the index
    commit_at(ws, "2026-06-20", BOB, {"theta": record("Theta AB", "SE", "lead", owner=BOB)})
    line = Timeline(Workspace(ws))
    line.update()
    head = run_git(ws, "rev-parse", "HEAD").strip()
    assert line.reachable(head) == set(run_git(ws, "rev-list", "HEAD").split())
    run_git(ws, "reset", "-q", "--hard", "HEAD~1")
    line = Timeline(Workspace(ws))
    line.update()
    assert head not in marshal.loads(line.parents) and len(marshal.loads(line.parents)) == len(commits)


def test_state_as_of_a_commit_runs_no_git(tmp_path, monkeypatch):
    from tui.core import gitrepo
    from tui.core.timeline import state_at, timeline_for
    from tui.core.workspace import Workspace

    ws = Workspace(_branchy(tmp_path / "ws"))
    line = timeline_for(ws)
    before = run_git(ws.root, "rev-parse", "HEAD^1").strip()  # main before the merge: no eta yet

    def no_git(*args, **kwargs):
        raise AssertionError(f"git run during an as-of read: {args}")

    monkeypatch.setattr(gitrepo.Git, "run", no_git)
    monkeypatch.setattr(subprocess, "run", no_git)
    then = state_at(ws, line, before)
    assert set(then) == {"alpha", "beta", "gamma", "delta"}  # eta only on the side branch


# ------------------------------------------------------------------ the demo


def _promises_from_git(root, since: str, today: str) -> tuple[int, int]:
    """Due dates met and missed in the demo, worked out from git with PyYAML, apart from crm's code:
    for each touch in the final file, the last due any version gave it; met when the next touch came
    by then."""
    import yaml

    log = run_git(root, "log", "--reverse", "--format=@%H", "--name-only", "--", "records").split()
    versions, sha = [], None
    for word in log:
        if word.startswith("@"):
            sha = word[1:]
        else:
            versions.append(f"{sha}:{word}")
    out = subprocess.run(["git", "cat-file", "--batch"], cwd=root, input="\n".join(versions).encode() + b"\n",
                         capture_output=True, check=True).stdout
    given: dict[str, dict] = {}
    pos = 0
    for name in versions:
        header_end = out.index(b"\n", pos)
        size = int(out[pos:header_end].split()[2])
        raw = out[header_end + 1:header_end + 1 + size].decode()
        pos = header_end + 1 + size + 1
        for touch in _touches(yaml.load(raw, Loader=yaml.BaseLoader)):
            if _day(touch.get("due")):
                given.setdefault(name.split(":", 1)[1], {})[(str(touch["on"]), touch.get("by"))] = _day(touch["due"])
    met = missed = 0
    for path in sorted((root / "records").glob("*.yaml")):
        final = sorted(_touches(yaml.load(path.read_text(), Loader=yaml.BaseLoader)), key=lambda t: t["on"])
        for i, touch in enumerate(final):
            due = given.get(f"records/{path.name}", {}).get((str(touch["on"]), touch.get("by")))
            if not due or not since <= due <= today:
                continue
            nxt = str(final[i + 1]["on"]) if i + 1 < len(final) else None
            if nxt is not None and nxt <= today:
                met, missed = (met + 1, missed) if nxt <= due else (met, missed + 1)
            elif due < today:
                missed += 1
    return met, missed


def _day(value) -> str | None:
    try:
        return dt.date.fromisoformat(value).isoformat() if isinstance(value, str) else None
    except ValueError:
        return None


def _touches(data) -> list[dict]:
    """The touches with a date (the ones reports count), read as plain strings: YAML 1.1 reads the key
    `on` as true."""
    log = data.get("log") if isinstance(data, dict) else None
    return [t for t in log if isinstance(t, dict) and _day(t.get("on"))] if isinstance(log, list) else []


def test_demo_history_has_due_dates_met_and_missed_and_ends_at_the_sample(tmp_path):
    from tui.core.create import sample_dir
    from tui.core.demo import build_demo

    root = build_demo(tmp_path / "demo").root
    sample = {p.name: p.read_bytes() for p in (sample_dir() / "records").glob("*.yaml")}
    assert {p.name: p.read_bytes() for p in (root / "records").glob("*.yaml")} == sample
    met, missed = _promises_from_git(root, "2025-01-01", "2026-11-23")
    assert met >= 20 and missed >= 20  # both, in numbers: not a side effect of one record
    proc = CLI(root, env={"CRM_TODAY": "2026-11-23"})("report", "activity", "--since", "2025-01-01", "--json")
    assert proc.returncode == 0, proc.stderr
    head = json.loads(proc.stdout)["headline"]
    assert (head["due dates met"], head["due dates missed"]) == (met, missed)
    again = build_demo(tmp_path / "again").root
    assert run_git(again, "rev-parse", "HEAD") == run_git(root, "rev-parse", "HEAD")  # deterministic
