"""Core budgets at 1k, 10k and 100k records: prints figures, asserts nothing.

    python bench/bench_core.py            # 1000 10000 100000
    python bench/bench_core.py 10000      # one size
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synth import generate  # noqa: E402
from tui.core.catalog import Filter, due_queue, select  # noqa: E402
from tui.core.changes import Changes  # noqa: E402
from tui.core.store import CACHE_NAME, load_catalog  # noqa: E402
from tui.core.workspace import Workspace  # noqa: E402

TODAY = dt.date(2026, 11, 23)


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def best(fn, runs=5):
    return min(timed(fn)[0] for _ in range(runs))


def cli_seconds(ws: Path, *args: str) -> str:
    """Wall and CPU seconds of one whole command: on a shared machine the wall time says how loaded it is,
    the CPU time what the command costs."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tui", *args], cwd=ws, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "CRM_TODAY": TODAY.isoformat()})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return f"{wall:8.3f} s (CPU {cpu:.3f} s)"


def bench(n: int, folder: Path) -> None:
    t, root = timed(lambda: generate(folder / f"ws{n}", n))
    print(f"\n== {n:,} records (generated and committed in {t:.1f} s)")
    ws = Workspace(root)
    cache = ws.state_dir / CACHE_NAME
    cache.unlink(missing_ok=True)
    cold, catalog = timed(lambda: load_catalog(Workspace(root)))
    print(f"cold load (parse + validate, {os.cpu_count()} cores): {cold:8.3f} s  ({cold / n * 1000:.2f} ms a record)")
    time.sleep(2.1)  # let the files age past the cache's racy-write window, as on any real disk
    load_catalog(Workspace(root))
    warm = best(lambda: load_catalog(Workspace(root)))
    print(f"warm load (from the cache):              {warm:8.3f} s")
    summaries = list(catalog.summaries.values())
    print(f"filter + sort by name (in process):      {best(lambda: select(summaries, Filter(text='nordic'), TODAY)) * 1000:8.1f} ms")
    print(f"due queue (in process):                  {best(lambda: due_queue(summaries, TODAY)) * 1000:8.1f} ms")
    print(f"`crm validate` (warm, whole command):    {cli_seconds(root, 'validate', '-q')}")
    print(f"`crm list --json` (warm, whole command): {cli_seconds(root, 'list', '--json')}")
    print(f"`crm due` (first: history index built):  {cli_seconds(root, 'due')}")
    print(f"`crm due` (warm, whole command):         {cli_seconds(root, 'due')}")
    changes = Changes(ws, today=lambda: TODAY)
    rids = sorted(catalog.summaries)[:5]
    times = []
    for i, rid in enumerate(rids):
        grade = "ABCDE"[i % 5]
        if catalog.summaries[rid].grade == grade:
            grade = "ABCDE"[(i + 1) % 5]
        times.append(timed(lambda: changes.grade(rid, grade))[0])
    print(f"load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"grade change written and committed:      {min(times) * 1000:8.1f} ms (best of 5; median {sorted(times)[2] * 1000:.1f} ms)")


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000, 100000]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}")
    with tempfile.TemporaryDirectory(prefix="crm-bench-") as tmp:
        for n in sizes:
            bench(n, Path(tmp))


if __name__ == "__main__":
    main()
