"""Each record's history: every commit that touched it, with the field-level change it made.

`git log -- records/<id>.yaml` walks the whole history (13-23 s at 20,000 commits, DESIGN.md), so
we keep a derived index in .git/crm/: for each record, the commits that touched it with the blob ids
before and after. It is brought up to date incrementally: one `git log --raw` pass over the commits
that are new since the last update (`indexed..HEAD`), and commits that left the branch (a rebase, a
reset) are dropped (`HEAD..indexed`). A missing or unreadable index is rebuilt. Field-level changes
are not stored: they come from parsing the two blobs of each entry when a history is asked for.
Merge commits are not listed (each side's own commits are); `crm sync` rebases, so it makes none.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from tui.core.display import show_value
from tui.core.errors import GitError, NotFound
from tui.core.gitrepo import Git, git_env
from tui.core.merge import identity
from tui.core.workspace import Workspace
from tui.core.yamlparse import YamlProblem, parse

INDEX_FORMAT = 1
INDEX_NAME = "history.pickle"
ZERO = "0" * 40
LIST_KEYS = ("log", "orders", "contacts", "conflicts")

Progress = Callable[[int, int], None]


# ------------------------------------------------------------------ what the UI and CLI get


@dataclass(frozen=True)
class FieldChange:
    """One field-level change: `kind` is "set" (old -> new; None = absent), "added", "removed" or
    "changed" (a list item), "created" or "deleted" (the whole record), "unreadable"."""

    field: str
    kind: str
    old: Any = None
    new: Any = None

    def __str__(self) -> str:
        if self.kind == "set":
            return f"{self.field}: {show_value(self.old)} -> {show_value(self.new)}"
        if self.kind == "added":
            return f"{self.field}: + {_item(self.field, self.new)}"
        if self.kind == "removed":
            return f"{self.field}: - {_item(self.field, self.old)}"
        if self.kind == "changed":
            return f"{self.field}: ~ {_item(self.field, self.new)} ({_item_diff(self.old, self.new)})"
        if self.kind == "created":
            return f"created: {show_value(self.new)}"
        if self.kind == "deleted":
            return "deleted"
        return f"{self.field}: {self.new}"


@dataclass(frozen=True)
class HistoryEntry:
    """One commit that touched a record. `status`: A (created), M (changed), D (deleted)."""

    commit: str
    author: str
    email: str
    when: dt.datetime
    subject: str
    status: str
    old_blob: str | None
    new_blob: str | None
    changes: tuple[FieldChange, ...] = ()

    @property
    def short(self) -> str:
        return self.commit[:7]


@dataclass(frozen=True)
class FieldValue:
    """A value a field had from a commit on (`present` False: the field was removed there)."""

    value: Any
    present: bool
    commit: str
    author: str
    email: str
    when: dt.datetime


# ------------------------------------------------------------------ the index


class HistoryIndex:
    """rid -> [(commit, status, old blob, new blob)], newest first, for one clone's HEAD."""

    def __init__(self, ws: Workspace):
        self.ws = ws
        self.git = Git(ws.root)
        self.path = ws.state_dir / INDEX_NAME
        self.head: str | None = None
        self.commits: dict[str, tuple[str, str, str, str]] = {}  # sha -> (author, email, iso date, subject)
        self.records: dict[str, list[tuple[str, str, str | None, str | None]]] = {}
        self._stamp: tuple | None = None

    def _file_stamp(self) -> tuple | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def load(self) -> None:
        stamp = self._file_stamp()
        if stamp is not None and stamp == self._stamp:
            return
        try:
            with open(self.path, "rb") as fh:
                blob = pickle.load(fh)
            if blob.get("format") == INDEX_FORMAT:
                self.head, self.commits, self.records = blob["head"], blob["commits"], blob["records"]
                self._stamp = stamp
                return
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, TypeError, ValueError, KeyError):
            pass  # derived: rebuilt below
        self.head, self.commits, self.records, self._stamp = None, {}, {}, None

    def save(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
            with open(tmp, "wb") as fh:
                pickle.dump({"format": INDEX_FORMAT, "head": self.head, "commits": self.commits, "records": self.records},
                            fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
            self._stamp = self._file_stamp()
        except OSError:
            pass  # a read-only clone just rebuilds in memory next time

    def update(self, progress: Progress | None = None) -> int:
        """Bring the index up to HEAD; returns how many new commits were read."""
        self.load()
        head = self.git.run("rev-parse", "-q", "--verify", "HEAD^{commit}", check=False).stdout.strip()
        if not head:
            self.head, self.commits, self.records = None, {}, {}
            return 0
        if head == self.head:
            return 0
        since = self.head
        if since and self.git.run("cat-file", "-e", f"{since}^{{commit}}", check=False).returncode != 0:
            since = None  # the last indexed commit is gone (gc after a rewrite): start over
        if since is None:
            self.commits, self.records = {}, {}
        else:
            gone = set(self.git.run("rev-list", f"{head}..{since}").stdout.split())
            if gone:
                for sha in gone:
                    self.commits.pop(sha, None)
                for rid in list(self.records):
                    kept = [e for e in self.records[rid] if e[0] not in gone]
                    if kept:
                        self.records[rid] = kept
                    else:
                        del self.records[rid]
        rng = [f"{since}..{head}"] if since else [head]
        total = int(self.git.run("rev-list", "--count", *rng).stdout.strip() or 0)
        new = self._read_log(rng, total, progress)
        self.head = head
        self.save()
        return new

    def _read_log(self, rng: list[str], total: int, progress: Progress | None) -> int:
        args = ["git", "log", "--raw", "--no-renames", "--no-abbrev", "-z", "--no-color", "--diff-merges=off",
                "--format=%x1e%H%x1f%an%x1f%ae%x1f%aI%x1f%s", *rng]
        proc = subprocess.Popen(args, cwd=self.ws.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=git_env())
        fresh: dict[str, list] = {}
        count = 0
        pending = b""
        assert proc.stdout is not None
        while True:
            chunk = proc.stdout.read(1 << 20)
            if not chunk:
                break
            pending += chunk
            parts = pending.split(b"\x1e")
            pending = parts.pop()
            for part in parts:
                if part:
                    count += self._commit(part, fresh)
            if progress and total:
                progress(min(count, total), total)
        if pending:
            count += self._commit(pending, fresh)
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        if proc.wait() != 0:
            raise GitError(f"git log: {err.strip() or 'failed'}")
        for rid, items in fresh.items():  # fresh entries are newer than what was indexed
            self.records[rid] = items + self.records.get(rid, [])
        if progress:
            progress(total, total)
        return count

    def _commit(self, part: bytes, fresh: dict) -> int:
        head, _, raw = part.partition(b"\0")
        fields = head.decode("utf-8", errors="replace").rstrip("\n").split("\x1f")
        if len(fields) < 5:
            return 0
        sha = fields[0]
        self.commits[sha] = (fields[1], fields[2], fields[3], fields[4])
        tokens = raw.split(b"\0")
        i = 0
        while i < len(tokens):
            meta = tokens[i].strip(b"\n")
            if not meta.startswith(b":"):
                i += 1
                continue
            path = tokens[i + 1].decode("utf-8", errors="replace") if i + 1 < len(tokens) else ""
            i += 2
            if not (path.startswith("records/") and path.endswith(".yaml") and path.count("/") == 1):
                continue
            bits = meta[1:].decode().split()
            old, new, status = bits[2], bits[3], bits[4][:1]
            rid = path[8:-5]
            fresh.setdefault(rid, []).append((sha, status, None if old == ZERO else old, None if new == ZERO else new))
        return 1

    def entries(self, rid: str) -> list[tuple[str, str, str | None, str | None]]:
        return self.records.get(rid, [])


_open: dict[Path, HistoryIndex] = {}


def index_for(ws: Workspace, progress: Progress | None = None) -> HistoryIndex:
    """The workspace's history index, up to date with HEAD (kept in memory between calls)."""
    key = ws.state_dir / INDEX_NAME
    index = _open.get(key)
    if index is None:
        index = _open[key] = HistoryIndex(ws)
    index.update(progress)
    return index


# ------------------------------------------------------------------ reading blobs


def read_blobs(ws: Workspace, shas: Iterable[str]) -> dict[str, str]:
    """Blob id -> text, all through one `git cat-file --batch`."""
    wanted = list(dict.fromkeys(s for s in shas if s))
    if not wanted:
        return {}
    proc = subprocess.run(["git", "cat-file", "--batch"], cwd=ws.root, input=("\n".join(wanted) + "\n").encode(),
                          capture_output=True, env=git_env())
    out, pos, texts = proc.stdout, 0, {}
    for sha in wanted:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        texts[sha] = out[pos : pos + size].decode("utf-8", errors="replace")
        pos += size + 1
    return texts


def text_at(ws: Workspace, blob: str | None) -> str | None:
    """A record's text as of a history entry (`entry.new_blob`, or `old_blob` for just before it)."""
    if not blob:
        return None
    return read_blobs(ws, [blob]).get(blob)


def _data(text: str | None, pieces: dict | None = None) -> tuple[dict | None, str | None]:
    if text is None:
        return None, None
    if pieces is not None:
        data = piecewise(text, pieces)
        if data is not None:
            return data, None
    try:
        data, _ = parse(text)
    except YamlProblem as exc:
        return None, f"could not be parsed (line {exc.line}: {exc.message})"
    return (data, None) if isinstance(data, dict) else (None, "not a mapping of fields")


def piecewise(text: str, pieces: dict) -> dict | None:
    """A record's data, parsing only the pieces not seen before: each top-level entry, and each item of
    a top-level block list, is parsed on its own and remembered by its text. Consecutive versions of a
    record share almost all their pieces, so a long history parses each touch once instead of once per
    version. None when the text is not laid out simply enough (the caller parses it whole)."""
    blocks: list[list[str]] = []
    for line in text.splitlines(keepends=True):
        first = line[:1]
        if first in (" ", "\t", "\n", "\r", "#", "-", "%", "") or line.startswith("..."):
            if blocks:
                blocks[-1].append(line)
            elif line.strip() and not line.lstrip().startswith("#"):
                return None
        else:
            blocks.append([line])
    data: dict = {}
    try:
        for block in blocks:
            head = block[0]
            body = [ln for ln in block[1:] if ln.strip() and not ln.lstrip().startswith("#")]
            key_part, sep, rest = head.partition(":")
            rest = rest.split(" #", 1)[0].strip() if not rest.strip().startswith(("'", '"')) else rest.strip()
            if sep and not rest and body and body[0].lstrip().startswith("- ") and key_part and key_part[0] not in "'\"[{&*!|>?":
                indent = len(body[0]) - len(body[0].lstrip())
                items, current = [], None
                for ln in block[1:]:
                    if ln.startswith(" " * indent + "- ") or ln.rstrip("\r\n") == " " * indent + "-":
                        current = [ln]
                        items.append(current)
                    elif current is not None:
                        current.append(ln)
                    elif ln.strip() and not ln.lstrip().startswith("#"):
                        return None
                values = []
                for item in items:
                    piece = "".join(item)
                    if piece not in pieces:
                        parsed, _ = parse(piece)
                        pieces[piece] = parsed[0] if isinstance(parsed, list) and len(parsed) == 1 else _BAD
                    if pieces[piece] is _BAD:
                        return None
                    values.append(pieces[piece])
                key = key_part.strip()
                if key in data:
                    return None
                data[key] = values
                continue
            piece = "".join(block)
            if piece not in pieces:
                parsed, _ = parse(piece)
                pieces[piece] = parsed if isinstance(parsed, dict) and len(parsed) == 1 else _BAD
            if pieces[piece] is _BAD:
                return None
            ((key, value),) = pieces[piece].items()
            if key in data:
                return None
            data[key] = value
    except YamlProblem:
        return None
    return data


_BAD = object()


# ------------------------------------------------------------------ field-level changes


def diff_records(old: dict | None, new: dict | None) -> list[FieldChange]:
    """What changed between two versions of a record, field by field."""
    if old is None and new is None:
        return []
    if old is None:
        return [FieldChange("record", "created", None, new.get("name"))]
    if new is None:
        return [FieldChange("record", "deleted", old.get("name"), None)]
    out = []
    for key in [*new, *(k for k in old if k not in new)]:
        a, b = old.get(key), new.get(key)
        if _equal(a, b) and (key in old) == (key in new):
            continue
        if key in LIST_KEYS and isinstance(a, (list, type(None))) and isinstance(b, (list, type(None))):
            out += _diff_items(key, a or [], b or [])
        else:
            out.append(FieldChange(key, "set", a, b))
    return out


def _diff_items(key: str, old: list, new: list) -> list[FieldChange]:
    before = {identity(key, x): x for x in old}
    after = {identity(key, x): x for x in new}
    out = [FieldChange(key, "removed", x, None) for ident, x in before.items() if ident not in after]
    for ident, x in after.items():
        if ident not in before:
            out.append(FieldChange(key, "added", None, x))
        elif not _equal(before[ident], x):
            out.append(FieldChange(key, "changed", before[ident], x))
    return out


def _equal(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _item(key: str, item: Any) -> str:
    if not isinstance(item, dict):
        return show_value(item)
    if key == "log":
        return f"{show_value(item.get('on'))} {item.get('via', '')} by {item.get('by', '?')}: {show_value(item.get('note'))}"
    if key == "orders":
        return f"{show_value(item.get('date'))} {item.get('ref') or ''} {item.get('amount')} {item.get('currency', '')} {item.get('status') or ''}".replace("  ", " ").strip()
    if key == "contacts":
        email = f" <{item['email']}>" if item.get("email") else ""
        return f"{item.get('name', '?')}{email}"
    if key == "conflicts":
        return f"{item.get('field')}: {show_value(item.get('value'))} by {item.get('by', '?')}"
    return show_value(item)


def _item_diff(old: Any, new: Any) -> str:
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return f"{show_value(old)} -> {show_value(new)}"
    parts = [f"{k}: {show_value(old.get(k))} -> {show_value(new.get(k))}" for k in dict.fromkeys([*old, *new]) if not _equal(old.get(k), new.get(k))]
    return "; ".join(parts)


# ------------------------------------------------------------------ queries


def record_history(ws: Workspace, rid: str, *, limit: int | None = None, changes: bool = True,
                   progress: Progress | None = None) -> list[HistoryEntry]:
    """Every commit that touched records/<rid>.yaml, newest first, each with its field-level changes
    (`changes=False` skips reading blobs, for a quick list). Raises NotFound for a record with no history."""
    index = index_for(ws, progress)
    rows = index.entries(rid)
    if not rows:
        raise NotFound(f"no history for {rid!r}: no commit touched records/{rid}.yaml (`crm list` shows the ids)")
    rows = rows[:limit] if limit else rows
    texts = read_blobs(ws, [b for r in rows for b in r[2:]]) if changes else {}
    parsed: dict[str, tuple] = {}
    pieces: dict[str, Any] = {}

    def data(blob):
        if blob not in parsed:
            parsed[blob] = _data(texts.get(blob), pieces) if blob else (None, None)
        return parsed[blob]

    out = []
    for sha, status, old, new in rows:
        author, email, when, subject = index.commits.get(sha, ("?", "?", "1970-01-01T00:00:00+00:00", ""))
        found: tuple[FieldChange, ...] = ()
        if changes:
            (a, a_err), (b, b_err) = data(old), data(new)
            if b_err:
                found = (FieldChange("record", "unreadable", None, b_err),)
            elif a_err and b is not None:
                found = (FieldChange("record", "unreadable", None, "fixed; the version before " + a_err),)
            else:
                found = tuple(diff_records(a if old else None, b if new else None))
        out.append(HistoryEntry(sha, author, email, dt.datetime.fromisoformat(when), subject, status, old, new, found))
    return out


def field_history(ws: Workspace, rid: str, field: str) -> list[FieldValue]:
    """Every value a top-level field has had, newest first: who set it and when."""
    out = []
    for entry in record_history(ws, rid):
        for change in entry.changes:
            if change.field == field and change.kind == "set":
                out.append(FieldValue(change.new, change.new is not None, entry.commit, entry.author, entry.email, entry.when))
            elif change.field == field:
                new_data, _ = _data(text_at(ws, entry.new_blob))
                value = new_data.get(field) if new_data else None
                out.append(FieldValue(value, value is not None, entry.commit, entry.author, entry.email, entry.when))
                break
            elif change.kind == "created":
                new_data, _ = _data(text_at(ws, entry.new_blob))
                if new_data and field in new_data:
                    out.append(FieldValue(new_data[field], True, entry.commit, entry.author, entry.email, entry.when))
    return out


def last_set(ws: Workspace, rid: str) -> dict[str, HistoryEntry]:
    """For each field, the latest entry that changed it (who last set each field)."""
    out: dict[str, HistoryEntry] = {}
    for entry in reversed(record_history(ws, rid)):
        for change in entry.changes:
            if change.kind == "created":
                data, _ = _data(text_at(ws, entry.new_blob))
                for key in data or {}:
                    out[key] = entry
            else:
                out[change.field] = entry
    return out
