"""Faults against the write path's promises (DESIGN.md, "Trust: what every write promises").

Every test runs the real `crm` as a subprocess on a real git repository in a temp folder:
- exit 0 means the change is in the file and in HEAD's commit; non-zero means nothing changed;
- concurrent writers are serialised (no raw git `index.lock` error, no change lost, one field per commit);
- a pending hand edit is committed on its own first (or the action refused), never folded in;
- SIGKILL at any moment: the next crm command finishes or rolls back the action by itself;
- an editor saving the file while crm writes: nothing the editor saved is silently reverted;
- a stale .git/index.lock, a full disk, git states that would lose a commit: refused, nothing changed.

Kill counts: CRM_FAULT_KILLS (default 21 per command) and CRM_FAULT_SYNC_KILLS (default 16).
Figures are printed (pytest -s) and appended to .pytest_cache/crm-faults-summary.txt."""

from __future__ import annotations

import errno
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from faultkit import (CONF, ENV, HANDED, OTHER, RECORDS, RID, Snap, assert_unchanged, commits_since, crm, diff_lines, fsck,
                      git, git_locks, hidden, head, identity, in_progress, kill_after, load, make_ws, ok, record_files,
                      show, spawn, status, summary, wait_for_change)

KILLS = int(os.environ.get("CRM_FAULT_KILLS", "21"))
SYNC_KILLS = int(os.environ.get("CRM_FAULT_SYNC_KILLS", "16"))
REL = f"records/{RID}.yaml"


def names(subject: str, key: str) -> bool:
    """Does a commit subject name this top-level key (as a word, after the `ID: ` prefix)?"""
    body = subject.split(": ", 1)[1] if ": " in subject else subject
    return re.search(rf"(?<![\w.-]){re.escape(key)}(?![\w-])", body) is not None


def hand_edit(ws: Path, rid: str, old: str, new: str) -> None:
    p = ws / "records" / f"{rid}.yaml"
    text = p.read_text()
    assert old in text
    p.write_text(text.replace(old, new, 1))


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_ws(tmp_path / "ws")


# ------------------------------------------------------------------ concurrency

GO = ("import os, sys, time\nfrom tui.cli import main\n"
      "t = float(os.environ['CRM_GO'])\nwhile time.time() < t: pass\nsys.exit(main(sys.argv[1:]))")


@pytest.mark.parametrize("n", [2, 3], ids=["x2", "x3"])
def test_concurrent_sets(ws: Path, n: int):
    """n `crm set` on different fields of one record, started at the same instant (imports done, a
    shared start time): all exit 0, all values land, each commit holds only its own field."""
    fields = ["city", "industry", "source"][:n]
    rounds = 4
    for r in range(rounds):
        base = head(ws)
        go = str(time.time() + 0.4)
        values = {f: f"{f.title()} {r}{n}" for f in fields}
        procs = {f: subprocess.Popen([sys.executable, "-c", GO, "-w", str(ws), "set", RID, f, v], cwd=ws,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env={**ENV, "CRM_GO": go}) for f, v in values.items()}
        outs = {f: (p.wait(timeout=60), *p.communicate()) for f, p in procs.items()}
        for f, (code, out, err) in outs.items():
            assert "index.lock" not in out + err, f"round {r}: raw git lock error for {f}:\n{out}{err}"
            assert code == 0, f"round {r}: crm set {f} exited {code}:\n{out}{err}"
        data = load((ws / REL).read_text())
        assert {f: data.get(f) for f in fields} == values, f"round {r}: a change was lost: {data}"
        assert show(ws, "HEAD", REL) == (ws / REL).read_text(), f"round {r}: the file is not what HEAD holds"
        assert status(ws) == "", status(ws)
        commits = commits_since(ws, base)
        assert len(commits) == n, [c.subject for c in commits]
        for c in commits:
            assert c.paths == [REL], (c.subject, c.paths)
            (key,) = c.keys[REL]  # exactly one field per commit
            assert names(c.subject, key), f"commit {c.subject!r} changed {key}"
            removed, added = diff_lines(ws, c.sha)
            assert all(ln.startswith(f"{key}:") for ln in removed + added), (c.subject, removed, added)
        assert sorted(next(iter(c.keys[REL])) for c in commits) == sorted(fields)


# ------------------------------------------------------------------ hand edits pending in the file

