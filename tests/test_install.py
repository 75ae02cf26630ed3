"""A non-editable install (pip install ., pipx install .) still carries the sample data for `crm demo`."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, git


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )
    if proc.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{proc.stdout}\n{proc.stderr}")
    return next(out.glob("crm-*.whl"))


def test_wheel_carries_the_sample_workspace(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "tui/sample/schema.yaml" in names
    records = [n for n in names if n.startswith("tui/sample/records/") and n.endswith(".yaml")]
    assert len(records) == len(list((ROOT / "records").glob("*.yaml")))


def test_demo_runs_from_the_installed_package(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)], check=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run([sys.executable, "-c", "import tui; print(tui.__file__)"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert where.stdout.startswith(str(site))  # the installed copy, not this checkout
    proc = subprocess.run([sys.executable, "-m", "tui", "demo", str(tmp_path / "demo"), "--no-ui"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert len(list((tmp_path / "demo" / "records").glob("*.yaml"))) >= 60
    assert int(git(tmp_path / "demo", "rev-list", "--count", "HEAD")) >= 20
