"""Benchmark: `crm pool sweep` and `crm due` at 10,000 customers. Prints figures, asserts nothing.

    .venv/bin/python bench/bench_pool.py [--records 10000]

The synthetic workspace (bench/synth.py) is committed on 2025-01-05 and swept as of 2026-11-23, so most
owned customers are idle: the sweep returns thousands of them in one commit.
"""

from __future__ import annotations

import argparse
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

TODAY = "2026-11-23"
CREATED = "2025-01-05T12:00:00+00:00"


CPU: list[float] = [0.0]  # the CPU seconds (user and system) of the last command


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def crm(ws: Path, *args: str) -> tuple[float, str]:
    """Seconds for one whole command, as a user runs it, and its output (its CPU seconds in CPU[0]: on a
    shared machine the wall time says how loaded it is, the CPU time what the command costs)."""
    before = _children_cpu()
    env = {**os.environ, "CRM_TODAY": TODAY, "GIT_AUTHOR_DATE": f"{TODAY}T12:00:00+00:00",
           "GIT_COMMITTER_DATE": f"{TODAY}T12:00:00+00:00"}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "tui", "-w", str(ws), *args], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    CPU[0] = _children_cpu() - before
    if proc.returncode != 0:
        raise SystemExit(f"crm {' '.join(args)} failed: {proc.stderr}")
    return seconds, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        os.environ.update(GIT_AUTHOR_DATE=CREATED, GIT_COMMITTER_DATE=CREATED)
        generate(ws, args.records)
        for key in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"):
            del os.environ[key]
        n = args.records
        cold, _ = crm(ws, "pool", "sweep", "--dry-run")
        print(f"== {n:,} customers")
        print(f"`crm pool sweep --dry-run` cold (catalog and history index built): {cold:7.2f} s (CPU {CPU[0]:.2f} s)")
        warm, out = crm(ws, "pool", "sweep", "--dry-run")
        back = len(out.splitlines())
        print(f"`crm pool sweep --dry-run` warm:                               {warm:7.2f} s (CPU {CPU[0]:.2f} s)  ({back:,} would go back)")
        due, _ = crm(ws, "due")
        print(f"`crm due` warm (every reminder kind):                          {due:7.2f} s (CPU {CPU[0]:.2f} s)")
        swept, out = crm(ws, "pool", "sweep")
        print(f"`crm pool sweep` ({back:,} customers back in one commit):        {swept:7.2f} s (CPU {CPU[0]:.2f} s)")
        again, out = crm(ws, "pool", "sweep")
        print(f"`crm pool sweep` again (swept files read again, nobody to return):                {again:7.2f} s (CPU {CPU[0]:.2f} s)")
        pool, out = crm(ws, "pool")
        print(f"`crm pool` (why each is in the pool, {len(out.splitlines()):,} lines):            {pool:7.2f} s (CPU {CPU[0]:.2f} s)")
        count = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=ws, capture_output=True, text=True).stdout.strip()
        print(f"commits after the sweep: {count}")
        print(f"load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
