"""Benchmark: one record's history at 20,000 commits, and a sync that brings in 1,000 commits.

    .venv/bin/python bench/bench_history.py [--records 10000] [--commits 20000] [--incoming 1000] [--keep DIR]

Builds the repositories with `git fast-import` (seconds, not hours), then reports figures; it asserts
nothing (the budgets are in DESIGN.md: one record's history within 300 ms).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.core import history  # noqa: E402
from tui.core.history import HistoryIndex, record_history  # noqa: E402
from tui.core.merge import ensure_driver  # noqa: E402
from tui.core.sync import sync  # noqa: E402
from tui.core.workspace import Workspace  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GRADES = "ABCDE"
HOT = "hot-customer-aaaa"


def record(i: int, grade: str, touches: int) -> str:
    lines = [
        "# yaml-language-server: $schema=../schema.yaml",
        f"name: Customer {i} Lighting Trading Co., Ltd.",
        'country: "DE"',
        "city: Hamburg",
        "industry: lighting distribution",
        f"grade: {grade}",
        "stage: quoted",
        "owner: alice@example.com",
        "tags: [distributor, ce-required]",
        "contacts:",
        f"  - name: Person {i}",
        f"    email: p{i}@customer{i}.example",
        '    phone: "+49 40 1234567"',
        "log:",
    ]
    for t in range(max(touches, 1)):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=t)
        lines += [f"  - on: {day.isoformat()}", "    by: alice@example.com", "    via: email",
                  f"    note: Touch number {t} with customer {i}, about the quote and samples for the next season."]
    return "\n".join(lines) + "\n"


def blob(text: str) -> bytes:
    data = text.encode()
    return b"data %d\n" % len(data) + data + b"\n"


def build(path: Path, n_records: int, n_commits: int, seed: int = 7) -> str:
    """A workspace whose history is one commit with every record, then n_commits one-record changes;
    every 100th commit touches the hot record. Returns the hot record's id."""
    rng = random.Random(seed)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    state = {f"c{i:05d}-aaaa": [GRADES[i % 5], 1] for i in range(n_records)}
    state[HOT] = ["C", 1]
    stream = bytearray()
    stamp = int(dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc).timestamp())
    people = ["Alice <alice@example.com>", "Bob <bob@example.com>", "Chen <chen@example.com>"]

    def commit(n: int, message: str, files: dict[str, str], first: bool = False) -> None:
        who = people[n % 3]
        stream.extend(f"commit refs/heads/main\nmark :{n + 1}\nauthor {who} {stamp + n * 60} +0000\ncommitter {who} {stamp + n * 60} +0000\n".encode())
        stream.extend(blob(message))
        if not first:
            stream.extend(f"from :{n}\n".encode())
        for name, text in files.items():
            stream.extend(f"M 100644 inline {name}\n".encode())
            stream.extend(blob(text))
        stream.extend(b"\n")

    files = {"schema.yaml": (ROOT / "schema.yaml").read_text(), ".gitattributes": "records/*.yaml merge=crm\n"}
    for rid, (grade, touches) in state.items():
        files[f"records/{rid}.yaml"] = record(int(rid[1:6]) if rid != HOT else 99999, grade, touches)
    commit(0, "crm: new workspace", files, first=True)
    ids = sorted(state)
    for n in range(1, n_commits + 1):
        rid = HOT if n % 100 == 0 else rng.choice(ids)
        grade, touches = state[rid]
        if rng.random() < 0.5:
            new = rng.choice([g for g in GRADES if g != grade])
            state[rid][0] = new
            message = f"{rid}: grade {grade} -> {new}"
        else:
            state[rid][1] = touches + 1
            message = f"{rid}: log email: Touch number {touches}"
        commit(n, message, {f"records/{rid}.yaml": record(int(rid[1:6]) if rid != HOT else 99999, *state[rid])})
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=bytes(stream), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=path, check=True)
    for key, value in (("user.name", "Bench"), ("user.email", "bench@example.com"), ("gc.auto", "0")):
        subprocess.run(["git", "config", key, value], cwd=path, check=True)
    return HOT


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - started, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--commits", type=int, default=20_000)
    parser.add_argument("--incoming", type=int, default=1_000)
    parser.add_argument("--keep", metavar="DIR", help="build in DIR and keep it")
    parser.add_argument("--skip-git-log", action="store_true", help="skip timing plain `git log -- path` (slow)")
    args = parser.parse_args()
    tmp = Path(args.keep or tempfile.mkdtemp(prefix="crm-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores, git {subprocess.run(['git', '--version'], capture_output=True, text=True).stdout.split()[-1]}, "
          f"Python {sys.version.split()[0]}")
    try:
        repo = tmp / "big"
        seconds, hot = timed(build, repo, args.records, args.commits)
        print(f"built {args.commits:,} commits over {args.records:,} records with fast-import in {seconds:.1f} s")
        ws = Workspace(repo)
        path = f"records/{hot}.yaml"

        if not args.skip_git_log:
            seconds, proc = timed(subprocess.run, ["git", "log", "--format=%H", "--", path], cwd=repo, capture_output=True, text=True)
            print(f"plain `git log -- {path}`: {seconds:.2f} s ({len(proc.stdout.split())} commits)")

        seconds, _ = timed(HistoryIndex(ws).update)
        print(f"history index, cold build (one `git log --raw` pass): {seconds:.2f} s")
        history._open.clear()
        seconds, entries = timed(record_history, ws, hot)
        print(f"one record's history, index loaded from disk, {len(entries)} entries with field-level changes: {seconds * 1000:.0f} ms")
        seconds, entries = timed(record_history, ws, hot)
        print(f"  the same again, index in memory (the UI's case): {seconds * 1000:.0f} ms")
        seconds, entries = timed(record_history, ws, hot, limit=50)
        print(f"  the newest 50 entries: {seconds * 1000:.0f} ms")
        env = {**os.environ, "CRM_WORKSPACE": str(repo)}
        seconds, proc = timed(subprocess.run, [sys.executable, "-m", "tui", "history", hot], capture_output=True, text=True, env=env)
        print(f"`crm history {hot}` end to end (new process, {len(proc.stdout.splitlines())} lines): {seconds * 1000:.0f} ms")

        # A sync that brings in `incoming` commits: a bare remote, the team's clone pushes them, ours syncs.
        remote = tmp / "remote.git"
        subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(remote)], check=True)
        ours, theirs = tmp / "ours", tmp / "theirs"
        for clone in (ours, theirs):
            subprocess.run(["git", "clone", "-q", str(remote), str(clone)], check=True)
            for key, value in (("user.name", clone.name), ("user.email", f"{clone.name}@example.com"), ("gc.auto", "0")):
                subprocess.run(["git", "config", key, value], cwd=clone, check=True)
            ensure_driver(clone)
        rng = random.Random(11)
        ids = sorted(p.stem for p in (theirs / "records").glob("*.yaml"))
        started = time.perf_counter()
        _commit_many(theirs, ids, args.incoming, rng)
        subprocess.run(["git", "push", "-q", "origin", "main"], cwd=theirs, check=True)
        print(f"(made and pushed {args.incoming:,} commits from another clone in {time.perf_counter() - started:.1f} s)")
        ours_ws = Workspace(ours)
        HistoryIndex(ours_ws).update()
        target = ours / "records" / f"{ids[1]}.yaml"
        target.write_text(target.read_text().replace("city: Hamburg", "city: Bremen"))  # a hand edit to commit
        steps: list[tuple[float, str]] = []
        t0 = time.perf_counter()
        seconds, result = timed(sync, ours_ws, progress=lambda s: steps.append((time.perf_counter() - t0, s)))
        print(f"`crm sync` bringing in {result.pulled:,} commits (others changed {len(result.changed_by_others)} records), "
              f"committing 1 hand edit and pushing {result.pushed}: {seconds:.2f} s")
        for at, step in steps:
            print(f"  {at:6.2f} s  {step}")
        seconds, new = timed(HistoryIndex(ours_ws).update)
        print(f"history index brought up to date after that sync ({new} new commits, incremental): {seconds:.2f} s")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def _commit_many(clone: Path, ids: list[str], count: int, rng: random.Random) -> None:
    """`count` one-record commits on top of the clone's main, written with fast-import."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=clone, capture_output=True, text=True, check=True).stdout.strip()
    stream = bytearray()
    stamp = int(time.time()) - count
    for n in range(count):
        rid = rng.choice(ids)
        text = (clone / "records" / f"{rid}.yaml").read_text()
        text = text.replace("stage: quoted", "stage: sample") if "stage: quoted" in text else text.replace("stage: sample", "stage: quoted")
        (clone / "records" / f"{rid}.yaml").write_text(text)
        who = "Theirs <theirs@example.com>"
        stream.extend(f"commit refs/heads/main\nauthor {who} {stamp + n} +0000\ncommitter {who} {stamp + n} +0000\n".encode())
        stream.extend(blob(f"{rid}: stage changed"))
        if n == 0:
            stream.extend(f"from {head}\n".encode())
        stream.extend(f"M 100644 inline records/{rid}.yaml\n".encode())
        stream.extend(blob(text))
        stream.extend(b"\n")
    subprocess.run(["git", "fast-import", "--quiet", "--force"], cwd=clone, input=bytes(stream), check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=clone, check=True)


if __name__ == "__main__":
    main()
