"""Typed messages that workers send back to the app (loading, live changes, commits, history, sync)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from textual.message import Message

from tui.core.catalog import Summary
from tui.core.changes import Change
from tui.core.errors import CrmError
from tui.core.history import HistoryEntry
from tui.core.store import Catalog
from tui.core.sync import SyncResult, SyncState


class LoadProgress(Message):
    """A cold load parsed `done` of `total` changed records."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


class CatalogLoaded(Message):
    """Every record's summary is ready; `me` is the user's git email ("" when git does not know).

    `confirmed` is False for the last saved catalog, painted before every file has been checked."""

    def __init__(self, catalog: Catalog, me: str, confirmed: bool = True) -> None:
        super().__init__()
        self.catalog = catalog
        self.me = me
        self.confirmed = confirmed


class LoadFailed(Message):
    def __init__(self, error: CrmError) -> None:
        super().__init__()
        self.error = error


class RecordsChanged(Message):
    """Records changed on disk (an editor, a git pull, or our own commit): their new summaries."""

    def __init__(self, summaries: list[Summary], removed: list[str]) -> None:
        super().__init__()
        self.summaries = summaries
        self.removed = removed


@dataclass
class Write:
    """One change the user asked for, as a commit to make.

    `run(expected_digest)` makes it through tui.core.changes; `on_stale` decides what to do when the
    file changed on disk since the user saw it; `after` runs once it has landed."""

    rid: str
    run: Callable[[str | None], Change]
    digest: str | None
    on_stale: Callable[[Exception], None] | None = None
    after: Callable[[Change], None] | None = None
    on_invalid: Callable[[Exception], None] | None = None
    extra: dict = field(default_factory=dict)


class Committed(Message):
    def __init__(self, write: Write, change: Change, summary: Summary | None) -> None:
        super().__init__()
        self.write = write
        self.change = change
        self.summary = summary


class WriteFailed(Message):
    def __init__(self, write: Write, error: Exception) -> None:
        super().__init__()
        self.write = write
        self.error = error


# ------------------------------------------------------------------ history (the history screen's workers)


class HistoryProgress(Message):
    """The history index read `done` of `total` new commits (its first build can take seconds)."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


def history_progress(post: Callable[[Message], object], worker, every: float = 0.1) -> Callable[[int, int], None]:
    """A progress callback for the history index that posts HistoryProgress at most every `every` seconds
    (and at the end), and nothing once `worker` is cancelled."""
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if not worker.is_cancelled and (done >= total or now - last[0] > every):
            last[0] = now
            post(HistoryProgress(done, total))

    return progress


class HistoryLoaded(Message):
    """A record's timeline, newest first."""

    def __init__(self, rid: str, entries: list[HistoryEntry]) -> None:
        super().__init__()
        self.rid = rid
        self.entries = entries


class HistoryFailed(Message):
    def __init__(self, rid: str, error: Exception) -> None:
        super().__init__()
        self.rid = rid
        self.error = error


class VersionRead(Message):
    """The text of a record at one entry (None: the record did not exist there)."""

    def __init__(self, entry: HistoryEntry, text: str | None) -> None:
        super().__init__()
        self.entry = entry
        self.text = text


class UndoFound(Message):
    """The change `u` would revert (`error` set when there is none, or git failed)."""

    def __init__(self, target: HistoryEntry | None, error: Exception | None = None) -> None:
        super().__init__()
        self.target = target
        self.error = error


# ------------------------------------------------------------------ sync (the app's sync worker)


class SyncProgress(Message):
    """A step of a running sync, in the core's words ("fetching origin")."""

    def __init__(self, step: str) -> None:
        super().__init__()
        self.step = step


class SyncDone(Message):
    def __init__(self, result: SyncResult) -> None:
        super().__init__()
        self.result = result


class SyncFailed(Message):
    """A sync that did not happen; the workspace is as it was."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error


class SyncStateRead(Message):
    """Ahead / behind, pending hand edits, last sync and last error, for the status line."""

    def __init__(self, state: SyncState | None) -> None:
        super().__init__()
        self.state = state
