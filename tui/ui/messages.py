"""Typed messages that workers send back to the app (loading, live changes, commits)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from textual.message import Message

from tui.core.catalog import Summary
from tui.core.changes import Change
from tui.core.errors import CrmError
from tui.core.store import Catalog


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
