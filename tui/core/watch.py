"""Noticing records that changed on disk (an editor, a `git pull`) by polling their stat.

Polling needs no dependency and works on every file system (network drives, containers) where change
notifications do not; the caller spaces the polls out by how long a scan takes, so a large workspace
costs a small share of one core.
"""

from __future__ import annotations

import time
from typing import NamedTuple

from tui.core.workspace import Workspace

StatKey = tuple[int, int, int]


class Seen(NamedTuple):
    """Ids whose files appeared or changed, and ids whose files are gone, since the last scan."""

    changed: tuple[str, ...]
    removed: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.changed or self.removed)


class RecordWatcher:
    """Compares records/*.yaml against the previous scan by size, mtime and inode."""

    def __init__(self, ws: Workspace):
        self.ws = ws
        self.scan_seconds = 0.0
        self._stats = self._scan()

    def _scan(self) -> dict[str, StatKey]:
        started = time.perf_counter()
        stats = {}
        try:
            entries = self.ws.record_files()
        except Exception:  # the folder went away (a checkout in progress): report everything as gone
            entries = []
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            stats[entry.name[:-5]] = (st.st_size, st.st_mtime_ns, st.st_ino)
        self.scan_seconds = time.perf_counter() - started
        return stats

    def poll(self) -> Seen:
        """What changed since the previous poll (or since the watcher was made)."""
        old, new = self._stats, self._scan()
        self._stats = new
        changed = tuple(sorted(rid for rid, key in new.items() if old.get(rid) != key))
        removed = tuple(sorted(rid for rid in old if rid not in new))
        return Seen(changed, removed)
