"""Benchmark: every `crm report` at 10,000 customers and 20,000 commits, as whole processes.

    .venv/bin/python bench/bench_reports.py [--records 10000] [--commits 20000] [--keep DIR]

Builds the repository with `git fast-import`: one commit with every synthetic record (bench/synth.py),
then one-record commits over two years that move a customer's stage or grade. Prints the cold build
of the indexes, each report warm (median of 3 runs of the `crm` process), the same `--as-of` a day in
the middle of the history, and the cost of one new commit. It asserts nothing; the budget is 1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synth import STAGES, record_text  # noqa: E402
from tui.core.timeline import INDEX_NAME  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = ["Alice <alice@example.com>", "Bob <bob@example.com>", "Chen <chen.wei@example.com>"]
START = dt.datetime(2024, 12, 1, 9, tzinfo=dt.timezone.utc)
TODAY = "2026-11-30"


def blob(text: str) -> bytes:
    data = text.encode()
    return b"data %d\n" % len(data) + data + b"\n"


def build(path: Path, n_records: int, n_commits: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    texts = dict(record_text(i, rng) for i in range(n_records))
    ids = list(texts)
    span = (dt.datetime(2026, 11, 29, tzinfo=dt.timezone.utc) - START).total_seconds()
    stream = bytearray()

    def commit(n: int, message: str, files: dict[str, str]) -> None:
        who, stamp = PEOPLE[n % 3], int(START.timestamp() + span * n / (n_commits + 1))
        stream.extend(f"commit refs/heads/main\nmark :{n + 1}\nauthor {who} {stamp} +0000\ncommitter {who} {stamp} +0000\n".encode())
        stream.extend(blob(message))
        if n:
            stream.extend(f"from :{n}\n".encode())
        for name, text in files.items():
            stream.extend(f"M 100644 inline {name}\n".encode())
            stream.extend(blob(text))
        stream.extend(b"\n")

    files = {"schema.yaml": (ROOT / "schema.yaml").read_text(encoding="utf-8")}
    files.update({f"records/{rid}.yaml": text for rid, text in texts.items()})
    commit(0, f"{n_records} customers", files)
    for n in range(1, n_commits + 1):
        rid = rng.choice(ids)
        text = texts[rid]
        if rng.random() < 0.7:
            text = re.sub(r"(?m)^stage: .*$", f"stage: {rng.choice(STAGES)}", text)
        else:
            text = re.sub(r"(?m)^grade: \S", f"grade: {rng.choice('ABCDE')}", text)
        texts[rid] = text
        commit(n, f"{rid}: change", {f"records/{rid}.yaml": text})
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=bytes(stream), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=path, check=True)


CPU: list[float] = []  # CPU seconds (user + system) of each run, crm and the git it ran


def crm(ws: Path, *args: str) -> float:
    """Wall seconds of one `crm` process (its CPU seconds go to CPU: on a shared machine the wall
    time counts the waits for a core too)."""
    env = {**os.environ, "CRM_TODAY": TODAY}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed crm runs from cached bytecode
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "tui", *args], cwd=ws, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"crm {' '.join(args)} failed: {proc.stderr.strip()}")
    return seconds


def median_of(ws: Path, args: list[str], runs: int = 3) -> str:
    """'wall / CPU' medians in ms."""
    del CPU[:]
    wall = statistics.median(crm(ws, *args) for _ in range(runs))
    return f"{wall * 1000:5.0f} / {statistics.median(CPU) * 1000:4.0f}"


REPORTS = [["summary"], ["by", "region"], ["by", "tag", "--by", "grade"], ["funnel"], ["funnel", "--by", "owner"],
           ["activity"], ["orders", "--by", "owner"], ["changes", "--since", "2026-06-01"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--commits", type=int, default=20_000)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the workspace here")
    parser.add_argument("--warm", action="store_true", help="keep the indexes already built in --keep (skip the cold run)")
    args = parser.parse_args()
    tmp = None
    if args.keep:
        ws = args.keep
    else:
        tmp = Path(tempfile.mkdtemp(prefix="crm-bench-reports-"))
        ws = tmp / "ws"
    try:
        print(f"machine: {os.cpu_count()} cores, git {subprocess.run(['git', '--version'], capture_output=True, text=True).stdout.split()[-1]}")
        if not (ws / ".git").is_dir():
            started = time.perf_counter()
            build(ws, args.records, args.commits)
            print(f"built {args.records:,} customers and {args.commits:,} commits with fast-import in {time.perf_counter() - started:.1f} s")
        if not args.warm:
            shutil.rmtree(ws / ".git" / "crm", ignore_errors=True)
            print(f"cold: first `crm report summary` (history index + timeline index built): {crm(ws, 'report', 'summary'):.2f} s")
        print(f"timeline index on disk: {(ws / '.git' / 'crm' / INDEX_NAME).stat().st_size / 1e6:.1f} MB")
        print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print("warm, a whole `crm report ...` process, median of 3, wall / CPU ms:")
        for report in REPORTS:
            now = median_of(ws, ["report", *report, "--json"])
            then = median_of(ws, ["report", *report, "--json", "--as-of", "2025-12-01"])
            print(f"  {' '.join(report):<28} {now}   --as-of 2025-12-01: {then}")
        print(f"  {'all --xlsx':<28} {median_of(ws, ['report', 'all', '--xlsx', str(ws.parent / 'r.xlsx')])}")
        print(f"  {'crm --version (start-up)':<28} {median_of(ws, ['--version'])}")
        rid = next((ws / "records").glob("*.yaml"))
        text = rid.read_text(encoding="utf-8")
        stage = "lost" if re.search(r"(?m)^stage: won$", text) else "won"
        rid.write_text(re.sub(r"(?m)^stage: .*$", f"stage: {stage}", text), encoding="utf-8")
        subprocess.run(["git", "commit", "-q", "-am", "one more"], cwd=ws, check=True,
                       env={**os.environ, "GIT_AUTHOR_NAME": "B", "GIT_AUTHOR_EMAIL": "b@example.com",
                            "GIT_COMMITTER_NAME": "B", "GIT_COMMITTER_EMAIL": "b@example.com"})
        print(f"after one new commit, `crm report summary` (both indexes brought up to date): {crm(ws, 'report', 'summary') * 1000:.0f} ms"
              f" wall, {CPU[-1] * 1000:.0f} ms CPU")
        print(f"load average now: {os.getloadavg()[0]:.1f}")
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
