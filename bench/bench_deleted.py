"""Benchmark: `crm deleted` on a big history (10,000 records, 20,000 commits, then 200 deletions).

    .venv/bin/python bench/bench_deleted.py [--records 10000] [--commits 20000] [--deleted 200]

The repository is built as bench_history.py builds it (git fast-import), then the deletions are
appended the same way. Reports figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_history import blob, build, timed  # noqa: E402
from tui.core import history  # noqa: E402
from tui.core.deleted import deleted_records  # noqa: E402
from tui.core.workspace import Workspace  # noqa: E402


def delete_some(repo: Path, count: int) -> None:
    """`count` commits on top of main, each deleting one record."""
    stream = bytearray()
    for n in range(count):
        rid = f"c{n * 7:05d}-aaaa"
        stream.extend(f"commit refs/heads/main\ncommitter Bob <bob@example.com> {1800000000 + n * 60} +0000\n".encode())
        stream.extend(blob(f"{rid}: delete customer Customer {n * 7} Lighting Trading Co., Ltd."))
        stream.extend(b"from refs/heads/main^0\n" if n == 0 else b"")
        stream.extend(f"D records/{rid}.yaml\n\n".encode())
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=bytes(stream), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=repo, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--commits", type=int, default=20_000)
    parser.add_argument("--deleted", type=int, default=200)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="crm-bench-deleted-"))
    try:
        repo = tmp / "big"
        seconds, _ = timed(build, repo, args.records, args.commits)
        delete_some(repo, args.deleted)
        print(f"built {args.commits:,} commits over {args.records:,} records, then {args.deleted} deletions, in {seconds:.1f} s")
        ws = Workspace(repo)
        seconds, proc = timed(subprocess.run, ["git", "log", "--diff-filter=D", "--name-only", "--format=%H %ae %aI",
                                               "--", "records/"], cwd=repo, capture_output=True, text=True)
        print(f"plain `git log --diff-filter=D -- records/` (no names, no check that the file is still gone): {seconds:.2f} s")
        seconds, rows = timed(deleted_records, ws)
        print(f"deleted_records, history index built cold first: {seconds:.2f} s ({len(rows)} deleted)")
        history._open.clear()
        seconds, rows = timed(deleted_records, ws)
        print(f"deleted_records, index loaded from disk: {seconds * 1000:.0f} ms")
        seconds, rows = timed(deleted_records, ws)
        print(f"  the same again, index in memory (the UI's D view): {seconds * 1000:.0f} ms")
        env = {**os.environ, "CRM_WORKSPACE": str(repo)}
        seconds, proc = timed(subprocess.run, [sys.executable, "-m", "tui", "deleted"], capture_output=True, text=True, env=env)
        print(f"`crm deleted` end to end (new process, {len(proc.stdout.splitlines())} lines): {seconds * 1000:.0f} ms")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
