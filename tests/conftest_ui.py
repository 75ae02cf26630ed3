"""Shared helpers of the UI tests: a real workspace in a temp git repo, a fixed today, screen text."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
from pathlib import Path

from rich.console import Console

from tui.core.demo import build_demo
from tui.core.workspace import Workspace

TODAY = dt.date(2026, 11, 23)
ROOT = Path(__file__).resolve().parent.parent
_DEMO_CACHE: dict[str, Path] = {}


def today() -> dt.date:
    return TODAY


def git(ws: Workspace | Path, *args: str) -> str:
    root = ws.root if isinstance(ws, Workspace) else ws
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout.strip()


def last_commit(ws: Workspace) -> str:
    return git(ws, "log", "-1", "--format=%s")


def demo_workspace(tmp_path: Path) -> Workspace:
    """A copy of the sample workspace with its demo history (built once per session, then copied)."""
    if "demo" not in _DEMO_CACHE:
        base = Path(os.environ.get("PYTEST_UI_CACHE", "/tmp")) / f"crm-ui-demo-{os.getpid()}"
        if base.exists():
            shutil.rmtree(base)
        build_demo(base)
        _DEMO_CACHE["demo"] = base
    target = tmp_path / "ws"
    shutil.copytree(_DEMO_CACHE["demo"], target, symlinks=True)
    subprocess.run(["git", "config", "user.name", "Test User"], cwd=target, check=True)
    subprocess.run(["git", "config", "user.email", "alice@example.com"], cwd=target, check=True)
    return Workspace(target)


def small_workspace(tmp_path: Path, ids: list[str] | None = None) -> Workspace:
    """A workspace with the sample schema and a few sample records, committed."""
    target = tmp_path / "small"
    (target / "records").mkdir(parents=True)
    shutil.copy(ROOT / "schema.yaml", target / "schema.yaml")
    chosen = ids or sorted(p.stem for p in (ROOT / "records").glob("*.yaml"))[:5]
    for rid in chosen:
        shutil.copy(ROOT / "records" / f"{rid}.yaml", target / "records" / f"{rid}.yaml")
    git(target, "init", "-q", "-b", "main")
    git(target, "config", "user.name", "Test User")
    git(target, "config", "user.email", "alice@example.com")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "start")
    return Workspace(target)


def screen_text(app) -> str:
    """What the terminal shows, as plain text (for assertions)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True,
                      color_system="truecolor", legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens, simplify=True))
    return console.export_text()


def write_editor(tmp_path: Path, body: str) -> str:
    """A small $EDITOR: a Python script that edits the file it is given ($1)."""
    import sys

    script = tmp_path / "editor.py"
    script.write_text("import sys, pathlib\npath = pathlib.Path(sys.argv[1])\ntext = path.read_text()\n" + body
                      + "\npath.write_text(text)\n")
    return f"{sys.executable} {script}"


