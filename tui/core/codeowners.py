"""CODEOWNERS for git hosts that ask owners to review merge requests: each record to its owner, schema.yaml
to the managers of x-crm.team. Derived from the records, so `crm validate` says when it is stale."""

from __future__ import annotations

import os
import re

from tui.core.errors import Problem
from tui.core.store import load_catalog
from tui.core.team import team_of
from tui.core.transaction import Transaction
from tui.core.workspace import Workspace

NAME = "CODEOWNERS"
HEADER = ("# Written by `crm codeowners` from each record's owner and the managers in x-crm.team (schema.yaml).\n"
          "# Do not edit by hand: run `crm codeowners` again after owners change (`crm validate` says when).\n")
_EMAIL = re.compile(r"[^\s@#]+@[^\s@#]+\Z")


def codeowners_text(ws: Workspace) -> str:
    """What CODEOWNERS should say now. Customers in the pool have no line: anyone may claim them."""
    managers = [m for m in team_of(ws.schema).managers if _EMAIL.match(m)]
    lines = [HEADER]
    if managers:
        lines.append(f"/schema.yaml {' '.join(managers)}\n")
    for rid, s in sorted(load_catalog(ws).summaries.items()):
        owner = s.owner.strip().lower()
        owners = ([owner] if _EMAIL.match(owner) else []) + [m for m in managers if m != owner]
        if owners and s.owner:
            lines.append(f"/records/{rid}.yaml {' '.join(owners)}\n")
    return "".join(lines)


def _current(ws: Workspace) -> str | None:
    try:
        return (ws.root / NAME).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def is_current(ws: Workspace) -> bool:
    return _current(ws) == codeowners_text(ws)


def exists(ws: Workspace) -> bool:
    return (ws.root / NAME).is_file()


def stale_problems(ws: Workspace) -> list[Problem]:
    """A problem at the first line that differs, when a CODEOWNERS file exists and is out of date."""
    have = _current(ws)
    if have is None or not (ws.root / NAME).is_file():
        return []
    want = codeowners_text(ws)
    if have == want:
        return []
    old, new = have.splitlines(), want.splitlines()
    line = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new))) + 1
    return [Problem(NAME, line, 1, "out of date with the records' owners or x-crm.team; run `crm codeowners` to rewrite it")]


def write_codeowners(ws: Workspace) -> str | None:
    """Write CODEOWNERS and commit it (one commit); the commit message, or None when it was up to date."""
    text = codeowners_text(ws)
    if _current(ws) == text:
        return None
    raw = text.encode("utf-8")
    with Transaction(ws, "crm codeowners") as tx:
        path = ws.root / NAME
        tmp = path.with_name(f".{NAME}.{os.getpid()}")
        tmp.write_bytes(raw)
        os.replace(tmp, path)
        count = text.count("\n/records/")
        records = f"{count} record{'s' if count != 1 else ''} to their owners"
        if "\n/schema.yaml " in text:
            message = f"CODEOWNERS: {records}, schema.yaml to the managers"
        else:
            message = f"CODEOWNERS: {records}; x-crm.team names no managers, so only owners are listed"
        tx.commit_present(NAME, raw, message)
    return message
