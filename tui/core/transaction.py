"""The one write path: every change crm makes to a record is a transaction that lands whole or not at all.

    with Transaction(ws, "crm set") as tx:
        record = tx.read(rid)            # pending hand edits of the file are committed first, on their own
        tx.land(record, new_text, f"{rid}: grade C -> B")

A transaction
1. holds the workspace's write lock (an flock the OS releases if we die), so writers never interleave;
2. finishes or rolls back whatever an earlier, interrupted crm left in its journal;
3. refuses git states in which a commit could be lost (rebase, merge, cherry-pick, revert in progress,
   detached HEAD, bare repository) and waits briefly for a foreign `index.lock`;
4. commits pending hand edits of the file as their own commit (`ID: hand edit: city Berlin -> Munich`),
   so the action's commit holds only the lines the action made;
5. notes its intent in the journal, swaps the new text in atomically (refusing, and keeping the user's
   text, if an editor saved the file meanwhile), and makes the commit from the exact bytes it wrote, in
   a scratch index: nothing else of the index or work tree goes in;
6. on any failure puts the file back as it was and says why.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from tui.core.conflicts import is_conflict
from tui.core.display import printable, show_value
from tui.core.errors import CrmError, InvalidRecord, NothingToChange, Problem, StaleWrite
from tui.core.gitrepo import Git
from tui.core.lock import WriteLock
from tui.core.record import Record, check_text, decode, digest_of, read_record
from tui.core.syncrecovery import recover_sync
from tui.core.workspace import Workspace
from tui.core.yamlparse import YamlProblem, parse

JOURNAL = "journal.json"
SYNC_JOURNAL = "sync-journal.json"
SCRATCH_INDEX = "commit.index"
FSYNC_EACH_UP_TO = 64  # a batch of at most this many files is flushed file by file, not by os.sync()
BATCH_FILES = "journal-files.json"  # the files of a many-record transaction in flight


@dataclass(frozen=True)
class Change:
    id: str
    message: str
    commit: str


def field_changes(old: Any, new: Any, limit: int = 3) -> str:
    """What differs between two versions of a record, for a commit subject: `city Berlin -> Munich, grade B -> A`.

    More than `limit` fields are named without their values."""
    old = old if isinstance(old, dict) else {}
    new = new if isinstance(new, dict) else {}
    keys = [k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]
    if not keys:
        return "formatting"
    if len(keys) > limit:
        return ", ".join(printable(str(k), True) for k in keys)
    parts = []
    for k in keys:
        name = printable(str(k), True)
        a, b = old.get(k), new.get(k)
        if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
            parts.append(f"{name} changed")
        elif k not in new:
            parts.append(f"unset {name} (was {show_value(a, 30)})")
        else:
            parts.append(f"{name} {show_value(a, 30)} -> {show_value(b, 30)}")
    return ", ".join(parts)


def _data(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return parse(text)[0]
    except YamlProblem:
        return None


def subject(message: str) -> str:
    """A commit message is one line of printable text, however odd the values in it."""
    return printable(" ".join(message.split()), one_line=True)


class Transaction:
    """A write to the records of a workspace; see the module's docstring. Not re-entrant across workspaces."""

    def __init__(self, ws: Workspace, what: str = "crm", wait: float | None = None, git: Git | None = None):
        self.ws = ws
        self.git = git or Git(ws.root)
        self.what = what
        self._lock = WriteLock(ws.state_dir, what, wait)
        self.changes: list[Change] = []
        self._start: str | None = None
        self._tip: str | None = None  # HEAD as this transaction knows it (update-ref checks it is still so)
        self._entries: dict[str, tuple[str, str] | None] = {}  # path -> (mode, blob) at _tip
        self._all_known = False  # every record's entry is in _entries (prefetch)

    def __enter__(self) -> Transaction:
        self.git.refuse_unsafe_state(full=False)  # before the lock: a bare repository has no state folder to lock in
        self._lock.__enter__()
        try:
            recover(self.ws, self.git)
            self.git.refuse_unsafe_state()
            self.git.identity()
            self.git.wait_for_index_lock()
            self._start = self._tip = self.git.head()
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, kind, exc, tb) -> None:
        try:
            if kind is not None and self.changes:
                self._take_back()
        finally:
            self._lock.__exit__(kind, exc, tb)

    def _take_back(self) -> None:
        """The action failed after hand edits were committed for it: take those commits back (the edits stay
        on disk, uncommitted, as they were), so a failed action leaves HEAD as it found it."""
        last = self.changes[-1].commit
        if not self._start or self.git.head() != last:
            return  # someone (sync's own roll-back) already moved HEAD
        paths = self.git.run("diff", "--name-only", "--no-renames", self._start, last, check=False).stdout.split()
        self.git.run("update-ref", "-m", "crm: take back commits of a failed action", "HEAD", self._start, last, check=False)
        for path in paths:
            entry = self.git.tree_entry(self._start, path)
            try:
                self.git.stage(path, entry[1] if entry else None, entry[0] if entry else "100644")
            except CrmError:
                pass
        self.changes.clear()

    # ------------------------------------------------------------ what HEAD holds

    def _head_entry(self, relpath: str) -> tuple[str | None, tuple[str, str] | None]:
        """(HEAD, (mode, blob) of `relpath` there), each asked of git once per transaction. The entries follow
        the commits this transaction makes (only the transaction moves HEAD while it holds the lock)."""
        if relpath not in self._entries:
            if self._all_known and relpath.startswith("records/") and relpath.count("/") == 1:
                self._entries[relpath] = None  # prefetched: HEAD has no such file
            else:
                self._entries[relpath] = self.git.tree_entry(self._tip, relpath) if self._tip else None
        return self._tip, self._entries[relpath]

    def prefetch(self) -> None:
        """Ask git once for the entry of every record at HEAD (before reading or landing many records)."""
        if self._tip is None or self._all_known:
            return
        out = self.git.run("ls-tree", "-z", "-r", self._tip, "--", "records/").stdout
        for line in out.split("\0"):
            if "\t" in line:
                meta, path = line.split("\t", 1)
                mode, kind, blob = meta.split()
                if kind == "blob" and path not in self._entries:
                    self._entries[path] = (mode, blob)
        self._all_known = True

    def _moved(self, commit: str, relpath: str, blob: str | None, mode: str) -> None:
        self._tip = commit
        self._entries[relpath] = (mode, blob) if blob else None

    # ------------------------------------------------------------ reading

    def read(self, rid: str, settle: bool = True) -> Record:
        """The record as it is on disk, its pending hand edits committed first (unless `settle` is False)."""
        path = self.ws.require(rid)
        record = read_record(self.ws.schema, rid, path, f"records/{rid}.yaml")
        if settle:
            record = self.settle(record)
        return record

    def read_committed(self, rid: str) -> Record | None:
        """The record's text, not parsed nor checked, when the file is byte for byte what HEAD holds (so it has
        no hand edit to settle); None otherwise (then `read` it). For a caller that parses the text itself and
        lands with `checked=True`: a pool sweep reads thousands of records and edits two keys of each."""
        path = self.ws.require(rid)
        relpath = f"records/{rid}.yaml"
        entry = self._head_entry(relpath)[1]
        raw = _read_bytes(path)
        if raw is None or entry is None or _blob_id(raw) != entry[1]:
            return None
        text, problem = decode(raw, relpath)
        if text is None:
            return None
        return Record(rid, path, relpath, text, digest_of(raw), None, [])

    def settle(self, record: Record) -> Record:
        """Commit a record's uncommitted hand edit as its own commit; refuse if it does not validate."""
        head, entry = self._head_entry(record.relpath)
        raw = _read_bytes(record.path)
        if raw is None:
            return record
        if record.digest and digest_of(raw) != record.digest:
            raise StaleWrite(record.relpath, record.text or "")  # saved again since we read it: commit nothing
        if entry is not None and _blob_id(raw) == entry[1]:
            return record
        if entry is not None and self.git.hash_blob(record.relpath, raw, write=False) == entry[1]:
            return record  # the same once git's filters (say, line endings) are applied
        if record.problems:
            blocking = [p for p in record.problems if not _is_conflict(p)]
            if blocking or record.text is None:
                raise InvalidRecord(
                    blocking or record.problems, None,
                    f"{record.relpath} has hand edits that are not committed and do not validate; fix them (or discard "
                    f"them with `git checkout -- {record.relpath}`) and try again; nothing was changed")
        new = _data(record.text)
        if entry is None:
            name = new.get("name", record.id) if isinstance(new, dict) else record.id
            message = f"{record.id}: new customer {show_value(name, 40)} (hand edit)"
        else:
            before = _data(self.git.blob_text(entry[1]).decode("utf-8", "replace"))
            message = f"{record.id}: hand edit: {field_changes(before, new)}"
        self._commit(record.relpath, raw, message, head, entry[0] if entry else "100644")
        return record

    def committed_data(self, relpath: str) -> Any:
        """The data of `relpath` as HEAD has it (None when HEAD has no such file or it does not parse)."""
        _, entry = self._head_entry(relpath)
        return _data(self.git.blob_text(entry[1]).decode("utf-8", "replace")) if entry else None

    # ------------------------------------------------------------ writing

    def land(self, record: Record, new_text: str | None, message: str, allow: Callable[[Problem], bool] | None = None) -> Change:
        """Validate `new_text` (None: delete the record), swap it in for the bytes `record` was read from,
        and commit exactly that. Problems the record already had, and those `allow` accepts, do not block."""
        message = subject(message)
        if new_text is not None:
            _, problems = check_text(self.ws.schema, record.relpath, new_text)
            known = {p.message for p in record.problems}
            new = [p for p in problems if p.message not in known and not (allow and allow(p))]
            if new:
                raise InvalidRecord(new, new_text)
        head, entry = self._head_entry(record.relpath)
        data = None if new_text is None else new_text.encode("utf-8")
        if record.text is not None and data is not None and record.digest and digest_of(data) == record.digest:
            raise NothingToChange(f"{record.id}: nothing to change")
        commit = self._swap_and_commit(record, data, message, head, entry)
        if not commit:
            return Change(record.id, f"{record.id}: restored to its committed content; nothing to commit", "")
        change = Change(record.id, message, commit)
        self.changes.append(change)
        return change

    def blank(self, rid: str) -> Record:
        """A record that does not exist yet, to `land` (or `land_many`) a new customer's text as."""
        self.ws.records_dir.mkdir(exist_ok=True)
        return Record(rid, self.ws.record_path(rid), f"records/{rid}.yaml", None, "", None, [])

    def land_many(self, items: list[tuple[Record, str | None]], message: str, *, rid: str = "", body: str = "",
                  allow: Callable[[Problem], bool] | None = None, checked: bool = False,
                  progress: Callable[[int, int], None] | None = None) -> Change:
        """`land` for many records in ONE commit (an import, a merge of two customers, a pool sweep): each
        (record, new text or None to delete). All of it lands or none of it does: a file changed on disk since
        it was read, a full disk or a failed commit puts every file back as it was. `checked`: the caller has
        validated the texts already. `body` goes under the subject (a list of what changed). Items whose text
        is what the file holds are left out; NothingToChange when that is all of them."""
        message = subject(message)
        work = []
        for record, new_text in items:
            data = None if new_text is None else new_text.encode("utf-8")
            if data is not None and record.digest and digest_of(data) == record.digest:
                continue
            if data is None and not record.digest:
                continue
            if new_text is not None and not checked:
                _, problems = check_text(self.ws.schema, record.relpath, new_text)
                known = {p.message for p in record.problems}
                fresh = [p for p in problems if p.message not in known and not (allow and allow(p))]
                if fresh:
                    raise InvalidRecord(fresh, new_text)
            work.append((record, data))
        if not work:
            raise NothingToChange(f"{message}: nothing to change")
        head = self._tip
        if len(work) > 20:
            self.prefetch()
        modes = {}
        for record, _ in work:
            entry = self._head_entry(record.relpath)[1]
            modes[record.relpath] = entry[0] if entry else "100644"
        full = message + (f"\n\n{printable(body)}" if body else "")
        commit = self._swap_many(work, message, full, head, modes, progress)
        if not commit:
            return Change(rid, f"{message}: restored to the committed content; nothing to commit", "")
        change = Change(rid, message, commit)
        self.changes.append(change)
        return change

    def _swap_many(self, work: list[tuple[Record, bytes | None]], message: str, full: str, head: str | None,
                   modes: dict[str, str], progress) -> str:
        journal = Journal(self.ws)
        folder = str(_work_dir(self.ws))
        token = secrets.token_hex(4)
        files = [{"path": r.relpath, "backup": f"{folder}/.{r.id}.{token}.crm-old", "tmp": f"{folder}/.{r.id}.{token}.crm-new",
                  "new": digest_of(d) if d is not None else None, "created": not r.digest} for r, d in work]
        listing = self.ws.state_dir / BATCH_FILES
        try:  # the list of files is written once; the journal itself stays small as its step changes
            _write_json(listing, files)
            journal.write({"kind": "batch", "head": head, "message": message, "files": BATCH_FILES, "step": "swap"})
        except OSError as exc:
            journal.clear()
            _unlink(listing)
            raise _write_error(work[0][0].relpath, exc) from None
        total = len(work) * 2
        swapped: list[int] = []
        try:
            # A few files (a merge, an undo) are flushed one by one; many (an import, a sweep) are written
            # first and flushed by one os.sync(), which is far faster than thousands of fsyncs.
            each = len(work) <= FSYNC_EACH_UP_TO
            for i, ((record, data), f) in enumerate(zip(work, files)):
                if data is not None:
                    write_tmp(Path(f["tmp"]), data, record.path if record.digest else None, record.relpath, durable=each)
                if progress and i % 100 == 0:
                    progress(i, total)
            if not each:
                os.sync()
            for i, ((record, data), f) in enumerate(zip(work, files)):
                swap_tmp(record.path, data, record.digest or None, record.relpath, Path(f["tmp"]), Path(f["backup"]))
                swapped.append(i)
                if progress and i % 100 == 0:
                    progress(len(work) + i, total)
            blobs = self._blobs(work)
            entries = [(r.relpath, blobs.get(r.relpath), modes[r.relpath]) for r, _ in work]
            commit = ""
            if any(blob != (self._head_entry(path)[1] or (None, None))[1] for path, blob, _ in entries):
                journal.update(step="commit")
                commit = self.git.commit_files(entries, full, head, self._scratch())
        except BaseException as exc:
            for i in reversed(swapped):
                record, data = work[i]
                put_back(record.path, data, Path(files[i]["backup"]))
            for f in files:
                _unlink(Path(f["tmp"]))
            journal.clear()
            _unlink(listing)
            if isinstance(exc, OSError):
                raise _write_error(work[0][0].relpath, exc) from None
            if isinstance(exc, CrmError) and not isinstance(exc, StaleWrite):
                raise CrmError(f"{exc}\nnothing was changed: every file is as it was") from None
            raise
        if commit:
            journal.note(step="index", commit=commit)
            for (record, _), (path, blob, mode) in zip(work, entries):
                self._moved(commit, path, blob, mode)
        try:
            self.git.stage_many(entries, len(commit or head or "") or 40)
        except CrmError:
            print("crm: note: committed, but could not update git's index; `git status` may show the files as "
                  "changed until `git reset -q -- records`", file=sys.stderr)
        for f in files:
            _unlink(Path(f["backup"]))
        journal.clear()
        _unlink(listing)
        return commit

    def _blobs(self, work: list[tuple[Record, bytes | None]]) -> dict[str, str]:
        """The blob of each new text, stored: computed here and written in one pack when git keeps record files
        byte for byte (the usual case), else hashed by git from the files just swapped in."""
        present = [(r.relpath, d) for r, d in work if d is not None]
        if not present:
            return {}
        if self.git.stores_bytes_as_is([p for p, _ in present]):
            self.git.write_blobs([d for _, d in present])
            return {path: _blob_id(data) for path, data in present}
        blobs = dict(zip([p for p, _ in present], self.git.hash_paths([p for p, _ in present])))
        for path, data in present:  # what git hashed must be ours: an editor may have saved since the swap
            if _digest(self.ws.root / path) != digest_of(data):
                raise StaleWrite(path, data.decode("utf-8", "replace"))
        return blobs

    def _commit(self, relpath: str, raw: bytes | None, message: str, head: str | None, mode: str) -> str:
        """Commit what is already on disk (a hand edit; None: a hand deletion): nothing to swap or put back."""
        message = subject(message)
        journal = Journal(self.ws)
        try:
            journal.write({"kind": "write", "path": relpath, "head": head, "message": message, "step": "commit"})
        except OSError as exc:
            raise _write_error(relpath, exc) from None
        blob = self.git.hash_blob(relpath, raw, write=True) if raw is not None else None
        commit = self.git.commit_file(relpath, blob, message, head, mode, self._scratch())
        self._moved(commit, relpath, blob, mode)
        journal.note(step="index", commit=commit)
        self._stage(relpath, blob, mode)
        journal.clear()
        self.changes.append(Change(Path(relpath).stem, message, commit))
        return commit

    def commit_present(self, relpath: str, raw: bytes | None, message: str) -> str | None:
        """Commit `raw`, the bytes just read of a record file (None: it is gone), if they differ from HEAD
        (sync's pending hand edits)."""
        head, entry = self._head_entry(relpath)
        if raw is None and entry is None:
            return None
        if raw is not None and entry and self.git.hash_blob(relpath, raw, write=False) == entry[1]:
            return None
        return self._commit(relpath, raw, message, head, entry[0] if entry else "100644")

    def _scratch(self) -> Path:
        return self.ws.state_dir / SCRATCH_INDEX

    def _stage(self, relpath: str, blob: str | None, mode: str = "100644") -> None:
        try:
            self.git.stage(relpath, blob, mode)
        except CrmError:
            # The commit is made; only the index entry lags. Say so rather than fail a change that landed.
            print(f"crm: note: committed, but could not update git's index for {relpath}; `git status` may show it "
                  f"as changed until `git reset -q -- {relpath}`", file=sys.stderr)

    def _swap_and_commit(self, record: Record, data: bytes | None, message: str, head: str | None, entry) -> str:
        journal = Journal(self.ws)
        mode = entry[0] if entry else "100644"
        work = _work_dir(self.ws)
        token = secrets.token_hex(4)
        backup = work / f".{record.id}.{token}.crm-old"
        tmp = work / f".{record.id}.{token}.crm-new"
        try:
            journal.write({"kind": "write", "path": record.relpath, "head": head, "backup": str(backup), "tmp": str(tmp),
                           "new": digest_of(data) if data is not None else None, "created": not record.digest,
                           "message": message, "step": "swap"})
        except OSError as exc:
            journal.clear()
            raise _write_error(record.relpath, exc) from None
        try:
            swap_in(record.path, data, record.digest or None, record.relpath, tmp, backup)
        except BaseException:
            journal.clear()
            raise
        try:
            blob = self.git.hash_blob(record.relpath, data, write=True) if data is not None else None
            if blob is not None and entry is not None and blob == entry[1]:
                # The file is back to what HEAD has (a broken hand edit fixed by hand): nothing to commit.
                self._stage(record.relpath, blob, mode)
                _unlink(backup)
                journal.clear()
                return ""
            journal.update(step="commit")
            commit = self.git.commit_file(record.relpath, blob, message, head, mode, self._scratch())
            self._moved(commit, record.relpath, blob, mode)
        except BaseException as exc:
            put_back(record.path, data, backup)
            journal.clear()
            if isinstance(exc, OSError):
                raise _write_error(record.relpath, exc) from None
            if isinstance(exc, CrmError):
                raise CrmError(f"{exc}\nnothing was changed: {record.relpath} is as it was") from None
            raise
        journal.note(step="index", commit=commit)
        self._stage(record.relpath, blob, mode)
        _unlink(backup)
        journal.clear()
        return commit


