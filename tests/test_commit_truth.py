"""A commit contains exactly what its message says (DESIGN.md, "Trust").

Property: over random records (scalar fields, extra keys, flow and block lists, block scalars,
comments, blank lines, random key order) and random sequences of edits (set a field, unset one, log a
touch, grade), each run in-process through `Changes` on a real git repository:
- each app action makes exactly one commit; the top-level keys that differ between its parent and it
  (parsed YAML) are exactly the field the action named, and its subject names that field;
- the diff touches only that field's lines: with the field's block cut from both versions, the rest
  of the file is byte-identical;
- with a hand edit pending in the file, it is committed first, on its own, with a subject starting
  `ID: hand edit` that names every field it changed; the app's commit then holds only its own field.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from faultkit import changed_keys, git, load, make_ws, show
from tui.core.changes import Changes
from tui.core.errors import NothingToChange, UsageError
from tui.core.workspace import Workspace

RID = "rand-7k3q"
REL = f"records/{RID}.yaml"
TODAY = dt.date(2026, 11, 23)
KEYS = ("name", "country", "city", "industry", "source", "grade", "stage", "employees", "tags", "products",
        "x_code", "x_ref", "notes", "log")
STRINGS = ("city", "industry", "source", "x_code", "x_ref", "name")
OPTIONAL = ("city", "industry", "source", "grade", "stage", "employees", "tags", "products", "x_code", "x_ref", "notes")
GRADES = "ABCDE"
STAGES = ("lead", "contacted", "inquiry", "quoted", "sample", "negotiating", "won", "repeat", "dormant", "lost")
VIAS = ("email", "call", "meeting", "quote", "visit")

word = st.from_regex(r"[A-Z][a-z]{2,7}", fullmatch=True)
phrase = st.lists(word, min_size=1, max_size=3).map(" ".join)
comment = st.one_of(st.none(), word.map(lambda w: f"# {w.lower()} remark"))


@st.composite
def records(draw) -> str:
    """A valid record's text with random fields, order, comments and list styles."""
    present = draw(st.lists(st.sampled_from(OPTIONAL), unique=True, max_size=len(OPTIONAL)))
    keys = ["name", "country", *present] + (["log"] if draw(st.booleans()) else [])
    keys = draw(st.permutations(keys))
    lines = ["# yaml-language-server: $schema=../schema.yaml"]
    for key in keys:
        if draw(st.booleans()) and draw(st.booleans()):
            lines.append(f"# about {key}")
        trail = draw(comment)
        tail = f"   {trail}" if trail else ""
        if key == "country":
            lines.append(f'country: "{draw(st.sampled_from(["DE", "FR", "NO", "US", "CN"]))}"{tail}')
        elif key in STRINGS:
            lines.append(f"{key}: {draw(phrase)}{tail}")
        elif key == "grade":
            lines.append(f"grade: {draw(st.sampled_from(GRADES))}{tail}")
        elif key == "stage":
            lines.append(f"stage: {draw(st.sampled_from(STAGES))}{tail}")
        elif key == "employees":
            lines.append(f"employees: {draw(st.integers(0, 5000))}{tail}")
        elif key in ("tags", "products"):
            items = draw(st.lists(word.map(str.lower), min_size=1, max_size=3))
            if draw(st.booleans()):
                lines.append(f"{key}: [{', '.join(items)}]{tail}")
            else:
                lines.append(f"{key}:{tail}")
                lines += [f"  - {i}" for i in items]
        elif key == "notes":
            if draw(st.booleans()):
                lines.append(f"notes: {draw(phrase)}{tail}")
            else:
                lines.append("notes: |")
                lines += [f"  {draw(phrase)}." for _ in range(draw(st.integers(1, 3)))]
        elif key == "log":
            lines.append("log:")
            for _ in range(draw(st.integers(1, 2))):
                day = draw(st.dates(dt.date(2024, 1, 1), dt.date(2026, 11, 1)))
                lines += [f"  - on: {day.isoformat()}", "    by: bob@example.com",
                          f"    via: {draw(st.sampled_from(VIAS))}", f"    note: {draw(phrase)}."]
        if draw(st.integers(0, 5)) == 0:
            lines.append("")
    return "\n".join(lines) + "\n"


edits = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(STRINGS), phrase),
    st.tuples(st.just("set"), st.just("employees"), st.integers(0, 9999)),
    st.tuples(st.just("set"), st.sampled_from(("tags", "products")), st.lists(word.map(str.lower), min_size=1, max_size=3)),
    st.tuples(st.just("unset"), st.sampled_from(OPTIONAL), st.none()),
    st.tuples(st.just("log"), st.sampled_from(VIAS), phrase),
    st.tuples(st.just("grade"), st.sampled_from(GRADES), st.none()),
)
hand_edits = st.one_of(st.none(), st.tuples(st.sampled_from(STRINGS), phrase),
                       st.tuples(st.just("x_hand"), phrase))


