"""Loading a workspace: tolerant of broken records, cached by content, parallel when cold."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tui.core import store
from tui.core.store import load_catalog, refresh
from tui.core.workspace import Workspace


def test_loads_every_record_and_reports_broken_ones_with_positions(workspace: Path):
    (workspace / "records" / "broken-aaaa.yaml").write_text("name: Broken\ncountry: [\n")
    (workspace / "records" / "invalid-bbbb.yaml").write_text('name: Bad\ncountry: "DE"\ngrade: F\n')
    catalog = load_catalog(Workspace(workspace))
    assert len(catalog) == 8
    broken = catalog.summaries["broken-aaaa"]
    assert broken.problems and broken.problems[0].startswith("records/broken-aaaa.yaml:3:1:")
    invalid = catalog.summaries["invalid-bbbb"]
    assert invalid.problems == ("records/invalid-bbbb.yaml:3:8: grade: 'F' is not one of ['A', 'B', 'C', 'D', 'E']",)
    assert invalid.name == "Bad"
    assert all(s.valid for rid, s in catalog.summaries.items() if rid not in ("broken-aaaa", "invalid-bbbb"))


def test_missing_required_field_points_at_the_record(workspace: Path):
    (workspace / "records" / "noname-cccc.yaml").write_text('# a comment\ncountry: "DE"\n')
    s = load_catalog(Workspace(workspace)).summaries["noname-cccc"]
    assert s.problems == ("records/noname-cccc.yaml:2:1: 'name' is a required property",)


def test_currency_without_a_rate_is_reported(workspace: Path):
    (workspace / "records" / "rate-dddd.yaml").write_text(
        'name: X\ncountry: "DE"\norders:\n  - date: 2025-01-01\n    amount: 5\n    currency: XYZ\n'
    )
    s = load_catalog(Workspace(workspace)).summaries["rate-dddd"]
    assert s.problems == ("records/rate-dddd.yaml:6:15: orders.0.currency: XYZ has no rate in schema.yaml x-crm.rates",)


def test_non_utf8_and_oversized_files_are_reported_not_fatal(workspace: Path):
    (workspace / "records" / "latin-eeee.yaml").write_bytes(b'name: M\xfcller\ncountry: "DE"\n')
    (workspace / "records" / "huge-ffff.yaml").write_text("name: x\nnotes: " + "x" * (1024 * 1024 + 10))
    catalog = load_catalog(Workspace(workspace))
    assert catalog.summaries["latin-eeee"].problems == ("records/latin-eeee.yaml:1:8: byte 0xfc is not UTF-8 text; save the file as UTF-8",)
    assert "over the 1024 KiB limit" in catalog.summaries["huge-ffff"].problems[0]


def test_warm_load_reads_nothing_and_a_changed_file_is_parsed_again(workspace: Path, monkeypatch):
    ws = Workspace(workspace)
    first = load_catalog(ws)
    assert first.parsed == len(first)
    # Age the files past the racy window, as if they were written a while ago.
    old = time.time() - 60
    for p in (workspace / "records").glob("*.yaml"):
        os.utime(p, (old, old))
    load_catalog(ws)  # re-keys the cache with the new mtimes
    warm = load_catalog(ws)
    assert (warm.parsed, warm.from_cache) == (0, len(first))
    target = sorted((workspace / "records").glob("*.yaml"))[0]
    target.write_text(target.read_text().replace("grade:", "grade: A\nold_grade:", 1) if "grade:" in target.read_text() else target.read_text() + "grade: A\n")
    again = load_catalog(ws)
    assert again.parsed == 1
    assert again.summaries[target.stem].grade == "A"


def test_touched_but_unchanged_file_is_not_parsed_again(workspace: Path):
    ws = Workspace(workspace)
    load_catalog(ws)
    target = sorted((workspace / "records").glob("*.yaml"))[0]
    os.utime(target)
    again = load_catalog(ws)
    assert again.parsed == 0  # same content digest


def test_schema_change_drops_the_cache(workspace: Path):
    ws = Workspace(workspace)
    load_catalog(ws)
    schema = workspace / "schema.yaml"
    schema.write_text(schema.read_text().replace("cadence_days: 7", "cadence_days: 8"))
    assert load_catalog(Workspace(workspace)).parsed == len(ws.ids())


def test_deleted_record_leaves_the_catalog(workspace: Path):
    ws = Workspace(workspace)
    catalog = load_catalog(ws)
    victim = sorted(catalog.summaries)[0]
    (workspace / "records" / f"{victim}.yaml").unlink()
    assert victim not in load_catalog(ws).summaries
    assert refresh(ws, catalog, victim) is None and victim not in catalog.summaries


def test_hidden_and_non_yaml_files_are_ignored(workspace: Path):
    (workspace / "records" / ".mueller.edit.yaml").write_text("garbage: [")
    (workspace / "records" / "README.md").write_text("hi")
    assert len(load_catalog(Workspace(workspace))) == 6


def test_parallel_cold_load_gives_the_same_summaries(workspace: Path, monkeypatch):
    ws = Workspace(workspace)
    serial = load_catalog(ws, jobs=1).summaries
    (ws.state_dir / store.CACHE_NAME).unlink()
    monkeypatch.setattr(store, "PARALLEL_FROM", 2)
    monkeypatch.setattr(store, "BATCH", 2)
    seen = []
    parallel = load_catalog(ws, progress=lambda done, total: seen.append((done, total)), jobs=2)
    assert parallel.summaries == serial
    assert seen[0] == (0, 6) and seen[-1] == (6, 6)


def test_cache_lives_inside_git_dir(workspace: Path):
    ws = Workspace(workspace)
    load_catalog(ws)
    assert (workspace / ".git" / "crm" / store.CACHE_NAME).is_file()


def test_a_corrupt_cache_costs_only_a_cold_load(workspace: Path):
    ws = Workspace(workspace)
    load_catalog(ws)
    (ws.state_dir / store.CACHE_NAME).write_bytes(b"not a pickle")
    assert len(load_catalog(ws)) == 6


def test_load_cached_paints_from_the_cache_then_load_catalog_corrects_it(workspace: Path):
    ws = Workspace(workspace)
    assert store.load_cached(ws) is None  # nothing saved yet
    full = load_catalog(ws)
    target = sorted((workspace / "records").glob("*.yaml"))[0]
    target.unlink()
    quick = store.load_cached(ws)
    assert quick.summaries == full.summaries  # stale by design: the file is gone but still listed
    assert target.stem not in load_catalog(ws).summaries
