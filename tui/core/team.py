"""The team (x-crm.team in schema.yaml): each member's git email and role, manager or sales.

With no team block everyone may change everything, as a one-person workspace expects. The rules are
read from a schema.yaml's text, so that a permission check can read them as of any commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from tui.core.errors import CrmError, Problem
from tui.core.gitrepo import Git
from tui.core.pool import PoolRules, pool_rules
from tui.core.schema import Schema

ROLES = ("manager", "sales")


@dataclass(frozen=True)
class Team:
    """Who is who; `members` empty means no rules (everyone may change everything)."""

    members: dict[str, str] = field(default_factory=dict)  # git email (lower-case) -> role
    claim_limit: int = 50

    def __bool__(self) -> bool:
        return bool(self.members)

    def role(self, email: str) -> str | None:
        return self.members.get(email.strip().lower())

    @property
    def managers(self) -> list[str]:
        return sorted(e for e, r in self.members.items() if r == "manager")


def team_of(schema: Schema) -> Team:
    """The team of a schema.yaml; an entry with an unknown role counts as no entry (validate names it)."""
    xcrm = schema.json.get("x-crm")
    block = xcrm.get("team") if isinstance(xcrm, dict) else None
    members = {}
    if isinstance(block, dict):
        members = {str(k).strip().lower(): v for k, v in block.items() if v in ROLES}
    try:
        limit = pool_rules(schema).claim_limit
    except CrmError:
        limit = PoolRules().claim_limit
    return Team(members, limit)


def team_problems(schema: Schema) -> list[Problem]:
    """What is wrong with `x-crm.team`, each at its line and column (for `crm validate`)."""
    xcrm = schema.json.get("x-crm")
    block = xcrm.get("team") if isinstance(xcrm, dict) else None
    if block is None:
        return []
    if not isinstance(block, dict):
        line, col = schema.locate(("x-crm", "team"))
        return [Problem(schema.name, line, col, "x-crm.team must map git emails to a role (alice@example.com: manager)")]
    found = []
    for email, role in block.items():
        line, col = schema.locate(("x-crm", "team", email))
        if role not in ROLES:
            found.append(Problem(schema.name, line, col, f"x-crm.team.{email}: the role is manager or sales, not {role!r}"))
        elif "@" not in str(email):
            found.append(Problem(schema.name, line, col, f"x-crm.team: {email!r} is not a git email (name@example.com)"))
    return found


def view_is_mine(root: Path) -> bool:
    """`git config crm.view mine`: the customer list and the due queue start with the user's own customers."""
    proc = Git(root).run("config", "--get", "crm.view", check=False)
    return proc.stdout.strip().lower() == "mine"