APP_ACTIONS = {
    "set": (["set", RID, "industry", "LED panels"], "industry"),
    "grade": (["grade", RID, "B"], "grade"),
    "log": (["log", RID, "--via", "email", "--note", "Sent the catalogue."], "log"),
}


@pytest.mark.parametrize("verb", list(APP_ACTIONS))
def test_hand_edit_first(ws: Path, verb: str):
    """A pending hand edit (city) is committed first as `ID: hand edit: city ...`; the app's commit
    then holds only its own field."""
    args, key = APP_ACTIONS[verb]
    base = head(ws)
    hand_edit(ws, RID, "city: Hamburg", "city: Munich")
    ok(ws, *args)
    commits = commits_since(ws, base)
    assert [c.paths for c in commits] == [[REL], [REL]], [c.subject for c in commits]
    hand, app = commits
    assert hand.subject.startswith(f"{RID}: hand edit"), hand.subject
    assert names(hand.subject, "city") and "Munich" in hand.subject, hand.subject
    assert hand.keys[REL] == {"city"}, hand.keys
    assert app.keys[REL] == {key}, (app.subject, app.keys)
    assert names(app.subject, key), app.subject
    removed, added = diff_lines(ws, app.sha)
    assert not any("city" in ln for ln in removed + added), (removed, added)
    assert load((ws / REL).read_text())["city"] == "Munich"
    assert status(ws) == ""


def test_hand_edit_two_fields(ws: Path):
    """A hand edit of two fields: its own commit names both."""
    base = head(ws)
    hand_edit(ws, RID, "city: Hamburg", "city: Munich")
    hand_edit(ws, RID, "notes: Prefers email.", "notes: Prefers calls.")
    ok(ws, "grade", RID, "A")
    commits = commits_since(ws, base)
    assert len(commits) == 2, [(c.subject, c.keys) for c in commits]
    hand, app = commits
    assert hand.subject.startswith(f"{RID}: hand edit") and hand.keys[REL] == {"city", "notes"}
    assert names(hand.subject, "city") and names(hand.subject, "notes"), hand.subject
    assert app.keys[REL] == {"grade"}


@pytest.mark.parametrize("verb", list(APP_ACTIONS))
def test_bad_hand_edit(ws: Path, verb: str):
    """An invalid hand edit (country: Germany) makes the action refuse: exit 1, nothing written."""
    hand_edit(ws, RID, 'country: "DE"', "country: Germany")
    before = Snap.of(ws)
    proc = crm(ws, *APP_ACTIONS[verb][0])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert_unchanged(ws, before, proc)


def test_undo_hand_made(ws: Path):
    """`crm set` on a record made by hand and never committed, then `crm undo`: the hand-made
    version is its own commit, and undo reverts only the set (the file stays)."""
    rid, rel = "omega-3x4y", "records/omega-3x4y.yaml"
    text = '# hand made\nname: Omega Glass\ncountry: "PL"\ncity: Gdansk\n'
    (ws / rel).write_text(text)
    base = head(ws)
    ok(ws, "set", rid, "city", "Warsaw")
    commits = commits_since(ws, base)
    assert len(commits) == 2, [c.subject for c in commits]
    assert commits[0].subject.startswith(f"{rid}: ") and "hand edit" in commits[0].subject, commits[0].subject
    assert show(ws, commits[0].sha, rel) == text
    assert commits[1].keys[rel] == {"city"}, (commits[1].subject, commits[1].keys)
    ok(ws, "undo", rid)
    assert (ws / rel).exists(), "undo deleted a record the user made by hand"
    assert (ws / rel).read_text() == text
    assert show(ws, "HEAD", rel) == text
    assert status(ws) == ""


# ------------------------------------------------------------------ stale index.lock

WRITES = {
    "set": ["set", RID, "city", "Munich"],
    "grade": ["grade", RID, "B"],
    "log": ["log", RID, "--via", "call", "--note", "Called about the sample."],
    "new": ["new", "Zeta Optics", "--country", "DE", "--yes"],  # --yes: the check after a landed run makes a second Zeta on purpose
    "undo": ["undo", RID],
    "resolve": ["resolve", CONF, "grade", "A"],
}


