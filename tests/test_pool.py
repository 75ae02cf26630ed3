"""The public pool: its rules in schema.yaml, claim, release, the sweep (one clone and two), and the UI."""

from __future__ import annotations

from pathlib import Path

from tui.core.pool import PoolRules, pool_rules
from tui.core.schema import Schema

ROOT = Path(__file__).resolve().parent.parent


def _schema(replace: tuple[str, str] | None = None) -> Schema:
    text = (ROOT / "schema.yaml").read_text(encoding="utf-8")
    if replace:
        assert replace[0] in text
        text = text.replace(*replace)
    return Schema(ROOT / "schema.yaml", text)


def test_the_rules_come_from_schema_yaml_with_defaults_for_keys_left_out():
    assert pool_rules(_schema()) == PoolRules(claim_limit=50, idle_days=90, no_order_days=None, cooldown_days=30, warn_days=7)
    changed = _schema(("    claim_limit: 50", "    claim_limit: 3"))
    assert pool_rules(changed).claim_limit == 3
    gone = _schema(("    warn_days: 7        # the due queue warns this many days before a customer returns\n", ""))
    assert pool_rules(gone).warn_days == 7


def test_a_bad_rule_is_reported_at_its_line_by_validate(crm, workspace):
    text = (workspace / "schema.yaml").read_text()
    lines = text.splitlines()
    line = next(i for i, l in enumerate(lines, 1) if l.strip().startswith("idle_days:"))
    (workspace / "schema.yaml").write_text(text.replace("idle_days: 90", "idle_days: soon").replace(
        "    warn_days: 7", "    warn_dayz: 7"))
    proc = crm("validate")
    assert proc.returncode == 1
    assert f"schema.yaml:{line}:16: x-crm.pool.idle_days must be a whole number from 1 up, not 'soon'" in proc.stdout
    assert "x-crm.pool.warn_dayz is not a pool rule; did you mean warn_days?" in proc.stdout
