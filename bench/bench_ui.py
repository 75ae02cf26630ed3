"""UI budgets at 10k and 100k customers: prints figures, asserts nothing (not part of the test suite).

    python bench/bench_ui.py               # 10000 100000
    python bench/bench_ui.py 10000         # one size

For each size: a synthetic workspace (bench/synth.py) in a temp folder, its cache warmed by one load,
then with the app running headless at 80x24 through Textual's Pilot:
- time to first screen: from starting the app until the table has drawn its rows (warm cache);
- filter keystroke: the search box's handler for each prefix of a word typed letter by letter, plus
  drawing the visible rows, and the same keystroke end to end through the Pilot;
- sort: re-sorting the table by each column.
Budgets (DESIGN.md): first screen <= 0.5 s at 10k and <= 2 s at 100k; a filter keystroke <= 50 ms at 10k.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synth import generate  # noqa: E402
from tui.core.store import load_catalog  # noqa: E402
from tui.core.workspace import Workspace  # noqa: E402
from tui.ui.app import CrmApp  # noqa: E402
from tui.ui.listing import SORT_ORDER  # noqa: E402
from tui.ui.table import CustomerTable  # noqa: E402

TODAY = dt.date(2026, 11, 23)
WORDS = ["nordic", "buyer12", "call to confirm"]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def draw(table) -> None:
    """What a refresh costs: every visible line rendered (the strip cache is cleared by a change)."""
    for y in range(table.size.height):
        table.render_line(y)


def watch_first_row(seen: dict):
    """Note when the table first draws a customer's row (the first screen a user can work with)."""
    original = CustomerTable.render_line

    def render_line(self, y: int):
        if y >= 1 and "first row" not in seen and round(self.scroll_y) + y - 1 < len(self.source):
            seen["first row"] = time.perf_counter()
        return original(self, y)

    CustomerTable.render_line = render_line
    return original


async def measure(ws: Workspace, n: int) -> dict:
    out: dict = {}
    seen: dict = {}
    original = watch_first_row(seen)
    started = time.perf_counter()
    app = CrmApp(ws, lambda: TODAY, watch_interval=None)
    async with app.run_test(size=(80, 24)) as pilot:
        while "first row" not in seen:
            await asyncio.sleep(0.002)
        CustomerTable.render_line = original
        out["first screen"] = seen["first row"] - started
        while not app.confirmed:
            await asyncio.sleep(0.005)
        out["every file checked (load_catalog)"] = time.perf_counter() - started
        await pilot.pause()
        screen = app.screen
        table = screen.table

        handler = []
        for word in WORDS:
            for i in range(1, len(word) + 1):
                t = time.perf_counter()
                screen.apply_query(word[:i])
                draw(table)
                handler.append(time.perf_counter() - t)
            screen.apply_query("")
        t = time.perf_counter()
        screen.apply_query("grade:A,B due:overdue owner:pool")
        draw(table)
        out["filter words (grade, due, owner)"] = time.perf_counter() - t
        screen.apply_query("")
        out["filter keystroke, median"] = statistics.median(handler)
        out["filter keystroke, worst"] = max(handler)

        await pilot.press("slash")
        e2e = []
        for ch in "nordic":
            t = time.perf_counter()
            await pilot.press(ch)
            e2e.append(time.perf_counter() - t)
        out["keystroke via Pilot incl. its waits, median"] = statistics.median(e2e)
        await pilot.press("escape", "escape")

        sorts = {}
        for field in SORT_ORDER[1:] + SORT_ORDER[:1]:
            t = time.perf_counter()
            screen.sort_by(field, False)
            draw(table)
            sorts[field] = time.perf_counter() - t
        out["sort, median over columns"] = statistics.median(sorts.values())
        out["sort, worst column"] = max(sorts.values())
        t = time.perf_counter()
        screen.sort_by("name", True)
        draw(table)
        out["reverse sort"] = time.perf_counter() - t
        t = time.perf_counter()
        for _ in range(50):
            table.action_page(1)
            draw(table)
        out["page down (each)"] = (time.perf_counter() - t) / 50
        await pilot.press("q")
    return out


def main(sizes: list[int]) -> None:
    cores = os.cpu_count()
    print(f"crm UI benchmark · Python {platform.python_version()} · {platform.system()} · {cores} cores")
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix=f"crm-ui-{n}-") as tmp:
            target = Path(tmp) / "ws"
            t = time.perf_counter()
            generate(target, n, commit=False)
            subprocess.run(["git", "init", "-q", "-b", "main"], cwd=target, check=True)
            time.sleep(2.1)  # files written within 2 s of a cache save are re-hashed, not trusted
            ws = Workspace(target)
            made = time.perf_counter() - t
            t = time.perf_counter()
            catalog = load_catalog(ws)
            cold = time.perf_counter() - t
            t = time.perf_counter()
            load_catalog(Workspace(target))
            warm = time.perf_counter() - t
            print(f"\n{n:,} customers (generated in {made:.1f} s; cold load {cold:.1f} s, "
                  f"warm load {ms(warm)}, {len(catalog):,} records)")
            figures = asyncio.run(measure(Workspace(target), n))
            budget = {10_000: 0.5, 100_000: 2.0}.get(n)
            for name, value in figures.items():
                note = ""
                if name == "first screen" and budget:
                    note = f"   (budget {budget} s: {'ok' if value <= budget else 'OVER'})"
                if name == "filter keystroke, worst" and n <= 10_000:
                    note = f"   (budget 50 ms: {'ok' if value <= 0.05 else 'OVER'})"
                print(f"  {name:<38} {ms(value):>10}{note}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000])
