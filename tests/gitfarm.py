"""A team in a temp folder: a bare remote and several clones, each with its own git identity.

Used by the sync, merge and history tests; commands run through the real entry point, in-process
(`main(argv)`), while git runs the merge driver as the real subprocess it is."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
from pathlib import Path

from tui.cli import main
from tui.core.create import GITATTRIBUTES

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-23"
# Every clock a farm reads is pinned: crm's (CRM_TODAY) and git's commit dates, which the merge driver
# writes as the `on` of a conflict. Nothing here depends on the day the tests run. A value the test
# set in the environment itself wins.
PINNED = {"CRM_TODAY": TODAY, "GIT_AUTHOR_DATE": f"{TODAY}T12:00:00+00:00", "GIT_COMMITTER_DATE": f"{TODAY}T12:00:00+00:00"}

BASE_RECORD = """\
# yaml-language-server: $schema=../schema.yaml
name: Acme Lighting   # the one on the invoices
country: "DE"
city: Hamburg
grade: C
stage: quoted
tags: [distributor]
contacts:
  - name: Hans Muller
    email: hans@acme.example
    phone: "+49 40 1234567"
orders:
  - date: 2025-03-10
    ref: PO-1
    amount: 1000
    currency: USD
    status: paid
log:
  - on: 2025-10-01
    by: alice@example.com
    via: email
    note: First contact.
  - on: 2025-10-09
    by: alice@example.com
    via: call
    note: Asked for a quote.
notes: Prefers email.
"""


def git(cwd: Path, *args: str, check: bool = True) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env={**PINNED, **os.environ})
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed in {cwd}:\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def run(clone: Path, *argv: str) -> tuple[int, str, str]:
    """`crm -w CLONE ARGV...` in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with pinned():
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["-w", str(clone), *argv])
    return code, out.getvalue(), err.getvalue()


@contextlib.contextmanager
def environ(values: dict[str, str], keep_set: bool = False):
    """`values` in os.environ for the duration, put back after (with keep_set, a variable the test set
    itself wins)."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update({k: v for k, v in values.items() if not (keep_set and os.environ.get(k))})
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def pinned():
    """PINNED in os.environ for the duration (commits made in-process, and the merge driver git runs);
    a date the test set itself wins."""
    return environ(PINNED, keep_set=True)


def ok(clone: Path, *argv: str) -> str:
    code, out, err = run(clone, *argv)
    assert code == 0, f"crm {' '.join(argv)} in {clone.name} exited {code}:\n{out}{err}"
    return out


class Farm:
    """remote.git plus clones named after their users."""

    PEOPLE = ("alice", "bob", "carol")

    def __init__(self, tmp: Path, records: dict[str, str] | None = None, people=PEOPLE):
        self.tmp = tmp
        self.remote = tmp / "remote.git"
        git(tmp, "init", "-q", "--bare", "-b", "main", str(self.remote))
        seed = tmp / "seed"
        seed.mkdir()
        git(seed, "init", "-q", "-b", "main")
        self._identity(seed, "seed")
        shutil.copy(ROOT / "schema.yaml", seed / "schema.yaml")
        (seed / ".gitattributes").write_text(GITATTRIBUTES)
        (seed / "records").mkdir()
        for rid, text in (records if records is not None else {"acme-7k3q": BASE_RECORD}).items():
            (seed / "records" / f"{rid}.yaml").write_text(text)
        git(seed, "add", "-A")
        git(seed, "commit", "-q", "-m", "crm: new workspace")
        git(seed, "remote", "add", "origin", str(self.remote))
        git(seed, "push", "-q", "-u", "origin", "main")
        self.clones = {name: self.clone(name) for name in people}

    @staticmethod
    def _identity(path: Path, name: str) -> None:
        git(path, "config", "user.name", name.title())
        git(path, "config", "user.email", f"{name}@example.com")
        git(path, "config", "commit.gpgsign", "false")

    def clone(self, name: str) -> Path:
        path = self.tmp / name
        git(self.tmp, "clone", "-q", str(self.remote), str(path))
        self._identity(path, name)
        return path

    def __getitem__(self, name: str) -> Path:
        return self.clones[name]
