"""Benchmark: `crm check-permissions` over 1,000 commits at 10,000 customers, as a range and as a
pre-receive hook on a bare repository; and a sync over a real sshd on localhost that the check runs in.

    .venv/bin/python bench/bench_permissions.py [--records 10000] [--commits 1000] [--keep DIR]

The history is built with `git fast-import`: one commit with every record and the team rules (alice and
bob sell, carol manages), then COMMITS one-record commits by the three of them. The salespeople change
their own customers and claim from the pool; one commit in 50 is a salesperson changing another's
customer, which the check must refuse. It reports figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))  # the sshd helper the tests use

from bench.synth import record_text  # noqa: E402

ROOT = HERE.parent
PEOPLE = {"alice@example.com": "Alice", "bob@example.com": "Bob", "carol@example.com": "Carol"}
TEAM = "  team:\n    alice@example.com: sales\n    bob@example.com: sales\n    carol@example.com: manager\n"


def blob(data: bytes) -> bytes:
    return b"data %d\n" % len(data) + data + b"\n"


def with_owner(text: str, owner: str | None) -> str:
    lines = [ln for ln in text.splitlines() if not ln.startswith("owner:")]
    if owner:
        lines.insert(3, f"owner: {owner}")
    return "\n".join(lines) + "\n"


def build(path: Path, n_records: int, n_commits: int, seed: int = 7) -> int:
    """The repository; returns how many of its commits break the rules."""
    rng = random.Random(seed)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    texts, owners = {}, {}
    for i in range(n_records):
        rid, text = record_text(i, rng)
        owner = rng.choice(["alice@example.com", "bob@example.com", "dave@example.com", None, None])
        texts[rid], owners[rid] = with_owner(text, owner), owner
    schema = (ROOT / "schema.yaml").read_text().replace("  pool:\n    claim_limit: 50", TEAM + "  pool:\n    claim_limit: 100000")
    stream = bytearray()
    stamp = 1_767_225_600  # 2026-01-01, fixed: the figures do not depend on today

    def commit(n: int, who: str, message: str, files: dict[str, str]) -> None:
        person = f"{PEOPLE.get(who, 'Seed')} <{who}>"
        stream.extend(f"commit refs/heads/main\nmark :{n + 1}\nauthor {person} {stamp + n * 60} +0000\n"
                      f"committer {person} {stamp + n * 60} +0000\n".encode())
        stream.extend(blob(message.encode()))
        if n:
            stream.extend(f"from :{n}\n".encode())
        for name, text in files.items():
            stream.extend(f"M 100644 inline {name}\n".encode())
            stream.extend(blob(text.encode()))
        stream.extend(b"\n")

    files = {"schema.yaml": schema, ".gitattributes": "records/*.yaml merge=crm\n"}
    files.update({f"records/{rid}.yaml": text for rid, text in texts.items()})
    commit(0, "carol@example.com", "crm: new workspace", files)
    ids = sorted(texts)
    forbidden = 0
    for n in range(1, n_commits + 1):
        who = rng.choice(list(PEOPLE))
        if who == "carol@example.com":
            rid = rng.choice(ids)
        elif n % 50 == 0:
            rid = rng.choice([r for r in ids if owners[r] not in (who, None)])
            forbidden += 1
        elif rng.random() < 0.2:
            rid = rng.choice([r for r in ids if owners[r] is None])
            owners[rid] = who  # a claim
        else:
            rid = rng.choice([r for r in ids if owners[r] == who])
        texts[rid] = with_owner(texts[rid], owners[rid]).replace("city: City ", f"city: City {n}-", 1)
        commit(n, who, f"{rid}: city changed", {f"records/{rid}.yaml": texts[rid]})
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=bytes(stream), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=path, check=True)
    for key, value in (("user.name", "Bench"), ("user.email", "carol@example.com"), ("gc.auto", "0")):
        subprocess.run(["git", "config", key, value], cwd=path, check=True)
    return forbidden


def timed(argv: list[str], **kwargs) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    return time.perf_counter() - started, proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--commits", type=int, default=1_000)
    parser.add_argument("--keep", metavar="DIR", help="build in DIR and keep it")
    args = parser.parse_args()
    tmp = Path(args.keep or tempfile.mkdtemp(prefix="crm-bench-perms-"))
    tmp.mkdir(parents=True, exist_ok=True)
    git_version = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.split()[-1]
    print(f"machine: {os.cpu_count()} cores, git {git_version}, Python {sys.version.split()[0]}")
    crm = [sys.executable, "-m", "tui"]
    try:
        repo = tmp / "ws"
        started = time.perf_counter()
        forbidden = build(repo, args.records, args.commits)
        print(f"built {args.commits:,} commits over {args.records:,} records in {time.perf_counter() - started:.1f} s "
              f"({forbidden} break the rules)")
        base = subprocess.run(["git", "rev-list", "--max-parents=0", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
        seconds, proc = timed([*crm, "check-permissions", f"{base}..HEAD"], cwd=repo)
        print(f"`crm check-permissions BASE..HEAD` over {args.commits:,} commits: {seconds:.2f} s, "
              f"{len(proc.stdout.splitlines())} refused, exit {proc.returncode}")
        seconds, proc = timed([*crm, "check-permissions", "HEAD~1..HEAD"], cwd=repo)
        print(f"`crm check-permissions HEAD~1..HEAD` (one commit, a typical push): {seconds:.2f} s")

        remote = tmp / "remote.git"
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
        subprocess.run(["git", "push", "-q", str(remote), f"{base}:refs/heads/main"], cwd=repo, check=True)
        hook = remote / "hooks" / "pre-receive"
        hook.write_text(f"#!/bin/sh\nexec {sys.executable} -m tui check-permissions --pre-receive\n")
        hook.chmod(0o755)
        seconds, proc = timed(["git", "push", str(remote), "HEAD:main"], cwd=repo)
        refused = len(re.findall(r"^remote: [0-9a-f]{10} ", proc.stderr, re.M))
        print(f"`git push` of {args.commits:,} commits to a bare repository whose pre-receive hook runs "
              f"`crm check-permissions --pre-receive`: {seconds:.2f} s, refused ({refused} lines), exit {proc.returncode}")
        hook.unlink()
        subprocess.run(["git", "fetch", "-q", str(repo), "main"], cwd=remote, check=True)  # objects only: FETCH_HEAD is no ref
        tip = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
        seconds, proc = timed([*crm, "check-permissions", "--pre-receive"], cwd=remote, input=f"{base} {tip} refs/heads/main\n")
        print(f"  `crm check-permissions --pre-receive` alone, in the bare repository, for those {args.commits:,} commits: "
              f"{seconds:.2f} s, {len(proc.stdout.splitlines())} refused")
        seconds, proc = timed(["git", "push", "-q", str(remote), "HEAD:main"], cwd=repo)
        print(f"  the same push with no hook, for comparison: {seconds:.2f} s")
        _ssh_sync(tmp, remote, crm)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def _ssh_sync(tmp: Path, remote: Path, crm: list[str]) -> None:
    """One change synced through a real sshd, with the hook installed: the permission check on both ends."""
    from sshd import Sshd

    server = Sshd.start(tmp / "sshd")
    if server is None:
        print(f"(no sync over ssh: {Sshd.why_not})")
        return
    try:
        hook = remote / "hooks" / "pre-receive"
        hook.write_text(f"#!/bin/sh\nexec {sys.executable} -m tui check-permissions --pre-receive\n")
        hook.chmod(0o755)
        env = {**os.environ, "GIT_SSH_COMMAND": server.ssh_command()}
        clone = tmp / "alice"
        seconds, _ = timed(["git", "clone", "-q", server.url(remote), str(clone)], env=env, check=True)
        print(f"`git clone` over ssh: {seconds:.2f} s")
        subprocess.run(["git", "config", "user.email", "alice@example.com"], cwd=clone, check=True)
        subprocess.run(["git", "config", "user.name", "Alice"], cwd=clone, check=True)
        mine = next(p for p in sorted((clone / "records").glob("*.yaml")) if "owner: alice@example.com" in p.read_text())
        mine.write_text(mine.read_text().replace("city: City ", "city: Town ", 1))
        seconds, proc = timed([*crm, "sync"], cwd=clone, env=env, stdin=subprocess.DEVNULL)
        print(f"`crm sync` over ssh, one hand edit, checked locally and by the hook: {seconds:.2f} s (exit {proc.returncode})")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
