"""`crm demo`: a throwaway copy of the sample workspace with a believable git history.

Each sample record is replayed from its own touch log: created on its first touch, then one commit per
later touch, authored by whoever logged it, on that day; stages and grades move up to the sample's, and
each version's latest touch carries a due date until the next one is logged. The commits are written with
`git fast-import` (hundreds of commits in a fraction of a second) and the final tree is exactly the
sample data.
"""

from __future__ import annotations

import datetime as dt
import zlib
from pathlib import Path

from tui.core.create import GITATTRIBUTES, sample_dir
from tui.core.errors import UsageError
from tui.core.gitrepo import Git
from tui.core.workspace import Workspace
from tui.core.yamledit import delete_value, set_value
from tui.core.yamlparse import parse

PEOPLE = {
    "alice@example.com": "Alice Martin",
    "bob@example.com": "Bob Okafor",
    "chen.wei@example.com": "Chen Wei",
}
FOUNDER = "chen.wei@example.com"
START = dt.date(2024, 11, 4)


def _versions(text: str) -> list[tuple[dt.date, str, str, str]]:
    """(date, author email, message suffix, text) for each step of one record's history.

    Every touch and every order is its own step, on its own date: walking back from the full text,
    the latest one is removed at each step, so the workspace as of any day holds only what had
    happened by then."""
    data, _ = parse(text)
    if not isinstance(data, dict):
        return [(START, FOUNDER, "new customer", text)]
    owner = str(data.get("owner") or FOUNDER)
    steps: list[tuple[dt.date, str, str, int]] = []  # (date, list key, what, index in that list)
    for key, date_key in (("log", "on"), ("orders", "date")):
        items = data.get(key)
        if not isinstance(items, list):
            continue
        if not all(isinstance(e, dict) and isinstance(e.get(date_key), dt.date) for e in items):
            return [(START, owner, "new customer", text)]
        steps += [(e[date_key], key, _describe(key, e), i) for i, e in enumerate(items)]
    if not steps:
        return [(START, owner, "new customer", text)]
    steps.sort(key=lambda s: (s[0], s[1] == "log", s[3]))
    items = data  # for authors of touches
    out, present = [], []
    current = text
    remaining = {key: sorted(i for _, k, _, i in steps if k == key) for key in ("log", "orders")}
    for when, key, what, index in reversed(steps[1:]):
        who = str(items["log"][index].get("by") or owner) if key == "log" else owner
        out.append((when, who, what, current))
        present.append(list(remaining["log"]))
        position = remaining[key].index(index)
        current = delete_value(current, (key, position))
        remaining[key].pop(position)
    first_when, first_key, _, first_index = steps[0]
    first_who = str(items["log"][first_index].get("by") or owner) if first_key == "log" else owner
    out.append((first_when, first_who, f"new customer {_short(data.get('name'))}", current))
    present.append(list(remaining["log"]))
    out.reverse()
    present.reverse()
    return _progress(_dues(out, present, data), data)


def _dues(out: list[tuple[dt.date, str, str, str]], present: list[list[int]], data: dict) -> list[tuple[dt.date, str, str, str]]:
    """Each version with a due date on its latest touch, cleared again when the next touch is logged
    (one next follow-up a customer, as the articles keep it), so the history holds due dates met and
    missed for the follow-up report; the last version is the sample's."""
    log = data.get("log") if isinstance(data.get("log"), list) else []
    order = sorted(range(len(log)), key=lambda i: (log[i]["on"], i))  # the order the touches were logged
    done = []
    for (when, who, what, text), indices in zip(out[:-1], present[:-1]):
        logged = [i for i in order if i in indices]
        if logged and order.index(logged[-1]) + 1 < len(order) and not log[logged[-1]].get("due"):
            nxt = log[order[order.index(logged[-1]) + 1]]["on"]
            text = set_value(text, ("log", indices.index(logged[-1]), "due"), _due(log[logged[-1]], nxt))
        done.append((when, who, what, text))
    return [*done, out[-1]]


def _due(touch: dict, next_on: dt.date) -> dt.date:
    """The due date promised at `touch`: mostly the next touch came as planned (met, a few days to
    spare) when it was at most six weeks off; otherwise one to four weeks out, met only if the next
    touch came by then. Deterministic: the same demo every time."""
    spin = zlib.crc32(f"{touch['on']} {touch.get('by')} {touch.get('note')}".encode())
    if (next_on - touch["on"]).days <= 42 and spin % 5:
        return next_on + dt.timedelta(days=spin % 4)
    return touch["on"] + dt.timedelta(days=(7, 10, 14, 21, 30)[spin % 5])


FUNNEL = ("lead", "contacted", "inquiry", "quoted", "sample", "negotiating", "won", "repeat")
GRADES = "ABCDE"


def _path(data: dict) -> tuple[list[str], list[str]]:
    """The stages and grades a customer went through to reach where the sample has it: up the funnel
    one stage at a time (to an exit from where its orders got it), and from C up or down to its grade."""
    stage, grade = str(data.get("stage") or ""), str(data.get("grade") or "")
    if stage in FUNNEL:
        stages = list(FUNNEL[: FUNNEL.index(stage) + 1])
    elif stage:
        stages = [*FUNNEL[: FUNNEL.index("won" if data.get("orders") else "quoted") + 1], stage]
    else:
        stages = []
    if grade in GRADES:
        step = 1 if GRADES.index(grade) >= 2 else -1
        grades = [GRADES[i] for i in range(2, GRADES.index(grade) + step, step)]
    else:
        grades = []
    return stages, grades


def _progress(out: list[tuple[dt.date, str, str, str]], data: dict) -> list[tuple[dt.date, str, str, str]]:
    """Each version with the stage and grade the customer had by then (the last one as in the sample),
    so the demo's history holds stage moves and grade changes for the reports."""
    stages, grades = _path(data)
    n = len(out)
    if n < 2:
        return out
    done = []
    for k, (when, who, what, text) in enumerate(out[:-1]):
        for key, path in (("stage", stages), ("grade", grades)):
            if len(path) > 1 and key in data:
                value = path[min(len(path) - 1, k * len(path) // n)]
                if value != data[key]:
                    text = set_value(text, (key,), value)
        done.append((when, who, what, text))
    return [*done, out[-1]]


def _describe(key: str, entry: dict) -> str:
    if key == "log":
        return f"log {entry.get('via')}: {_short(entry.get('note'))}"
    amount = entry.get("amount")
    amount = f"{amount:,}" if isinstance(amount, (int, float)) else str(amount)
    return f"order {entry.get('ref') or ''} {amount} {entry.get('currency', '')}".replace("  ", " ")


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