@pytest.mark.parametrize("verb", list(WRITES))
def test_stale_index_lock(ws: Path, verb: str):
    ok(ws, "set", RID, "city", "Berlin")  # something for undo to revert
    lock = ws / ".git" / "index.lock"
    lock.write_text("")
    before = Snap.of(ws)
    proc = crm(ws, *WRITES[verb])
    msg = proc.stdout + proc.stderr
    assert proc.returncode != 0, msg
    assert_unchanged(ws, before, proc)
    assert lock.exists(), "crm removed a lock it did not take"
    assert ".git/index.lock" in msg, msg
    assert re.search(r"remove", msg, re.I) and re.search(r"no (other )?git\b.*running", msg, re.I), msg
    assert "Traceback" not in msg
    lock.unlink()
    ok(ws, *WRITES[verb])
    assert head(ws) != before.head and status(ws) == before.status


# ------------------------------------------------------------------ a full disk

def _tmpfs(path: Path, size: str) -> bool:
    path.mkdir(parents=True)
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


def _fill(dirpath: Path, leave: int) -> Path:
    """Fill the file system holding dirpath, then give back `leave` bytes."""
    filler = dirpath / "filler"
    with open(filler, "wb") as fh:
        chunk = b"\0" * 65536
        try:
            while True:
                fh.write(chunk)
                fh.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
            fh.seek(0, 2)
    # buffered bytes may not have landed; write smaller pieces until nothing more fits
    with open(filler, "ab", buffering=0) as fh:
        for size in (4096, 512, 1):
            try:
                while True:
                    fh.write(b"\0" * size)
            except OSError:
                pass
    if leave:
        os.truncate(filler, max(0, filler.stat().st_size - leave))
    return filler


@pytest.mark.parametrize("leave", [0, 4096, 8192, 16384, 32768, 65536], ids=lambda n: f"free{n // 1024}k")
def test_disk_full(tmp_path: Path, leave: int):
    """The workspace on a tiny tmpfs, filled up (with `leave` bytes given back, so the failure comes at
    different steps). Exit 0: committed; non-zero: a message about the disk and nothing changed."""
    mnt = tmp_path / "mnt"
    if not _tmpfs(mnt, "3m"):
        pytest.skip("cannot mount a tmpfs here (not root); test_enospc_injected covers this")
    try:
        ws = make_ws(mnt / "ws")
        ok(ws, "list")  # caches made while there is room
        filler = _fill(mnt, leave)
        before = Snap.of(ws)
        proc = crm(ws, "set", RID, "city", "Munich")
        msg = proc.stdout + proc.stderr
        assert "Traceback" not in msg, msg
        if proc.returncode == 0:
            assert show(ws, "HEAD", REL) == (ws / REL).read_text() and "Munich" in (ws / REL).read_text()
            assert status(ws) == before.status
        else:
            assert re.search(r"disk|space", msg, re.I), msg
            assert_unchanged(ws, before, proc)
        assert leave or proc.returncode != 0, "the write succeeded on a full disk?"
        assert hidden(ws) == [] and git_locks(ws) == [], (hidden(ws), git_locks(ws))
        filler.unlink()
        assert fsck(ws) == ""
        if proc.returncode != 0:
            ok(ws, "set", RID, "city", "Munich")
        assert load((ws / REL).read_text())["city"] == "Munich" and status(ws) == before.status
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


INJECT = r"""
import builtins, errno, io, os, sys
ws = os.path.realpath(sys.argv[1]); n = int(os.environ["CRM_FI_N"]); report = os.environ["CRM_FI_REPORT"]
count = [0]; fds = set()
def inside(p):
    try:
        return os.path.realpath(os.fsdecode(p)).startswith(ws + os.sep)
    except TypeError:
        return False
def hit():
    count[0] += 1
    if count[0] == n:
        with real_open(report, "w") as fh:
            fh.write("fired")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
real_open, real_os_open, real_write = io.open, os.open, os.write
real_replace, real_rename, real_link = os.replace, os.rename, os.link
def fi_open(file, mode="r", *a, **k):
    if isinstance(file, (str, bytes, os.PathLike)) and any(c in mode for c in "wax+") and inside(file):
        hit()
    return real_open(file, mode, *a, **k)
def fi_os_open(path, flags, *a, **k):
    creates = flags & os.O_CREAT and not os.path.exists(path) or flags & os.O_TRUNC
    fd = real_os_open(path, flags, *a, **k)
    if flags & (os.O_WRONLY | os.O_RDWR) and inside(path):
        fds.add(fd)
        try:
            if creates:
                hit()
        except OSError:
            os.close(fd)
            raise
    return fd
def fi_write(fd, data):
    if fd in fds:
        hit()
    return real_write(fd, data)
def wrap2(real):
    def f(src, dst, *a, **k):
        if inside(dst):
            hit()
        return real(src, dst, *a, **k)
    return f
builtins.open = io.open = fi_open
os.open, os.write = fi_os_open, fi_write
os.replace, os.rename, os.link = wrap2(real_replace), wrap2(real_rename), wrap2(real_link)
import pathlib
from tui.cli import main
sys.exit(main(["-w", ws, *sys.argv[2:]]))
"""