def block(text: str, key: str) -> tuple[int, int] | None:
    """Line span [start, end) of a top-level key: its line plus the indented or `- ` lines under it."""
    lines = text.split("\n")
    for i, ln in enumerate(lines):
        if re.match(rf"{re.escape(key)}:(\s|$)", ln):
            j = i + 1
            while j < len(lines) and lines[j][:1] in (" ", "-"):
                j += 1
            return i, j
    return None


def without(text: str, key: str) -> str:
    span = block(text, key)
    if span is None:
        return text
    lines = text.split("\n")
    return "\n".join(lines[: span[0]] + lines[span[1]:])


def names(subject: str, key: str) -> bool:
    body = subject.split(": ", 1)[1] if ": " in subject else subject
    return re.search(rf"(?<![\w.-]){re.escape(key)}(?![\w-])", body) is not None


def apply_hand(text: str, edit) -> tuple[str, str]:
    key, value = edit
    span = block(text, key)
    lines = text.split("\n")
    if span is None or key == "x_hand":
        if span is not None:
            return text, key
        return text + f"{key}: {value}\n", key
    line = lines[span[0]]
    m = re.match(rf"{key}:[^#]*?(\s+#.*)?$", line)
    lines[span[0]: span[1]] = [f"{key}: {value}{(m[1] or '') if m else ''}"]
    return "\n".join(lines), key


def run(tmp: Path, text: str, steps) -> int:
    ws_root = make_ws(tmp / "ws", {RID: text})
    changes = Changes(Workspace(ws_root), today=lambda: TODAY)
    path = ws_root / REL
    made = 0
    for edit, hand in steps:
        kind, a, b = edit
        base = git(ws_root, "rev-parse", "HEAD").strip()
        hand_key = None
        if hand is not None:
            current = path.read_text()
            new_text, hand_key = apply_hand(current, hand)
            if new_text == current or load(new_text) == load(current):
                hand_key = None
            else:
                path.write_text(new_text)
                hand_text = new_text
                want_hand = changed_keys(load(current), load(new_text))
        try:
            if kind == "set":
                changes.set_field(RID, (a,), b)
                field = a
            elif kind == "unset":
                changes.set_field(RID, (a,), None)
                field = a
            elif kind == "log":
                changes.log(RID, a, b + ".", by="alice@example.com")
                field = "log"
            else:
                changes.grade(RID, a)
                field = "grade"
        except (NothingToChange, UsageError):
            if hand_key is not None and git(ws_root, "status", "--porcelain"):  # settle it, for the next step
                git(ws_root, "commit", "-qam", f"{RID}: test commits the hand edit")
            continue
        out = git(ws_root, "log", "--reverse", "--format=%H%x09%s", f"{base}..HEAD").splitlines()
        commits = [ln.split("\t", 1) for ln in out]
        expected = 2 if hand_key is not None else 1
        assert len(commits) == expected, f"{kind} {a} {b!r} (hand edit {hand}) made {[s for _, s in commits]}"
        if hand_key is not None:
            sha, subject = commits[0]
            assert subject.startswith(f"{RID}: hand edit"), subject
            assert show(ws_root, sha, REL) == hand_text, "the hand-edit commit is not the user's text"
            got = changed_keys(load(show(ws_root, f"{sha}^", REL)), load(show(ws_root, sha, REL)))
            assert got == want_hand, (subject, got, want_hand)
            assert all(names(subject, k) for k in got), f"{subject!r} does not name all of {got}"
        sha, subject = commits[-1]
        old, new = show(ws_root, f"{sha}^", REL), show(ws_root, sha, REL)
        got = changed_keys(load(old), load(new))
        assert got == {field}, f"{subject!r} changed {got}\n--- parent\n{old}--- commit\n{new}"
        assert names(subject, field), f"{subject!r} does not name {field}"
        assert without(old, field) == without(new, field), f"{subject!r} touched other lines:\n--- parent\n{old}--- commit\n{new}"
        assert subprocess.run(["git", "diff", "--quiet", "HEAD", "--", REL], cwd=ws_root).returncode == 0
        made += 1
    return made


# Shrinking a failure takes minutes (every step is git commands): off unless CRM_SHRINK=1.
PHASES = [p for p in Phase if p != Phase.shrink or os.environ.get("CRM_SHRINK")]
SETTINGS = settings(max_examples=40, deadline=None, phases=PHASES, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@SETTINGS
@given(text=records(), steps=st.lists(st.tuples(edits, st.none()), min_size=1, max_size=6))
def test_commits(text, steps):
    with tempfile.TemporaryDirectory() as tmp:
        run(Path(tmp), text, steps)


@SETTINGS
@given(text=records(), steps=st.lists(st.tuples(edits, hand_edits), min_size=1, max_size=5))
def test_commits_hand(text, steps):
    with tempfile.TemporaryDirectory() as tmp:
        run(Path(tmp), text, steps)