# A small, fixed set of customers for snapshots: every row state appears (overdue, today, soon,
# birthday, pool, invalid), and nothing depends on the sample data, which grows.
FIXED = [
    # name, country, grade, stage, owner, last touch, due, birthday, order amount
    ("Müller Lichttechnik GmbH", "DE", "B", "sample", "alice@example.com", "2026-11-16", "2026-11-23", "1979-05-12", 20000),
    ("Bjørnstad Lys AS", "NO", "B", "sample", "alice@example.com", "2026-10-21", "2026-11-26", "1981-11-27", 0),
    ("Brightline Supply Co.", "US", "A", "repeat", "bob@example.com", "2026-11-18", "2026-11-25", "", 394430),
    ("Ashcombe Door Furniture Ltd", "GB", "C", "inquiry", "bob@example.com", "2026-11-02", "2026-11-16", "", 0),
    ("Beschläge Huber GmbH", "AT", "D", "lead", "", "", "", "", 0),
    ("Comercial Dragón Madrid S.L.", "ES", "B", "repeat", "chen.wei@example.com", "2026-11-11", "2026-11-18", "", 95620),
    ("Doha Lighting Solutions", "QA", "B", "quoted", "bob@example.com", "2026-11-09", "2026-12-14", "", 0),
    ("Fjordlys Elektro AS", "NO", "C", "won", "alice@example.com", "2026-11-09", "2027-01-20", "", 9060),
    ("Golden Dragon Trading", "ZA", "D", "dormant", "chen.wei@example.com", "2026-07-02", "2027-02-22", "", 34560),
    ("Huaxia Import Export S.r.l.", "IT", "A", "negotiating", "chen.wei@example.com", "2026-11-22", "2026-11-23", "1975-11-25", 0),
    ("Keystone Cabinet Hardware", "US", "B", "quoted", "bob@example.com", "2026-11-16", "2026-11-23", "", 0),
    ("Lichtwerk Süd GmbH", "DE", "D", "contacted", "", "2026-02-18", "2026-03-20", "", 0),
    ("Maple Leaf Lighting", "CA", "B", "sample", "bob@example.com", "2026-11-19", "", "", 0),
    ("Oświetlenie Kowalski", "PL", "C", "quoted", "alice@example.com", "2026-10-29", "2026-11-13", "", 12500),
    ("Sinar Jaya Hardware", "MY", "C", "inquiry", "chen.wei@example.com", "2026-11-04", "2026-11-19", "", 0),
    ("Southern Cross Electrical", "AU", "A", "won", "alice@example.com", "2026-11-20", "2026-11-26", "1990-11-29", 150000),
    ("Thornbury Electrical", "GB", "B", "negotiating", "alice@example.com", "2026-11-17", "2026-11-24", "", 0),
    ("Anadolu Aydınlatma A.Ş.", "TR", "E", "lost", "", "2026-05-19", "", "", 0),
]


def fixed_record(i: int) -> tuple[str, str]:
    name, country, grade, stage, owner, last, due, birthday, amount = FIXED[i]
    from tui.core.workspace import slug

    rid = f"{slug(name)}-{'abcdefghjkmnpqrstuvwxyz'[i]}{i:03d}"
    lines = ["# yaml-language-server: $schema=../schema.yaml", f"name: {name}", f'country: "{country}"',
             "city: Somewhere", "industry: lighting distribution"]
    if owner:
        lines.append(f"owner: {owner}")
    lines += [f"grade: {grade}", f"stage: {stage}", f"tags: [distributor, t{i % 3}]"]
    lines += ["contacts:", f"  - name: Buyer {i}", f"    email: buyer{i}@example.com", f'    phone: "+1 555 {1000 + i}"']
    if birthday:
        lines.append(f"    birthday: {birthday}")
    if amount:
        lines += ["orders:", f"  - date: 2025-06-{10 + i % 15:02d}", f"    ref: PO-{i}", f"    amount: {amount}",
                  "    currency: USD", "    status: paid"]
    if last:
        lines += ["log:", f"  - on: {last}", "    by: alice@example.com", "    via: email",
                  f"    note: Sent the quote for order {i}."]
        if due:
            lines += ["    next: Call to confirm the sample", f"    due: {due}"]
    lines.append("")
    return rid, "\n".join(lines)


BROKEN = 'name: Broken Example Ltd\ncountry: "de"\ngrade: Z\n'


def fixed_workspace(tmp_path: Path, broken: bool = True) -> Workspace:
    """The FIXED customers (plus one invalid record) in a new git repository."""
    target = tmp_path / "fixed"
    (target / "records").mkdir(parents=True)
    shutil.copy(ROOT / "schema.yaml", target / "schema.yaml")
    for i in range(len(FIXED)):
        rid, text = fixed_record(i)
        (target / "records" / f"{rid}.yaml").write_text(text, encoding="utf-8")
    if broken:
        (target / "records" / "broken-example-zz99.yaml").write_text(BROKEN, encoding="utf-8")
    return commit_workspace(target)


def commit_workspace(target: Path) -> Workspace:
    """Make the folder a git repository (Test User, alice@example.com) with everything in one commit, "start"."""
    git(target, "init", "-q", "-b", "main")
    git(target, "config", "user.name", "Test User")
    git(target, "config", "user.email", "alice@example.com")
    git(target, "config", "commit.gpgsign", "false")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "start")
    return Workspace(target)


def rid_of(name: str) -> str:
    return fixed_record([row[0] for row in FIXED].index(name))[0]


async def settle(app, pilot, rounds: int = 4) -> None:
    """Let workers (load, commits, history reads) finish and the screen catch up."""
    for _ in range(rounds):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()