@pytest.mark.parametrize("verb", ["set", "log", "new", "undo"])
def test_enospc_injected(ws: Path, tmp_path: Path, verb: str):
    """ENOSPC raised by the Nth file write/open/rename crm makes in the workspace, for N = 1, 2, ...
    until crm makes fewer writes than N: every run either lands whole or changes nothing."""
    ok(ws, "set", RID, "city", "Berlin")
    ok(ws, "list")
    template = tmp_path / "template"
    shutil.copytree(ws, template, symlinks=True)
    fired = 0
    report = tmp_path / "fired"
    for n in range(1, 60):
        run = tmp_path / f"n{n}"
        shutil.copytree(template, run, symlinks=True)
        before = Snap.of(run)
        report.unlink(missing_ok=True)
        proc = subprocess.run([sys.executable, "-c", INJECT, str(run), *WRITES[verb]], cwd=run, capture_output=True,
                              text=True, env={**ENV, "CRM_FI_N": str(n), "CRM_FI_REPORT": str(report)}, timeout=60)
        msg = f"N={n}: exit {proc.returncode}\n{proc.stdout}{proc.stderr}"
        assert "Traceback" not in proc.stderr, msg
        if not report.exists():
            assert proc.returncode == 0, msg
            break
        fired += 1
        if proc.returncode == 0:
            assert head(run) != before.head and status(run) == before.status, msg
        else:
            assert re.search(r"disk|space", proc.stderr, re.I), msg
            assert_unchanged(run, before, proc)
        assert hidden(run) == [] and git_locks(run) == [], (msg, hidden(run), git_locks(run))
        after = crm(run, *WRITES[verb])  # the disk has room again
        assert after.returncode == 0 or (proc.returncode == 0 and "nothing to change" in after.stderr), (msg, after.stderr)
        shutil.rmtree(run)
    assert fired, "no write was injected with ENOSPC"
    summary(f"ENOSPC injection ({verb}): {fired} fault points, every one whole-or-nothing")


# ------------------------------------------------------------------ git states that would lose a commit

def _conflict_branch(ws: Path) -> None:
    """`side` and `main` set beta's city differently (beta is not the record the command changes)."""
    git(ws, "switch", "-q", "-c", "side")
    hand_edit(ws, OTHER, "city: Lyon", "city: Nice")
    git(ws, "commit", "-qam", "side: beta city")
    git(ws, "switch", "-q", "main")
    hand_edit(ws, OTHER, "city: Lyon", "city: Paris")
    git(ws, "commit", "-qam", "main: beta city")


def _state(ws: Path, state: str) -> Path:
    ok(ws, "set", RID, "city", "Berlin")  # a change for undo
    # The merge driver would settle the conflict: git's own text merge for these setups.
    (ws / ".git" / "info" / "attributes").write_text("records/*.yaml merge=text\n")
    if state == "rebase":
        _conflict_branch(ws)
        git(ws, "switch", "-q", "side")
        git(ws, "rebase", "main", check=False)
    elif state == "rebase-i":
        hand_edit(ws, OTHER, "city: Lyon", "city: Nice")
        git(ws, "commit", "-qam", "beta city")
        git(ws, "rebase", "-i", "HEAD~2", env={"GIT_SEQUENCE_EDITOR": "sed -i -e 1s/^pick/edit/"})
    elif state == "merge":
        _conflict_branch(ws)
        git(ws, "merge", "side", check=False)
    elif state == "cherry-pick":
        _conflict_branch(ws)
        git(ws, "cherry-pick", "side", check=False)
    elif state == "revert":
        hand_edit(ws, OTHER, "city: Lyon", "city: Nice")
        git(ws, "commit", "-qam", "beta city Nice")
        hand_edit(ws, OTHER, "city: Nice", "city: Paris")
        git(ws, "commit", "-qam", "beta city Paris")
        git(ws, "revert", "--no-edit", "HEAD~1", check=False)
    elif state == "detached":
        git(ws, "switch", "-q", "--detach")
    elif state == "bare":
        bare = ws.parent / "bare.git"
        git(ws.parent, "clone", "-q", "--bare", str(ws), str(bare))
        return bare
    marker = {"rebase": "rebase-merge", "rebase-i": "rebase-merge", "merge": "MERGE_HEAD",
              "cherry-pick": "CHERRY_PICK_HEAD", "revert": "REVERT_HEAD"}.get(state)
    assert marker is None or in_progress(ws), f"setup: no {state} in progress"
    return ws


