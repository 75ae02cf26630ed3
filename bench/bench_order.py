"""Sorting in declared order (stage by funnel, credit AAA..C) against plain alphabetical order, and the
filter check the search box runs on each keystroke: prints figures, asserts nothing.

    python bench/bench_order.py           # 10000 100000
    python bench/bench_order.py 10000     # one size

Summaries are made in memory (no files): this measures the sort keys, not loading.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.core.catalog import Filter, Summary, select  # noqa: E402
from tui.core.filtercheck import owners, unknown_values  # noqa: E402
from tui.core.order import declared_orders  # noqa: E402
from tui.core.schema import Schema  # noqa: E402
from tui.ui.listing import Listing  # noqa: E402

TODAY = dt.date(2026, 11, 23)
SCHEMA = Schema(Path(__file__).resolve().parent.parent / "schema.yaml")


def summaries(n: int) -> list[Summary]:
    rng = random.Random(n)
    stages = list(SCHEMA.rules.stages + SCHEMA.rules.exits) + [""]
    credit = list(SCHEMA.rules.credit) + [""]
    out = []
    for i in range(n):
        rid = f"customer-{i:06d}"
        out.append(Summary(rid, f"Customer {rng.random():.6f}", "", "DE", "Europe", "", "", rng.choice("ABCDE"),
                           rng.choice(stages), f"owner{i % 40}@example.com", rng.choice(credit), (), "", "", "",
                           0.0, 0, "", "", "", (), rid, ()))
    return out


def best(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench(n: int) -> None:
    rows = summaries(n)
    orders = declared_orders(SCHEMA)
    print(f"\n== {n:,} customers")
    for field in ("stage", "credit"):
        plain = best(lambda: select(rows, Filter(), TODAY, field))
        declared = best(lambda: select(rows, Filter(), TODAY, field, orders=orders))
        print(f"crm list --sort {field:<6} (in process): alphabetical {plain * 1000:7.1f} ms · declared {declared * 1000:7.1f} ms")
    listing = Listing(rows, TODAY, orders=orders)
    first = best(lambda: (listing._sorted.pop("stage", None), listing.set_sort("stage"), listing.set_sort("name")), 3)
    print(f"UI sort by stage, first time (Listing):   {first * 1000:7.1f} ms")
    flt = Filter(grade="Z", owner="owner7")
    check = best(lambda: unknown_values(flt, SCHEMA.rules, owners(rows)))
    print(f"search-box check of grade:Z owner:owner7: {check * 1000:7.1f} ms (owners gathered each time)")


def main() -> None:
    for n in [int(a) for a in sys.argv[1:]] or [10000, 100000]:
        bench(n)


if __name__ == "__main__":
    main()
