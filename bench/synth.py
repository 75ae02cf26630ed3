"""Synthetic workspaces for benchmarks: N records of about 2 KB each, committed to a git repository."""

from __future__ import annotations

import datetime as dt
import random
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COUNTRIES = ["DE", "NO", "US", "GB", "FR", "IT", "ES", "NL", "PL", "AE", "SA", "BR", "AU", "JP", "IN", "ZA", "CA", "MX", "VN", "CN"]
WORDS = ["Nordic", "Lumen", "Bright", "Atlas", "Delta", "Solar", "Metro", "Prime", "Orion", "Vega", "Polar", "Summit", "Harbor", "Crown"]
KINDS = ["Lighting", "Hardware", "Electric", "Supply", "Trading", "Fixtures", "Distribution"]
OWNERS = ["alice@example.com", "bob@example.com", "chen.wei@example.com", None]
VIA = ["email", "call", "meeting", "quote", "sample", "order", "after-sales"]
STAGES = ["lead", "contacted", "inquiry", "quoted", "sample", "negotiating", "won", "repeat", "dormant", "lost"]


def record_text(i: int, rng: random.Random) -> tuple[str, str]:
    name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(KINDS)} {i}"
    rid = f"{name.lower().replace(' ', '-')}-{i % 1000:03d}x"
    owner = rng.choice(OWNERS)
    day = dt.date(2024, 11, 1) + dt.timedelta(days=rng.randrange(700))
    lines = [
        "# yaml-language-server: $schema=../schema.yaml",
        f"name: {name}",
        f'country: "{rng.choice(COUNTRIES)}"',
        f"city: City {rng.randrange(500)}",
        "industry: lighting distribution",
        f"employees: {rng.randrange(5, 5000)}",
        "source: Canton Fair 2025",
    ]
    if owner:
        lines.append(f"owner: {owner}")
    lines += [
        f"grade: {rng.choice('ABCDE')}          # graded after the fair",
        f"stage: {rng.choice(STAGES)}",
        "products: [LED panel 600x600, LED tube T8]",
        f"tags: [distributor, tag{rng.randrange(40)}]",
        "contacts:",
        f"  - name: Contact {i}",
        "    role: Purchasing manager",
        f"    email: buyer{i}@example.com",
        f'    phone: "+49 40 {rng.randrange(10**6, 10**7)}"',
        f"    birthday: 19{rng.randrange(50, 99)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
    ]
    orders = rng.randrange(0, 4)
    if orders:
        lines.append("orders:")
    for k in range(orders):
        lines += [f"  - date: {day - dt.timedelta(days=30 * k + 5)}", f"    ref: PO-{i}-{k}", f"    amount: {rng.randrange(1000, 90000)}",
                  f"    currency: {rng.choice(['USD', 'EUR', 'CNY'])}", "    status: paid"]
    lines.append("log:")
    for k in range(rng.randrange(4, 9)):
        on = day + dt.timedelta(days=9 * k)
        lines += [f"  - on: {on}", "    by: alice@example.com", f"    via: {rng.choice(VIA)}",
                  f"    note: Sent revised quote number {k}, 2,000 pcs FOB Ningbo, waiting for feedback.",
                  "    next: Call to confirm sample feedback", f"    due: {on + dt.timedelta(days=7)}"]
    lines += ["notes: |", "  Prefers WhatsApp. Needs CE and RoHS certificates.", ""]
    return rid, "\n".join(lines)


def generate(target: Path, n: int, seed: int = 7, commit: bool = True) -> Path:
    """A workspace of `n` synthetic records at `target` (replaced if present)."""
    if target.exists():
        shutil.rmtree(target)
    (target / "records").mkdir(parents=True)
    shutil.copy(ROOT / "schema.yaml", target / "schema.yaml")
    rng = random.Random(seed)
    for i in range(n):
        rid, text = record_text(i, rng)
        (target / "records" / f"{rid}.yaml").write_text(text, encoding="utf-8")
    if commit:
        run = lambda *a: subprocess.run(["git", *a], cwd=target, check=True, capture_output=True)  # noqa: E731
        run("init", "-q", "-b", "main")
        run("config", "user.name", "Bench")
        run("config", "user.email", "bench@example.com")
        run("add", "-A")
        run("commit", "-q", "-m", f"{n} synthetic records")
    return target
