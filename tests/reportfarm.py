"""A small workspace whose history is written commit by commit at chosen dates, for the report tests.

Four customers live through 2026 (and a fifth is added and deleted); every figure the report tests
expect is worked out by hand from the steps below, in tests/test_reports.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-06-30"

HEAD = "# yaml-language-server: $schema=../schema.yaml\n"


def record(name, country, stage, grade=None, owner=None, source=None, tags=(), products=(), orders=(), log=()):
    lines = [HEAD, f"name: {name}\n", f'country: "{country}"\n']
    if owner:
        lines.append(f"owner: {owner}\n")
    if source:
        lines.append(f"source: {source}\n")
    if grade:
        lines.append(f"grade: {grade}\n")
    lines.append(f"stage: {stage}\n")
    if tags:
        lines.append(f"tags: [{', '.join(tags)}]\n")
    if products:
        lines.append(f"products: [{', '.join(products)}]\n")
    if orders:
        lines.append("orders:\n")
        for day, amount, currency in orders:
            lines.append(f"  - date: {day}\n    amount: {amount}\n    currency: {currency}\n")
    if log:
        lines.append("log:\n")
        for on, by, via, due in log:
            lines.append(f"  - on: {on}\n    by: {by}\n    via: {via}\n    note: touch\n" + (f"    due: {due}\n" if due else ""))
    return "".join(lines)


ALICE, BOB = "alice@example.com", "bob@example.com"
A = dict(name="Alpha GmbH", country="DE", owner=ALICE, source="fair", tags=("distributor",), products=("lamp",))
B = dict(name="Beta Inc", country="US", owner=BOB, source="web", tags=("distributor", "oem"))
C = dict(name="Gamma Ltd", country="CN", source="fair")
D = dict(name="Delta AG", country="DE", owner=BOB)
A_LOG = [("2026-01-15", ALICE, "email", "2026-01-20"), ("2026-01-19", ALICE, "call", None)]
B_LOG = [("2026-02-10", BOB, "call", "2026-02-15"), ("2026-02-20", BOB, "email", None)]
C_ORDERS = [("2026-03-10", 10000, "CNY"), ("2026-04-02", 500, "USD")]

# (day, author, {file: text or None to delete})
STEPS = [
    ("2026-01-05", ALICE, {"alpha": record(stage="lead", grade="C", **A)}),
    ("2026-01-15", ALICE, {"alpha": record(stage="contacted", grade="C", log=A_LOG[:1], **A)}),
    ("2026-01-19", ALICE, {"alpha": record(stage="quoted", grade="B", log=A_LOG, **A)}),
    ("2026-02-01", BOB, {"beta": record(stage="lead", grade="C", **B)}),
    ("2026-02-11", BOB, {"beta": record(stage="contacted", grade="C", log=B_LOG[:1], **B)}),
    ("2026-02-20", BOB, {"beta": record(stage="lost", grade="D", log=B_LOG, **B)}),
    ("2026-03-01", ALICE, {"alpha": record(stage="won", grade="B", log=A_LOG, orders=[("2026-03-01", 1000, "EUR")], **A)}),
    ("2026-03-10", ALICE, {"gamma": record(stage="quoted", grade="A", orders=C_ORDERS[:1], **C)}),
    ("2026-04-01", BOB, {"epsilon": record("Epsilon SA", "FR", "lead", owner=BOB)}),
    ("2026-04-02", ALICE, {"gamma": record(stage="quoted", grade="A", orders=C_ORDERS, **C)}),
    ("2026-05-01", BOB, {"gamma": record(stage="won", grade="A", orders=C_ORDERS, log=[("2026-05-01", BOB, "meeting", "2026-07-15")], **C),
                         "epsilon": None}),
    ("2026-06-01", BOB, {"delta": record(stage="lead", **D)}),
]


def run_git(cwd: Path, *args: str, env: dict | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}).stdout


def commit_at(ws: Path, day: str, email: str, files: dict[str, str | None], message: str = "") -> None:
    """One commit of `files` (records/<name>.yaml; None deletes), authored and committed on `day`."""
    for name, text in files.items():
        path = ws / "records" / f"{name}.yaml"
        if text is None:
            path.unlink()
        else:
            path.write_text(text, encoding="utf-8")
    stamp = f"{day}T10:00:00+00:00"
    who = email.split("@")[0].title()
    env = {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_EMAIL": email,
           "GIT_AUTHOR_NAME": who, "GIT_COMMITTER_NAME": who}
    run_git(ws, "add", "-A", env=env)
    run_git(ws, "commit", "-q", "-m", message or f"{day} {', '.join(files)}", env=env)


def build(ws: Path, steps=STEPS) -> Path:
    ws.mkdir(parents=True)
    run_git(ws, "init", "-q", "-b", "main")
    run_git(ws, "config", "user.name", "Bob")
    run_git(ws, "config", "user.email", BOB)
    run_git(ws, "config", "commit.gpgsign", "false")
    shutil.copy(ROOT / "schema.yaml", ws / "schema.yaml")
    (ws / "records").mkdir()
    (ws / "records" / ".keep").write_text("")
    commit_at(ws, "2025-12-31", BOB, {}, "new workspace")
    for day, email, files in steps:
        commit_at(ws, day, email, files)
    return ws
