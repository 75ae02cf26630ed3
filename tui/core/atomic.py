"""Replacing a user's file atomically, and never over a change made on disk meanwhile."""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path

from tui.core.errors import CrmError, StaleWrite
from tui.core.record import digest_of


def replace_file(path: Path, text: str, expected_digest: str | None, relpath: str) -> str:
    """Write `text` to `path` through a temporary file and a rename; returns the new digest.

    `expected_digest` is the digest of the bytes the change was based on (None: the file must not
    exist yet). If the file on disk is not those bytes any more, nothing is written and StaleWrite
    carries the user's text so it can be offered again."""
    try:
        current = path.read_bytes()
    except FileNotFoundError:
        current = None
    if (current is None) != (expected_digest is None) or (current is not None and digest_of(current) != expected_digest):
        raise StaleWrite(relpath, text)
    data = text.encode("utf-8")
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if current is not None:
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        hint = "the disk is full; free some space and try again" if exc.errno == errno.ENOSPC else "check the folder's permissions and free space"
        raise CrmError(f"could not write {relpath}: {exc.strerror}; the file was left as it was ({hint})") from None
    return digest_of(data)