HINTS = {
    "rebase": r"rebase.*(--continue|--abort)", "rebase-i": r"rebase.*(--continue|--abort)",
    "merge": r"merge.*(--abort|commit)", "cherry-pick": r"cherry-pick.*(--continue|--abort)",
    "revert": r"revert.*(--continue|--abort)", "detached": r"detached.*(switch|checkout)",
    "bare": r"bare.*clone",
}
STATE_WRITES = {k: WRITES[k] for k in ("set", "log", "new")}


@pytest.mark.parametrize("verb", list(STATE_WRITES))
@pytest.mark.parametrize("state", list(HINTS))
def test_git_state(ws: Path, state: str, verb: str):
    target = _state(ws, state)
    if state == "bare":
        refs = git(target, "show-ref")
        listing = sorted(p.name for p in target.iterdir())
        proc = crm(target, *STATE_WRITES[verb])
        assert proc.returncode != 0, proc.stdout + proc.stderr
        assert git(target, "show-ref") == refs and sorted(p.name for p in target.iterdir()) == listing
    else:
        before = Snap.of(ws)
        markers = in_progress(ws)
        proc = crm(ws, *STATE_WRITES[verb])
        assert proc.returncode != 0, f"crm {verb} ran during a {state}:\n{proc.stdout}{proc.stderr}"
        assert_unchanged(ws, before, proc)
        assert in_progress(ws) == markers, "crm finished or aborted the user's operation"
    msg = proc.stdout + proc.stderr
    assert "Traceback" not in msg
    assert re.search(HINTS[state], msg, re.I | re.S), f"the message does not say what to do:\n{msg}"


# ------------------------------------------------------------------ an editor saving while crm writes


def test_editor_race(ws: Path):
    """An editor thread saves notes: again and again (tmp+rename, and in-place truncate+write) while crm
    sets other fields. Nothing the editor saved is reverted; every exit 0 is in HEAD; each commit
    holds what its message says."""
    path = ws / REL
    base = head(ws)
    stop = threading.Event()
    saved: list[str] = []
    reverted: list[str] = []
    rng = random.Random(7)

    def editor():
        i = 0
        while not stop.is_set():
            i += 1
            value = f"Editor note {i}"
            try:
                text = path.read_text()
            except FileNotFoundError:
                reverted.append("file gone")
                return
            found = re.search(r"^notes: (.*)$", text, re.M)
            if saved and (found is None or found[1] != saved[-1]):
                reverted.append(f"before save {i}: notes is {found[1] if found else None!r}, editor saved {saved[-1]!r}")
            new = re.sub(r"^notes: .*$", f"notes: {value}", text, flags=re.M)
            if i % 2:
                tmp = path.with_name(f".{path.name}.swp{i}")
                tmp.write_text(new)
                os.replace(tmp, path)
            else:
                with open(path, "r+") as fh:
                    fh.truncate(0)
                    fh.write(new)
            saved.append(value)
            time.sleep(rng.uniform(0.05, 0.5))

    t = threading.Thread(target=editor)
    t.start()
    results = []
    try:
        for i in range(24):
            field = ("city", "industry", "source")[i % 3]
            value = f"{field.title()} {i}"
            proc = crm(ws, "set", RID, field, value)
            results.append((field, value, proc))
    finally:
        stop.set()
        t.join()
    text = path.read_text()
    assert load(text)["notes"] == saved[-1], f"the editor's last save ({saved[-1]!r}) was reverted: {load(text)['notes']!r}"
    assert not reverted, f"{len(reverted)} editor saves silently reverted, e.g. {reverted[:3]}"
    commits = commits_since(ws, base)
    subjects = [c.subject for c in commits]
    good = [(f, v) for f, v, p in results if p.returncode == 0]
    for f, v, p in results:
        if p.returncode == 0:
            mine = [c for c in commits if c.subject.startswith(f"{RID}: {f} ") and c.subject.endswith(f"-> {v}")]
            assert mine, f"crm set {f} {v} exited 0 but is not in HEAD: {subjects}"
            assert load(show(ws, mine[0].sha, REL)).get(f) == v, mine[0].subject
        else:
            assert "Traceback" not in p.stderr and re.search(r"changed on disk|invalid|hand edit|nothing was",
                                                             p.stderr, re.I), p.stderr
    for c in commits:
        keys = c.keys.get(REL, set())
        assert all(names(c.subject, k) for k in keys), f"{c.subject!r} changed {keys}"
        if c.subject.startswith(f"{RID}: hand edit"):
            continue
        assert "notes" not in keys, f"the editor's text was folded into {c.subject!r}"
        assert len(keys) == 1, (c.subject, keys)
    assert len(good) >= 1, f"only {len(good)} of {len(results)} sets landed: {[p.stderr.strip() for *_, p in results][:3]}"
    summary(f"editor race: {len(saved)} editor saves, {len(results)} crm sets ({len(good)} exit 0, "
            f"{len(results) - len(good)} refused), {len(commits)} commits, {len(reverted)} reverted saves")


