"""Fixes from a newcomer's walk through the README: each test failed before its fix."""

from __future__ import annotations

import json

import pytest

from tests.conftest import CLI, TODAY, git

RID = "mueller-lichttechnik-7k3q"


@pytest.mark.parametrize("args, option", [
    (("report", "funnel", "--since", "tomorrow"), "--since"),
    (("report", "changes", "--since", "2026-02-30"), "--since"),
    (("report", "summary", "--as-of", "yesterday"), "--as-of"),
    (("list", "--as-of", "yesterday"), "--as-of"),
    (("log", RID, "--via", "call", "--note", "x", "--due", "soon"), "--due"),
    (("log", RID, "--via", "call", "--note", "x", "--on", "monday"), "--on"),
])
def test_a_bad_date_option_says_what_a_date_is_without_pythons_wording(crm, args, option):
    proc = crm(*args)
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert f"argument {option}: must be a date (YYYY-MM-DD) or +N/-N days, not {args[-1]!r}" in last
    assert "isoformat" not in proc.stderr and "Traceback" not in proc.stderr


def test_minus_n_days_is_a_date_n_days_ago(crm):
    proc = crm("report", "changes", "--since", "-3", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "2026-11-20" in proc.stdout and "2026-11-19" not in proc.stdout
