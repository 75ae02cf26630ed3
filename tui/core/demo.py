"""`crm demo`: a throwaway copy of the sample workspace with a believable git history.

Each sample record is replayed from its own touch log: created on its first touch, then one commit per
later touch, authored by whoever logged it, on that day. The commits are written with
`git fast-import` (hundreds of commits in a fraction of a second) and the final tree is exactly the
sample data.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tui.core.create import GITATTRIBUTES, sample_dir
from tui.core.errors import UsageError
from tui.core.gitrepo import Git
from tui.core.workspace import Workspace
from tui.core.yamledit import delete_value
from tui.core.yamlparse import parse

PEOPLE = {
    "alice@example.com": "Alice Martin",
    "bob@example.com": "Bob Okafor",
    "chen.wei@example.com": "Chen Wei",
}
FOUNDER = "chen.wei@example.com"
START = dt.date(2024, 11, 4)


def _versions(text: str) -> list[tuple[dt.date, str, str, str]]:
    """(date, author email, message suffix, text) for each step of one record's history."""
    data, _ = parse(text)
    log = data.get("log") if isinstance(data, dict) else None
    entries = [e for e in log if isinstance(e, dict) and isinstance(e.get("on"), dt.date)] if isinstance(log, list) else []
    if len(entries) != len(log or []):
        entries = []
    if not entries:
        return [(START, str(data.get("owner") or FOUNDER) if isinstance(data, dict) else FOUNDER, "new customer", text)]
    steps = []
    current = text
    for i in range(len(entries) - 1, 0, -1):
        e = entries[i]
        steps.append((e["on"], str(e.get("by") or FOUNDER), f"log {e.get('via')}: {_short(e.get('note'))}", current))
        current = delete_value(current, ("log", i))
    first = entries[0]
    steps.append((first["on"], str(first.get("by") or FOUNDER), f"new customer {_short(data.get('name'))}", current))
    steps.reverse()
    # A log kept out of date order still makes a history that moves forward in time.
    for i in range(1, len(steps)):
        if steps[i][0] < steps[i - 1][0]:
            steps[i] = (steps[i - 1][0], *steps[i][1:])
    return steps


def _short(value, limit: int = 50) -> str:
    text = " ".join(str(value or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _blob(text: str) -> bytes:
    data = text.encode("utf-8")
    return b"data %d\n" % len(data) + data + b"\n"


def build_demo(target: Path) -> Workspace:
    """Copy the sample workspace to `target` (new or empty) and give it a history; returns it."""
    source = sample_dir()
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    if any(target.iterdir()):
        raise UsageError(f"{target} is not empty; give `crm demo` a new or empty folder")
    schema_text = (source / "schema.yaml").read_text(encoding="utf-8")
    events = []
    for path in sorted((source / "records").glob("*.yaml")):
        rid = path.stem
        for when, who, what, text in _versions(path.read_text(encoding="utf-8")):
            events.append((when, rid, who, f"{rid}: {what}", text))
    events.sort(key=lambda e: (e[0], e[1]))
    git = Git(target)
    git.run("init", "-q", "-b", "main")
    stream = bytearray()
    seconds = 0

    def commit(when: dt.date, who: str, message: str, files: dict[str, str]) -> None:
        nonlocal seconds
        seconds += 1
        stamp = int(dt.datetime(when.year, when.month, when.day, 9, 0, tzinfo=dt.timezone.utc).timestamp()) + seconds * 7
        person = f"{PEOPLE.get(who, who.split('@')[0].title())} <{who}> {stamp} +0000"
        stream.extend(f"commit refs/heads/main\nauthor {person}\ncommitter {person}\n".encode())
        stream.extend(_blob(message))
        for name, text in files.items():
            stream.extend(f"M 100644 inline {name}\n".encode())
            stream.extend(_blob(text))
        stream.extend(b"\n")

    commit(START - dt.timedelta(days=1), FOUNDER, "crm: new workspace", {"schema.yaml": schema_text, ".gitattributes": GITATTRIBUTES})
    for when, rid, who, message, text in events:
        commit(when, who, message, {f"records/{rid}.yaml": text})
    git.run("fast-import", "--quiet", input=stream.decode("utf-8"))
    git.run("checkout", "-q", "-f", "main")
    if git.run("var", "GIT_AUTHOR_IDENT", check=False).returncode != 0:
        # A throwaway workspace should work even before the user has told git who they are.
        git.run("config", "user.name", "Demo User")
        git.run("config", "user.email", "demo@example.com")
    return Workspace(target)