# ------------------------------------------------------------------ SIGKILL at a random moment

KILL_ACTIONS = {**WRITES, "delete": ["delete", RID]}
NEXT = (["list"], ["validate"], ["show", OTHER], ["due"])


def test_delete_is_one_commit_and_undo_brings_the_record_back(ws: Path):
    path = ws / "records" / f"{RID}.yaml"
    text = path.read_bytes()
    head0 = head(ws)
    ok(ws, "delete", RID)
    assert not path.exists() and git(ws, "log", "-1", "--format=%s").startswith(f"{RID}: delete customer")
    assert git(ws, "rev-list", "--count", f"{head0}..HEAD").strip() == "1" and status(ws) == ""
    ok(ws, "undo", RID)
    assert path.read_bytes() == text and status(ws) == ""


_NEW = re.compile(r"zeta-optics-[a-z0-9]+\.yaml\Z")


def _norm(files: dict[str, bytes]) -> dict[str, bytes]:
    return {("zeta-optics-NEW.yaml" if _NEW.match(n) else n): b for n, b in files.items() if not n.startswith(".")}


@pytest.fixture(scope="module")
def kill_template(tmp_path_factory) -> Path:
    """A workspace with a crm commit to undo and a hand edit the user has pending in another record."""
    ws = make_ws(tmp_path_factory.mktemp("kill") / "template")
    ok(ws, "set", RID, "city", "Berlin")
    hand_edit(ws, HANDED, "city: Milan", "city: Turin")
    ok(ws, "list")
    return ws


