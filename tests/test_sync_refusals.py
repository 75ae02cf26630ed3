"""Sync where the remote, the arguments or the repository say no: the reason reaches the user and the
workspace is left as it was."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gitfarm import Farm, git, ok, run

RID = "acme-7k3q"


@pytest.fixture
def farm(tmp_path) -> Farm:
    return Farm(tmp_path, people=("alice", "bob"))


def state(clone: Path) -> tuple[str, str, bytes]:
    return (git(clone, "rev-parse", "HEAD"), git(clone, "status", "--porcelain"),
            (clone / "records" / f"{RID}.yaml").read_bytes())


def test_a_push_refused_by_the_remotes_hook_shows_the_hooks_reason(farm):
    hook = farm.remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'acme-7k3q belongs to carol; ask a manager' >&2\nexit 1\n")
    hook.chmod(0o755)
    a = farm["alice"]
    ok(a, "grade", RID, "B")
    before = state(a)
    code, out, err = run(a, "sync")
    assert code == 1
    assert "refused the push: acme-7k3q belongs to carol; ask a manager" in err
    assert state(a) == before


@pytest.mark.parametrize("timeout", ["nan", "inf", "-1", "0"])
def test_a_timeout_that_is_not_a_positive_number_is_refused(farm, timeout):
    a = farm["alice"]
    before = state(a)
    code, out, err = run(a, "sync", "--timeout", timeout)
    assert code in (1, 2) and "Traceback" not in err and "timeout" in err
    assert state(a) == before


def test_a_rebase_of_the_users_own_is_refused_with_the_next_step(farm):
    a = farm["alice"]
    path = a / "records" / f"{RID}.yaml"
    git(a, "checkout", "-q", "-b", "side")
    path.write_text(path.read_text().replace("city: Hamburg", "city: Kiel"))
    git(a, "commit", "-qam", "side")
    git(a, "checkout", "-q", "main")
    path.write_text(path.read_text().replace("city: Hamburg", "city: Bonn"))
    git(a, "commit", "-qam", "main")
    git(a, "-c", "merge.crm.driver=false", "rebase", "side", check=False)
    assert (a / ".git" / "rebase-merge").exists() or (a / ".git" / "rebase-apply").exists()
    code, out, err = run(a, "sync")
    assert code == 1 and "a rebase is in progress" in err and "git rebase --abort" in err
    assert (a / ".git" / "rebase-merge").exists() or (a / ".git" / "rebase-apply").exists()  # the user's, left alone
    code, out, err = run(a, "grade", RID, "B")
    assert code == 1 and "a rebase is in progress" in err
