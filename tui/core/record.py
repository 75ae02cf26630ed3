"""One customer file: read safely, parsed, validated, with every problem at its line and column."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.core.errors import Problem
from tui.core.schema import Schema
from tui.core.workspace import link_problem
from tui.core.yamlparse import MAX_BYTES, YamlProblem, parse


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a FIFO named like a record must not hang


def digest_of(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


@dataclass
class Record:
    """A record as read from disk. `digest` identifies the exact bytes read (for stale-write checks)."""

    id: str
    path: Path
    relpath: str
    text: str | None
    digest: str
    data: dict | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems


def read_raw(path: Path, relpath: str) -> tuple[bytes | None, Problem | None]:
    """The file's bytes, or a Problem when it is not a plain file (a symbolic link is never followed) or too
    large to be a record (checked before reading)."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ELOOP or (exc.errno == errno.EMLINK and path.is_symlink()):
            return None, Problem(relpath, 1, 1, link_problem(relpath))
        if isinstance(exc, FileNotFoundError):
            raise
        return None, Problem(relpath, 1, 1, f"cannot be read: {exc.strerror}")
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, Problem(relpath, 1, 1, "is not a plain file; a record is a text file")
        if st.st_size > MAX_BYTES:
            return None, Problem(relpath, 1, 1, f"file is {st.st_size // 1024} KiB, over the {MAX_BYTES // 1024} KiB limit for a record")
        return f.read(MAX_BYTES + 1), None


def decode(raw: bytes, relpath: str) -> tuple[str | None, Problem | None]:
    """The text of a record file, or a Problem at the line and column (in characters) of the first byte
    that is not UTF-8. A leading byte order mark is kept: the reader skips it."""
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", errors="replace").removeprefix("\ufeff")) + 1
        hint = " (it looks like UTF-16)" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        return None, Problem(relpath, line, col, f"byte 0x{raw[exc.start]:02x} is not UTF-8 text{hint}; save the file as UTF-8")


def check_text(schema: Schema, relpath: str, text: str) -> tuple[Any, list[Problem]]:
    """Parse and validate a record's text: (data or None, problems)."""
    soft: list[YamlProblem] = []
    try:
        data, _ = parse(text, problems=soft)
    except YamlProblem as exc:
        return None, [Problem(relpath, exc.line, exc.col, exc.message)]
    found = [Problem(relpath, p.line, p.col, p.message) for p in soft]
    # A value the reader already refused (an impossible date kept as text) is not reported twice.
    taken = {(p.line, p.col) for p in found}
    found += [p for p in schema.validate(data, relpath, text=text) if (p.line, p.col) not in taken]
    return data, sorted(found)


def read_record(schema: Schema, rid: str, path: Path, relpath: str) -> Record:
    raw, problem = read_raw(path, relpath)
    if raw is None:
        return Record(rid, path, relpath, None, "", None, [problem])
    digest = digest_of(raw)
    text, problem = decode(raw, relpath)
    if text is None:
        return Record(rid, path, relpath, None, digest, None, [problem])
    data, problems = check_text(schema, relpath, text)
    return Record(rid, path, relpath, text, digest, data if isinstance(data, dict) else None, problems)
