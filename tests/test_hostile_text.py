"""Record text is data, never terminal control and never markup.

Records here hold escape sequences written as YAML double-quoted escapes (`"\\e]0;pwn\\a"`): a window
title (OSC 0), a clear screen, a clipboard write (OSC 52), a hyperlink (OSC 8), a C1 CSI, DEL, a bidi
override, and Rich markup. Every CLI command that prints record text, and the UI, must show them as
visible escapes (`\\x1b]0;pwn\\x07`) and never write one of those characters to the terminal.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import CLI, ROOT, git, make_repo
from conftest_ui import screen_text, today

from tui.core.workspace import Workspace
from tui.ui.app import CrmApp
from tui.ui.customer import CustomerScreen
from tui.ui.history import HistoryScreen
from tui.ui.problems import ProblemsScreen

# What must never reach a terminal from record text: C0 controls but tab and newline, DEL, C1, bidi controls.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")

RID = "evil-corp-ab12"
BROKEN = "broken-evil-cd34"
# Every sequence, as YAML double-quoted escapes, and the value each one reads as.
SEQUENCES = {
    "title": (r"\e]0;pwn\a", "\x1b]0;pwn\x07"),
    "clear": (r"\e[2J\e[H", "\x1b[2J\x1b[H"),
    "clipboard": (r"\e]52;c;cm0gLXJmIH4K\a", "\x1b]52;c;cm0gLXJmIH4K\x07"),
    "hyperlink": (r"\e]8;;https://evil.example\e\\click\e]8;;\e\\", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\"),
    "csi": (r"\x9b31m", "\x9b31m"),
    "del": (r"a\x7fb", "a\x7fb"),
    "bidi": (r"abc\u202Edcba", "abc\u202edcba"),
    "bell": (r"\a\b\v\f\r", "\x07\x08\x0b\x0c\r"),
}
NAME = "Evil " + SEQUENCES["title"][0] + " Corp"
NAME_VALUE = "Evil " + SEQUENCES["title"][1] + " Corp"
MARKUP = "[/] x [bold] [link=https://evil.example]here[/link] [/nope]"


def hostile_record() -> str:
    notes = " ".join(escaped for escaped, _ in SEQUENCES.values())
    return "\n".join([
        "# yaml-language-server: $schema=../schema.yaml",
        f'name: "{NAME}"',
        f'name_local: "{SEQUENCES["bidi"][0]}"',
        'country: "DE"',
        f'city: "{SEQUENCES["clear"][0]}"',
        f'industry: "{SEQUENCES["hyperlink"][0]}"',
        "grade: B",
        "stage: quoted",
        f'owner: "alice{SEQUENCES["csi"][0]}@example.com"',
        f'tags: ["{SEQUENCES["del"][0]}", "{MARKUP}"]',
        "contacts:",
        f'  - name: "Buyer {SEQUENCES["clipboard"][0]}"',
        "    email: buyer@evil.example",
        "log:",
        "  - on: 2026-11-20",
        "    by: alice@example.com",
        "    via: email",
        f'    note: "{SEQUENCES["clipboard"][0]} {MARKUP}"',
        f'    next: "{SEQUENCES["title"][0]} call back"',
        "    due: 2026-11-24",
        f'notes: "{notes}"',
        "",
    ])


def broken_record() -> str:
    # Invalid on purpose: validate's messages quote these values.
    return "\n".join([
        f'name: "Broken {SEQUENCES["title"][0]}"',
        'country: "DE"',
        f'grade: "{SEQUENCES["clear"][0]}"',
        f'stage: "{SEQUENCES["csi"][0]}"',
        f'"{SEQUENCES["bidi"][0]}": "{SEQUENCES["del"][0]}"',
        "",
    ])


def make_hostile(root: Path) -> Path:
    ws = make_repo(root)
    shutil.copy(ROOT / "schema.yaml", ws / "schema.yaml")
    (ws / "records").mkdir()
    (ws / "records" / f"{RID}.yaml").write_text(hostile_record(), encoding="utf-8")
    (ws / "records" / f"{BROKEN}.yaml").write_text(broken_record(), encoding="utf-8")
    git(ws, "add", "-A")
    git(ws, "commit", "-q", "-m", "start")
    # A hand commit whose subject and author carry escapes too: history prints both.
    (ws / "records" / f"{RID}.yaml").write_text(hostile_record() + "employees: 12\n", encoding="utf-8")
    git(ws, "add", "-A")
    subprocess.run(["git", "commit", "-q", "-m", f"{RID}: \x1b]0;owned\x07 hand edit \x1b[2J",
                    "--author", "Mallory \x1b[31m <mallory\x1b]0;x\x07@evil.example>"],
                   cwd=ws, check=True, capture_output=True)
    return ws


@pytest.fixture(scope="module")
def hostile_template(tmp_path_factory) -> Path:
    return make_hostile(tmp_path_factory.mktemp("hostile") / "ws")


@pytest.fixture
def hostile(tmp_path, hostile_template) -> Path:
    target = tmp_path / "ws"
    shutil.copytree(hostile_template, target, symlinks=True)
    return target


def test_the_records_really_hold_the_sequences(hostile):
    from tui.core.record import read_record

    ws = Workspace(hostile)
    record = read_record(ws.schema, RID, ws.record_path(RID), f"records/{RID}.yaml")
    assert record.valid, record.problems
    assert record.data["name"] == NAME_VALUE
    assert all(value in record.data["notes"] for _, value in SEQUENCES.values())


def assert_clean(proc: subprocess.CompletedProcess, what: str) -> None:
    for stream, text in (("stdout", proc.stdout), ("stderr", proc.stderr)):
        bad = sorted({f"U+{ord(c):04X}" for c in FORBIDDEN.findall(text)})
        assert not bad, f"`crm {what}` wrote {', '.join(bad)} to {stream}:\n{text!r}"
    assert "Traceback" not in proc.stderr, proc.stderr


READ_COMMANDS = [
    ("list",),
    ("list", "--csv"),
    ("list", "--invalid"),
    ("show", RID),
    ("show", BROKEN),
    ("due", "--days", "30"),
    ("history", RID),
    ("history", RID, "city"),
    ("history", RID, "--json"),
    ("validate",),
    ("validate", f"records/{BROKEN}.yaml"),
    ("list", "--json"),
    ("show", RID, "--json"),
    ("due", "--json", "--days", "30"),
]


@pytest.mark.parametrize("args", READ_COMMANDS, ids=[" ".join(a).replace(RID, "ID").replace(BROKEN, "BROKEN") for a in READ_COMMANDS])
def test_read_commands_never_print_control_characters(hostile, args):
    proc = CLI(hostile)(*args)
    assert proc.returncode in (0, 1), proc.stderr
    assert_clean(proc, " ".join(args))
    if "--json" not in args and args[0] in ("list", "show", "due"):
        out = proc.stdout
        shown = [r"\x1b]0;pwn\x07"]  # the name (list, show) or the next action (due)
        if args == ("show", RID):
            shown += [r"alice\x9b31m@example.com", r"abc\u202edcba"]  # owner, name_local
        for escape in shown:
            assert escape in out, f"{escape} not visible in `crm {' '.join(args)}`:\n{out}"


def test_validate_quotes_bad_values_escaped(hostile):
    proc = CLI(hostile)("validate")
    assert proc.returncode == 1
    lines = [line for line in proc.stdout.splitlines() if line.startswith(f"records/{BROKEN}.yaml:")]
    assert any(":3:8:" in line and "grade" in line for line in lines), proc.stdout
    assert any(":4:8:" in line and "stage" in line for line in lines), proc.stdout


def test_history_shows_a_hand_commits_escapes_visibly(hostile):
    out = CLI(hostile)("history", RID).stdout
    assert r"\x1b]0;owned\x07 hand edit \x1b[2J" in out
    assert r"mallory\x1b]0;x\x07@evil.example" in out


@pytest.mark.parametrize("args", [("list", "--json"), ("show", RID, "--json"), ("history", RID, "--json")],
                         ids=["list", "show", "history"])
def test_json_output_is_valid_and_keeps_the_exact_text(hostile, args):
    out = CLI(hostile)(*args).stdout
    data = json.loads(out)  # strict: json.loads refuses nothing, so check NaN/Infinity by hand too
    assert not re.search(r"\b(NaN|-?Infinity)\b", out)
    if args[0] == "history":
        created = data[-1]["changes"][0]
        assert created["new"] == NAME_VALUE
    if args[0] == "list":
        row = next(r for r in data if r["id"] == RID)
        assert row["name"] == NAME_VALUE and row["name_local"] == SEQUENCES["bidi"][1]
    if args[0] == "show":
        assert data["record"]["notes"].startswith(SEQUENCES["title"][1])


def test_messages_of_new_set_and_log_are_escaped(hostile):
    crm = CLI(hostile)
    new = crm("new", f"New {SEQUENCES['title'][1]} {SEQUENCES['bidi'][1]} Ltd", "--country", "DE",
              "--city", SEQUENCES["clear"][1])
    assert new.returncode == 0, new.stderr
    assert_clean(new, "new")
    assert r"\x1b]0;pwn\x07" in new.stdout
    rid = new.stdout.split()[-1]
    for args in [
        ("set", rid, "city", f"Hamburg {SEQUENCES['clipboard'][1]}"),
        ("set", rid, "industry", SEQUENCES["hyperlink"][1]),
        ("set", RID, "city", "Hamburg"),  # the message quotes the old value, "\e[2J\e[H"
        ("log", rid, "--via", "call", "--note", f"{MARKUP} {SEQUENCES['title'][1]}", "--next", SEQUENCES["bell"][1]),
        ("log", RID, "--via", "call", "--note", "called"),
        ("grade", RID, "A"),
    ]:
        proc = crm(*args)
        assert proc.returncode == 0, proc.stderr
        assert_clean(proc, args[0])
    out = crm("history", rid)
    assert_clean(out, "history")
    assert r"\x1b]52;c;" in out.stdout


@pytest.mark.parametrize("value", [SEQUENCES["del"][1], SEQUENCES["csi"][1], "a\x85b"], ids=["del", "c1", "nel"])
def test_typing_del_or_c1_is_stored_escaped_and_reads_back_exactly(hostile, value):
    proc = CLI(hostile)("set", RID, "city", value)
    assert_clean(proc, "set")
    assert proc.returncode == 0, proc.stderr
    from tui.core.record import read_record

    ws = Workspace(hostile)
    raw = ws.record_path(RID).read_text(encoding="utf-8")
    assert not any(ch in raw for ch in "\x7f\x85\x9b")  # written as \u escapes, never raw
    assert read_record(ws.schema, RID, ws.record_path(RID), f"records/{RID}.yaml").data["city"] == value


@pytest.mark.parametrize("args", [
    ("show", "evil\x1b]0;x\x07"),                          # not an id
    ("show", f"{SEQUENCES['csi'][1]}"),                    # not an id
    ("set", RID, "grade", SEQUENCES["clear"][1]),           # the change would be invalid
    ("set", RID, "employees", f"12{SEQUENCES['title'][1]}"),  # not an integer
    ("set", RID, "expected_close", f"2026-01-01{SEQUENCES['title'][1]}"),  # not a date
    ("log", RID, "--via", "email", "--note", "x", "--due", f"+1{SEQUENCES['title'][1]}"),  # argparse's error
    ("list", "--due", SEQUENCES["title"][1]),              # argparse's invalid choice
    ("new", "X", "--country", "DE", "--grade", SEQUENCES["title"][1]),
], ids=["show-bad-id", "show-c1-id", "set-invalid", "set-not-int", "set-not-date", "log-bad-due", "list-bad-choice", "new-bad-grade"])
def test_errors_quoting_what_was_typed_are_escaped(hostile, args):
    proc = CLI(hostile)(*args)
    assert proc.returncode in (1, 2), proc.stdout + proc.stderr
    assert proc.stderr.strip(), "an error says what went wrong"
    assert_clean(proc, " ".join(args))


# ------------------------------------------------------------------ the UI

SIZE = (120, 40)


async def settle(app, pilot) -> None:
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


def assert_screen_clean(app, what: str) -> str:
    text = screen_text(app)
    bad = sorted({f"U+{ord(c):04X}" for c in FORBIDDEN.findall(text)})
    assert not bad, f"{what} shows {', '.join(bad)} raw:\n{text}"
    return text


def test_ui_shows_hostile_records_with_visible_escapes_and_survives_markup(hostile):
    ws = Workspace(hostile)

    async def run():
        app = CrmApp(ws, today, watch_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert app.loaded
            text = assert_screen_clean(app, "the table")
            assert r"\x1b]0;pwn\x07" in text  # the name, escaped

            assert app.screen.table.select_id(RID)
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, CustomerScreen)
            text = assert_screen_clean(app, "the customer view")
            assert r"\x1b[2J" in text and r"\x1b]52;c;" in text
            assert "[/] x [bold]" in text  # markup shown as the text it is

            # Log a touch whose note is markup: committed, notified, and the app keeps running.
            await pilot.press("l")
            await settle(app, pilot)
            await pilot.press(*"[/] x [bold] [link=https://evil.example]", "enter", "enter", "enter")
            await settle(app, pilot)
            while not isinstance(app.screen, CustomerScreen):  # the re-grade offer
                await pilot.press("escape")
                await settle(app, pilot)
            assert app.is_running
            assert "[/] x [bold] [link=https://evil.example]" in git(hostile, "log", "-1", "--format=%s")
            text = assert_screen_clean(app, "the customer view after logging")
            assert "[/] x [bold] [link=https://evil.example]" in text

            await pilot.press("h")
            await settle(app, pilot)
            assert isinstance(app.screen, HistoryScreen)
            text = assert_screen_clean(app, "the history")
            assert r"\x1b]0;owned\x07" in text

            await pilot.press("escape")
            await settle(app, pilot)
            await pilot.press("escape")
            await settle(app, pilot)
            await pilot.press("p")
            await settle(app, pilot)
            assert isinstance(app.screen, ProblemsScreen)
            text = assert_screen_clean(app, "the problems screen")
            assert BROKEN in text

            # Notifications quote record text: escaped, and never read as markup.
            app.notify(f"note {SEQUENCES['title'][1]} {MARKUP}")
            await settle(app, pilot)
            assert app.is_running
            shown = [n for n in app._notifications if n.message.startswith("note ")]
            assert shown and shown[-1].message == rf"note \x1b]0;pwn\x07 {MARKUP}" and not shown[-1].markup
            committed = [n.message for n in app._notifications if "[link=https://evil.example]" in n.message]
            assert committed, "the log's commit message was notified"
            assert not any(FORBIDDEN.search(n.message) for n in app._notifications)

    asyncio.run(run())
