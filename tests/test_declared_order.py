"""Item: sorting by stage, grade and credit follows schema.yaml's declared order, not the alphabet."""

from __future__ import annotations

import asyncio
import json

from conftest_ui import fixed_workspace, today

from tui.core.catalog import Summary
from tui.core.order import declared_orders, rank
from tui.core.schema import Schema
from tui.ui.app import CrmApp
from tui.ui.listing import Listing

from conftest import ROOT

FUNNEL = ["lead", "contacted", "inquiry", "quoted", "sample", "negotiating", "won", "repeat", "dormant", "lost"]


def _rank_of(order: list[str]):
    place = {v: i for i, v in enumerate(order)}
    return lambda v: place[v]


def test_declared_orders_come_from_schema_yaml():
    orders = declared_orders(Schema(ROOT / "schema.yaml"))
    assert list(orders["stage"]) == FUNNEL  # the funnel, exits last
    assert list(orders["credit"]) == ["AAA", "AA", "A", "BBB", "BB", "B", "C"]
    assert list(orders["grade"]) == ["A", "B", "C", "D", "E"]


def test_a_field_with_an_enum_sorts_by_it(tmp_path):
    original = (ROOT / "schema.yaml").read_text()
    text = original.replace("\n  notes: {type: string}\n", "\n  size: {type: string, enum: [small, medium, large]}\n"
                            "  notes: {type: string}\n", 1)
    assert text != original  # the field went in
    orders = declared_orders(Schema(tmp_path / "schema.yaml", text))
    assert orders["size"] == ("small", "medium", "large")
    assert sorted(["large", "", "huge", "small", "medium"], key=rank(orders["size"])) == \
        ["small", "medium", "large", "huge", ""]


def test_crm_list_sort_stage_and_credit_follow_the_funnel(crm):
    out = crm("list", "--sort", "stage", "--json")
    assert out.returncode == 0, out.stderr
    stages = [row["stage"] for row in json.loads(out.stdout)]
    assert len(set(stages)) >= 3
    assert stages == sorted(stages, key=_rank_of(FUNNEL))
    assert stages != sorted(stages)  # the sample data would pass an alphabetical sort otherwise
    out = crm("list", "--sort", "credit", "--json")
    assert out.returncode == 0, out.stderr
    credit = [row["credit"] for row in json.loads(out.stdout) if row["credit"]]
    assert credit == sorted(credit, key=_rank_of(["AAA", "AA", "A", "BBB", "BB", "B", "C"]))
    assert credit != sorted(credit)
    out = crm("list", "--sort", "stage", "--reverse", "--json")
    assert [row["stage"] for row in json.loads(out.stdout)] == list(reversed(stages))


def _summary(rid: str, stage: str) -> Summary:
    return Summary(rid, rid, "", "DE", "Europe", "", "", "B", stage, "", "", (), "", "", "", 0.0, 0, "", "", "", (), rid, ())


def test_listing_sorts_stage_in_funnel_order_and_keeps_updates_in_place():
    orders = {"stage": tuple(FUNNEL)}
    rows = [_summary(f"c{i}", s) for i, s in enumerate(["won", "lost", "lead", "", "dormant", "quoted"])]
    listing = Listing(rows, today(), sort="stage", orders=orders)
    assert [listing.row(i).stage for i in range(len(listing))] == ["lead", "quoted", "won", "dormant", "lost", ""]
    listing.update(_summary("c9", "contacted"))
    assert [listing.row(i).stage for i in range(len(listing))] == ["lead", "contacted", "quoted", "won", "dormant", "lost", ""]
    assert listing.position("c9") == 1


def test_ui_sort_by_stage_follows_the_funnel(tmp_path):
    async def run():
        app = CrmApp(fixed_workspace(tmp_path), today, watch_interval=None)
        async with app.run_test(size=(80, 24)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            app.screen.sort_by("stage")
            await pilot.pause()
            stages = [app.listing.row(i).stage for i in range(len(app.listing)) if app.listing.row(i).stage]
            assert len(set(stages)) >= 3
            assert stages == sorted(stages, key=_rank_of(FUNNEL)) != sorted(stages)

    asyncio.run(run())