# ------------------------------------------------------------------ the file swap


def swap_in(path: Path, data: bytes | None, expected: str | None, relpath: str, tmp: Path, backup: Path) -> None:
    """Replace the file at `path` (which must still be the bytes with digest `expected`; None: it must not
    exist) with `data` (None: remove it), leaving the old file at `backup`. StaleWrite, with nothing
    changed, if the file is not what the change was based on, even when an editor saves it meanwhile."""
    if data is not None:
        write_tmp(tmp, data, path if expected is not None else None, relpath)
    swap_tmp(path, data, expected, relpath, tmp, backup)


def write_tmp(tmp: Path, data: bytes, like: Path | None, relpath: str, durable: bool = True) -> None:
    """Write `data` to `tmp` (flushed to disk unless `durable` is False: the caller syncs many at once),
    with the permissions of `like` when given."""
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        if like is not None:
            try:
                os.chmod(tmp, like.stat().st_mode & 0o7777)
            except OSError:
                pass
    except OSError as exc:
        _unlink(tmp)
        raise _write_error(relpath, exc) from None


def swap_tmp(path: Path, data: bytes | None, expected: str | None, relpath: str, tmp: Path, backup: Path) -> None:
    """The second half of `swap_in`: `tmp` (already written, when `data` is not None) takes the file's place."""
    text_for_user = data.decode("utf-8", "replace") if data is not None else ""
    if expected is None:  # a new file: create it only if nobody else has
        try:
            os.link(tmp, path)
        except FileExistsError:
            _unlink(tmp)
            raise StaleWrite(relpath, text_for_user) from None
        except OSError as exc:
            _unlink(tmp)
            raise _write_error(relpath, exc) from None
        _unlink(tmp)
        return
    # Take the file away by rename (atomic), check what we took is what we read, then put ours in only where
    # no new file has appeared: an editor's save at any moment is kept, and ours is refused as stale.
    try:
        os.rename(path, backup)
    except FileNotFoundError:
        _unlink(tmp)
        raise StaleWrite(relpath, text_for_user) from None
    except OSError as exc:
        _unlink(tmp)
        raise _write_error(relpath, exc) from None
    if _digest(backup) != expected:
        _restore_backup(path, backup)
        _unlink(tmp)
        raise StaleWrite(relpath, text_for_user)
    if data is None:
        return
    try:
        os.link(tmp, path)
    except FileExistsError:  # an editor saved a new file in the moment it was away: theirs stays
        _unlink(tmp)
        _unlink(backup)
        raise StaleWrite(relpath, text_for_user) from None
    except OSError as exc:
        _restore_backup(path, backup)
        _unlink(tmp)
        raise _write_error(relpath, exc) from None
    _unlink(tmp)
    if _digest(backup) != expected:  # written in place through a handle opened before the rename
        os.replace(backup, path)
        raise StaleWrite(relpath, text_for_user)


