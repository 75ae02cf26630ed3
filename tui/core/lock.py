"""The workspace's write lock: one writer at a time across processes (CLI, UI, cron, sync).

`fcntl.flock` on `.git/crm/write.lock`: the operating system releases it when its holder dies, so it can
never go stale the way a lock that is only "a file exists" can. Re-entrant within one process (a
resolve that deletes takes it twice) and exclusive between threads (the UI writes from workers).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

from tui.core.errors import CrmError

LOCK_NAME = "write.lock"
DEFAULT_WAIT = 10.0  # seconds a writer waits for another to finish


class Busy(CrmError):
    """Another crm process holds the write lock for longer than we wait."""


_held: dict[str, tuple[int, int]] = {}  # lock path -> (fd, depth), for the holding process
_guard = threading.RLock()


def wait_seconds() -> float:
    given = os.environ.get("CRM_LOCK_WAIT")
    try:
        value = float(given) if given else DEFAULT_WAIT
    except ValueError:
        return DEFAULT_WAIT
    return value if 0 <= value < 86400 else DEFAULT_WAIT


class WriteLock:
    """`with WriteLock(state_dir, "crm set"):` holds the lock; Busy after `wait` seconds."""

    def __init__(self, state_dir: Path, what: str, wait: float | None = None):
        self.path = Path(state_dir) / LOCK_NAME
        self.what = what
        self.wait = wait_seconds() if wait is None else wait

    def __enter__(self) -> WriteLock:
        if not _guard.acquire(timeout=self.wait):
            raise Busy(f"another change in this program is still being written after {self.wait:.0f} s; nothing was changed, try again")
        key = str(self.path)
        try:
            if key in _held:
                fd, depth = _held[key]
                _held[key] = (fd, depth + 1)
                return self
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            deadline = time.monotonic() + self.wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        holder = _read_holder(fd)
                        os.close(fd)
                        raise Busy(f"another crm is writing in this workspace ({holder or 'unknown process'}) for more than "
                                   f"{self.wait:.0f} s; nothing was changed. Try again when it has finished") from None
                    time.sleep(0.01)
            try:
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{self.what} (pid {os.getpid()})".encode(), 0)
            except OSError:
                pass  # the holder's description is only for messages
            _held[key] = (fd, 1)
            return self
        except BaseException:
            _guard.release()
            raise

    def __exit__(self, *exc) -> None:
        key = str(self.path)
        try:
            fd, depth = _held[key]
            if depth > 1:
                _held[key] = (fd, depth - 1)
            else:
                del _held[key]
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
        finally:
            _guard.release()


def _read_holder(fd: int) -> str:
    try:
        return os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        return ""