@pytest.mark.parametrize("verb", list(KILL_ACTIONS))
def test_kill(kill_template: Path, tmp_path: Path, verb: str):
    args = KILL_ACTIONS[verb]
    before = Snap.of(kill_template)
    commits_before = int(git(kill_template, "rev-list", "--count", "HEAD"))
    # the action's run time, when it first changes records/, and its result, unkilled
    times, firsts, after_files = [], [], None
    for i in range(2):
        ref = tmp_path / f"ref{i}"
        shutil.copytree(kill_template, ref, symlinks=True)
        start = record_files(ref)
        t0 = time.perf_counter()
        proc = spawn(ref, *args)
        first = None
        while proc.poll() is None:
            if first is None and record_files(ref) != start:
                first = time.perf_counter() - t0
            time.sleep(0.001)
        times.append(time.perf_counter() - t0)
        firsts.append(first if first is not None else times[-1])
        out, err = proc.communicate()
        assert proc.returncode == 0, out + err
        after_files = _norm(record_files(ref))
        shutil.rmtree(ref)
    T, W = min(times), min(firsts)
    before_files = _norm(before.files)
    assert after_files != before_files
    rng = random.Random(f"kill-{verb}")
    stats = dict(runs=0, kills=0, finished=0, orphans=0, before=0, after=0, lost=0)
    problems: list[str] = []
    for i in range(KILLS):
        run = tmp_path / f"run{i}"
        shutil.copytree(kill_template, run, symlinks=True)
        # a third at a delay spread over the whole run; two thirds at a delay after records/ first
        # changes (the write phase: temporary file, swap, commit, journal), spread over its length; stratified
        proc = spawn(run, *args)
        if i % 3 == 0:
            delay = T * (i // 3 + rng.random()) / -(-KILLS // 3)
        else:
            k = i - i // 3 - 1
            t0 = time.perf_counter()
            wait_for_change(proc, run, 5 * T)
            delay = time.perf_counter() - t0 + (T - W) * 1.2 * (k + rng.random()) / (KILLS - -(-KILLS // 3))
        killed, orphans = kill_after(proc, delay if i % 3 == 0 else delay - (time.perf_counter() - t0))
        stats["runs"] += 1
        stats["kills"] += killed
        stats["finished"] += not killed
        stats["orphans"] += orphans
        where = f"run {i} ({verb}, killed after {delay:.3f}s of ~{T:.3f}s)" if killed else f"run {i} (finished)"
        nxt = NEXT[i % len(NEXT)]
        rec = crm(run, *nxt)
        if "Traceback" in rec.stderr or rec.returncode not in ((0, 1) if nxt == ["validate"] else (0,)):
            problems.append(f"{where}: `crm {' '.join(nxt)}` exited {rec.returncode}: {rec.stderr.strip()[-300:]}")
        files = _norm(record_files(run))
        n = int(git(run, "rev-list", "--count", "HEAD"))
        if files == before_files and n == commits_before and head(run) == before.head:
            state = "before"
        elif files == after_files and n == commits_before + 1:
            state = "after"
        else:
            state = None
            changed = sorted(k for k in set(files) | set(before_files) | set(after_files)
                             if files.get(k) not in (before_files.get(k), after_files.get(k)) or
                             (files.get(k) == before_files.get(k)) != (files.get(k, b"") == before_files.get(k, b"")))
            problems.append(f"{where}: records/ is neither before nor after (commits {n - commits_before:+d}); "
                            f"files {changed or 'mixed'}")
        if state:
            stats[state] += 1
        if not killed and proc.returncode == 0 and state != "after":
            stats["lost"] += 1
            problems.append(f"{where}: exit 0 but the change is not in the file and HEAD")
        if status(run) != before.status:
            problems.append(f"{where}: git status {status(run)!r}, was {before.status!r}")
        if hidden(run):
            problems.append(f"{where}: hidden files left in records/: {hidden(run)}")
        if git_locks(run):
            problems.append(f"{where}: git locks left: {git_locks(run)}")
        bad = fsck(run)
        if bad:
            problems.append(f"{where}: git fsck: {bad}")
        w = crm(run, "set", OTHER, "city", f"Check {i}")
        if w.returncode != 0:
            problems.append(f"{where}: the next write failed: {w.stderr.strip()[-300:]}")
        shutil.rmtree(run)
    summary(f"kill -9 {verb}: {stats['runs']} runs over ~{T:.2f}s (records/ first changes at ~{W:.2f}s), {stats['kills']} killed mid-run "
            f"({stats['orphans']} left git children running), {stats['finished']} finished first; "
            f"outcome before {stats['before']} / after {stats['after']}; lost changes {stats['lost']}; "
            f"violations {len(problems)}")
    assert stats["kills"] >= KILLS // 3, f"too few runs were killed mid-run: {stats}"
    assert not problems, f"{len(problems)} violations in {stats['runs']} runs:\n" + "\n".join(problems[:12])


# ------------------------------------------------------------------ SIGKILL during sync


@pytest.fixture(scope="module")
def sync_farm(tmp_path_factory) -> Path:
    """remote.git, and alice's clone with three local commits and a pending hand edit, behind bob's
    three pushed commits to the same records: the rebase has work (and merge-driver runs) to do."""
    top = tmp_path_factory.mktemp("syncfarm")
    seed = make_ws(top / "seed", {k: RECORDS[k] for k in (RID, OTHER, HANDED)})
    git(top, "init", "-q", "--bare", "-b", "main", str(top / "remote.git"))
    git(seed, "remote", "add", "origin", str(top / "remote.git"))
    git(seed, "push", "-q", "-u", "origin", "main")
    for who in ("alice", "bob"):
        git(top, "clone", "-q", str(top / "remote.git"), str(top / who))
        identity(top / who, who)
    bob, alice = top / "bob", top / "alice"
    ok(bob, "set", RID, "stage", "sample")
    ok(bob, "set", OTHER, "city", "Paris")
    ok(bob, "log", RID, "--via", "call", "--note", "Bob called.")
    ok(bob, "sync")
    ok(alice, "grade", RID, "B")
    ok(alice, "log", RID, "--via", "email", "--note", "Alice wrote.")
    ok(alice, "set", HANDED, "industry", "optics")
    p = alice / "records" / f"{OTHER}.yaml"
    p.write_text(p.read_text() + "notes: Alice hand edit.\n")
    return top


ALICE_SUBJECTS = (f"{RID}: grade C -> B", f"{RID}: log email: Alice wrote.", f"{HANDED}: industry (none) -> optics")


def _check_synced(alice: Path, remote: Path) -> list[str]:
    out = []
    gd = alice / ".git"
    for m in ("rebase-merge", "rebase-apply", "index.lock", "HEAD.lock", "refs/heads/main.lock", "MERGE_HEAD"):
        if (gd / m).exists():
            out.append(f".git/{m} left behind")
    a = load((alice / "records" / f"{RID}.yaml").read_text())
    b = load((alice / "records" / f"{OTHER}.yaml").read_text())
    g = load((alice / "records" / f"{HANDED}.yaml").read_text())
    notes = [e.get("note") for e in a.get("log", [])]
    want = {"acme grade": (a.get("grade"), "B"), "acme stage (bob)": (a.get("stage"), "sample"),
            "alice's log": ("Alice wrote." in notes, True), "bob's log": ("Bob called." in notes, True),
            "beta city (bob)": (b.get("city"), "Paris"), "beta hand edit": (b.get("notes"), "Alice hand edit."),
            "gamma industry": (g.get("industry"), "optics")}
    out += [f"lost {k}: {got!r}, want {exp!r}" for k, (got, exp) in want.items() if got != exp]
    if status(alice):
        out.append(f"git status after sync: {status(alice)!r}")
    if head(alice) != git(remote, "rev-parse", "main").strip():
        out.append("alice's HEAD is not what the remote has")
    subjects = git(alice, "log", "--format=%s").splitlines()
    out += [f"{s!r} appears {subjects.count(s)} times" for s in ALICE_SUBJECTS if subjects.count(s) != 1]
    for repo in (alice, remote):
        bad = fsck(repo)
        if bad:
            out.append(f"fsck {repo.name}: {bad}")
    return out


def test_kill_sync(sync_farm: Path, tmp_path: Path):
    def copy(name: str) -> tuple[Path, Path]:
        top = tmp_path / name
        shutil.copytree(sync_farm / "remote.git", top / "remote.git", symlinks=True)
        shutil.copytree(sync_farm / "alice", top / "alice", symlinks=True)
        git(top / "alice", "remote", "set-url", "origin", str(top / "remote.git"))
        return top / "alice", top / "remote.git"

    alice, remote = copy("ref")
    t0 = time.perf_counter()
    ok(alice, "sync")
    T = time.perf_counter() - t0
    assert _check_synced(alice, remote) == []
    rng = random.Random("kill-sync")
    stats = dict(runs=0, kills=0, orphans=0, mid_rebase=0)
    problems: list[str] = []
    for i in range(SYNC_KILLS):
        alice, remote = copy(f"run{i}")
        delay = T * (0.1 + (i + rng.random()) / SYNC_KILLS)
        killed, orphans = kill_after(spawn(alice, "sync"), delay)
        stats["runs"] += 1
        stats["kills"] += killed
        stats["orphans"] += orphans
        stats["mid_rebase"] += (alice / ".git" / "rebase-merge").exists()
        where = f"run {i} (killed after {delay:.3f}s of ~{T:.3f}s)" if killed else f"run {i} (finished)"
        proc = crm(alice, "sync")
        if proc.returncode != 0 or "another sync" in proc.stderr:
            problems.append(f"{where}: the next sync exited {proc.returncode}: {proc.stderr.strip()[-400:]}")
        problems += [f"{where}: {p}" for p in _check_synced(alice, remote)]
        shutil.rmtree(alice.parent)
    summary(f"kill -9 sync: {stats['runs']} runs over ~{T:.2f}s, {stats['kills']} killed mid-run "
            f"({stats['orphans']} left git children running, {stats['mid_rebase']} left a rebase-merge/), "
            f"violations {len(problems)}")
    assert stats["kills"] >= SYNC_KILLS // 3, stats
    assert not problems, f"{len(problems)} violations:\n" + "\n".join(problems[:12])