def put_back(path: Path, data: bytes | None, backup: Path) -> None:
    """Undo `swap_in` after a failed commit: the old file back, unless the user changed it meanwhile."""
    current = _digest(path)
    ours = digest_of(data) if data is not None else None
    if current == ours:
        if backup.exists():
            os.replace(backup, path)
        elif data is not None:
            _unlink(path)  # it was new
    else:
        _unlink(backup)  # the user saved the file since: theirs stays


def _restore_backup(path: Path, backup: Path) -> None:
    try:
        os.link(backup, path)
    except FileExistsError:
        pass  # a newer save is there: keep it
    _unlink(backup)


def _write_error(relpath: str, exc: OSError) -> CrmError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = "the disk is full; free some space and try again"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "the folder is not writable; check its permissions"
    else:
        hint = "check the folder's permissions and free space"
    return CrmError(f"could not write {relpath}: {exc.strerror}; nothing was changed ({hint})")


def _work_dir(ws: Workspace) -> Path:
    """Where the swap keeps its temporary files: our state folder when it is on the same file system as
    records/ (so they never show in `git status`), else records/ itself (hidden names)."""
    state = ws.state_dir
    try:
        state.mkdir(parents=True, exist_ok=True)
        if state.stat().st_dev == ws.records_dir.stat().st_dev:
            return state
    except OSError:
        pass
    return ws.records_dir


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _digest(path: Path) -> str | None:
    raw = _read_bytes(path)
    return None if raw is None else digest_of(raw)


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _blob_id(raw: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()


def _is_conflict(problem: Problem) -> bool:
    return is_conflict(problem.message)


# ------------------------------------------------------------------ the journal


class Journal:
    """What the transaction in flight is doing, so that the next crm can finish or undo it. A sync keeps
    its own (it makes write transactions while it runs)."""

    def __init__(self, ws: Workspace, name: str = JOURNAL):
        self.path = ws.state_dir / name
        self.entry: dict = {}

    def write(self, entry: dict) -> None:
        self.entry = dict(entry, pid=os.getpid())
        self._save()

    def update(self, **changes) -> None:
        self.entry.update(changes)
        self._save()

    def note(self, **changes) -> None:
        """An update after the commit landed: if the disk is full now, recovery still finds the commit."""
        try:
            self.update(**changes)
        except OSError:
            pass

    def _save(self) -> None:
        _write_json(self.path, self.entry)

    def read(self) -> dict | None:
        try:
            entry = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {}
        return entry if isinstance(entry, dict) else {}

    def clear(self) -> None:
        _unlink(self.path)


def _write_json(path: Path, value: Any) -> None:
    """`value` as JSON at `path`, atomically and on disk before this returns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(value, separators=(",", ":")))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError:
        _unlink(tmp)
        raise


def pending_recovery(ws: Workspace) -> bool:
    """Whether an interrupted action waits to be finished or undone (a cheap check for every command)."""
    return (ws.state_dir / JOURNAL).exists() or (ws.state_dir / SYNC_JOURNAL).exists()


def recover(ws: Workspace, git: Git | None = None) -> list[str]:
    """Finish or undo interrupted actions found in the journals; the caller holds the write lock.
    Returns what was done (also printed to stderr)."""
    git = git or Git(ws.root)
    said = []
    for name in (JOURNAL, SYNC_JOURNAL):
        journal = Journal(ws, name)
        entry = journal.read()
        if entry is None:
            continue
        if entry.get("kind") == "write":
            said.append(_recover_write(ws, git, entry))
        elif entry.get("kind") == "batch":
            said.append(_recover_batch(ws, git, entry))
        elif entry.get("kind") == "sync":
            said.append(recover_sync(ws, git, entry))
        else:
            said.append("cleared an unreadable journal of an interrupted action")
        journal.clear()
    for line in said:
        print(f"crm: {printable(line)}", file=sys.stderr)
    return said


def recover_now(ws: Workspace) -> list[str]:
    """Take the write lock and recover, if anything waits (every crm command calls this first)."""
    if not pending_recovery(ws):
        return []
    with WriteLock(ws.state_dir, "crm recovery"):
        return recover(ws)


def _recover_write(ws: Workspace, git: Git, entry: dict) -> str:
    relpath = entry.get("path") or ""
    path = ws.root / relpath
    backup = Path(entry["backup"]) if entry.get("backup") else None
    tmp = Path(entry["tmp"]) if entry.get("tmp") else None
    message = entry.get("message") or relpath
    if tmp is not None:
        _unlink(tmp)
    head = git.head()
    landed = head is not None and head != entry.get("head") and _commit_subject(git, head) == message
    if landed:
        _remove_our_lock(git, "index.lock", entry)
        entry_now = git.tree_entry(head, relpath)
        try:
            git.stage(relpath, entry_now[1] if entry_now else None, entry_now[0] if entry_now else "100644")
        except CrmError:
            pass
        if backup is not None:
            _unlink(backup)
        return f"finished an interrupted change: {message}"
    _release_git_locks(ws, git, entry)
    _roll_back_file(path, backup, entry.get("new"), bool(entry.get("created")))
    return f"rolled back an interrupted change ({message}); {relpath} is as it was"


def _recover_batch(ws: Workspace, git: Git, entry: dict) -> str:
    listing = ws.state_dir / BATCH_FILES
    try:
        files = json.loads(listing.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        files = []  # killed before the list was whole: the journal was not written yet either
    _unlink(listing)
    files = [f for f in files if isinstance(f, dict) and f.get("path")] if isinstance(files, list) else []
    message = entry.get("message") or "a change of many records"
    for f in files:
        if f.get("tmp"):
            _unlink(Path(f["tmp"]))
    head = git.head()
    if head is not None and head != entry.get("head") and _commit_subject(git, head) == message:
        _remove_our_lock(git, "index.lock", entry)
        for f in files:
            if f.get("backup"):
                _unlink(Path(f["backup"]))
        git.run("reset", "-q", "--pathspec-from-file=-", "--pathspec-file-nul", "HEAD", check=False,
                input="".join(f"{f['path']}\0" for f in files))
        return f"finished an interrupted change: {message}"
    _release_git_locks(ws, git, entry)
    for f in files:
        _roll_back_file(ws.root / f["path"], Path(f["backup"]) if f.get("backup") else None, f.get("new"),
                        bool(f.get("created")))
    return f"rolled back an interrupted change ({message}); its {len(files)} files are as they were"


def _release_git_locks(ws: Workspace, git: Git, entry: dict) -> None:
    for name in ("HEAD.lock", f"{_branch_ref(git)}.lock"):
        _remove_our_lock(git, name, entry)
    if entry.get("step") == "commit":
        _unlink(ws.state_dir / f"{SCRATCH_INDEX}.lock")


def _roll_back_file(path: Path, backup: Path | None, new: str | None, created: bool) -> None:
    """One file of an interrupted swap back as it was, unless the user has saved it since."""
    current = _digest(path)
    if backup is not None and backup.exists():
        if current == new or current is None:  # ours (or, mid-swap, no file at all): the old file comes back
            os.replace(backup, path)
        else:
            _unlink(backup)  # the user saved it since: theirs stays
    elif new is not None and current == new and created:
        _unlink(path)


def _commit_subject(git: Git, commit: str) -> str:
    return git.run("log", "-1", "--format=%s", commit, check=False).stdout.strip()


def _branch_ref(git: Git) -> str:
    try:
        head = (git.git_dir() / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return "HEAD"
    return head[5:] if head.startswith("ref: ") else "HEAD"


def _remove_our_lock(git: Git, name: str, entry: dict) -> None:
    """A git lock file our interrupted git process left: it died with us (we hold the write lock)."""
    base = git.git_dir() if name in ("index.lock", "HEAD.lock") else git.common_dir()
    lock = base / name
    if lock.exists() and entry.get("step") in ("commit", "index"):
        _unlink(lock)
