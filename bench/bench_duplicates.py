"""Duplicate scan budget (10,000 customers, whole process, <= 3 s): prints figures, asserts nothing.

A synthetic workspace (bench/synth.py) gets 2% planted duplicates: the same customer with the name
respelled (accents, a legal suffix) and the phone in another format, or sharing a contact's email.

    python bench/bench_duplicates.py            # 1000 10000
    python bench/bench_duplicates.py 10000      # one size
"""

from __future__ import annotations

import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_core import best, cli_seconds, timed  # noqa: E402
from bench.synth import generate  # noqa: E402
from tui.core.duplicates import all_pairs, scan, summaries_matcher, summary_profile  # noqa: E402
from tui.core.store import CACHE_NAME, load_catalog  # noqa: E402
from tui.core.workspace import Workspace  # noqa: E402

SPELLINGS = [("Nordic", "Nördic"), ("Lumen", "Lümen"), ("Solar", "Solár"), ("Crown", "Crówn")]


def plant(root: Path, share: float = 0.02, seed: int = 11) -> int:
    """Copy `share` of the records as duplicates a person would type: respelled name, reformatted phone."""
    rng = random.Random(seed)
    files = sorted((root / "records").glob("*.yaml"))
    planted = 0
    for path in rng.sample(files, int(len(files) * share)):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        name = next(line for line in lines if line.startswith("name: "))[6:]
        new = name
        for plain, accented in SPELLINGS:
            new = new.replace(plain, accented)
        new += rng.choice([" GmbH", " Ltd.", " Co., Ltd.", ""])
        text = text.replace(f"name: {name}", f"name: {new}", 1)
        text = text.replace('phone: "+49 40 ', 'phone: "0049-40-', 1)
        (path.parent / f"dup-{path.name}").write_text(text, encoding="utf-8")
        planted += 1
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "planted duplicates"], cwd=root, check=True)
    return planted


def bench(n: int, folder: Path) -> None:
    root = generate(folder / f"ws{n}", n)
    planted = plant(root)
    ws = Workspace(root)
    total = n + planted
    print(f"\n== {total:,} customers ({planted} planted duplicates)")
    (ws.state_dir / CACHE_NAME).unlink(missing_ok=True)
    cold = cli_seconds(root, "duplicates", "--json")
    print(f"`crm duplicates --json`, no cache (parses every file): {cold:7.3f} s")
    time.sleep(2.1)  # let the files age past the cache's racy-write window, as on any real disk
    cli_seconds(root, "list")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    warm = min(cli_seconds(root, "duplicates", "--json") for _ in range(3))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / 3
    print(f"`crm duplicates --json`, warm (the usual case):        {warm:7.3f} s wall, {cpu:.3f} s CPU "
          f"(load average {os.getloadavg()[0]:.1f})")
    catalog = load_catalog(ws)
    rules = ws.rules
    pairs = scan(catalog, rules)
    found = sum(1 for m in pairs if m.keep == f"dup-{m.other}" or m.other == f"dup-{m.keep}")
    print(f"pairs found: {len(pairs)} ({found} of the {planted} planted; the rest share a phone in the synthetic data)")
    print(f"scan of the loaded catalog (in process):               {best(lambda: scan(catalog, rules), 3):7.3f} s")
    summaries = list(catalog.summaries.values())
    build, matcher = timed(lambda: summaries_matcher(summaries, rules))
    print(f"matcher index for import (in process):                 {build:7.3f} s")
    row = {"name": "Nördic Lümen Lighting 17 GmbH", "country": "DE", "contacts": [{"phone": "0049 40 1234567", "email": "x@y.de"}]}
    one = best(lambda: matcher.candidates(row), 20)
    print(f"candidates for one imported row:                       {one * 1000:7.2f} ms")
    if n <= 2000:
        profiles = [summary_profile(s, rules) for s in summaries]
        every, reference = timed(lambda: all_pairs(profiles, noise=matcher.noise()))
        agree = "the same pairs" if reference == pairs else f"{len(reference)} pairs, blocked {len(pairs)}"
        print(f"all pairs compared, for reference:                     {every:7.3f} s ({agree})")


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}")
    with tempfile.TemporaryDirectory(prefix="crm-bench-dupes-") as tmp:
        for n in sizes:
            bench(n, Path(tmp))


if __name__ == "__main__":
    main()
