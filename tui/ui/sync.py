"""Sync (`s`): `crm sync` in a worker, never blocking a key, and its state on a status line.

The state (ahead / behind as last fetched, hand edits not yet committed, last sync, last error) comes
from tui.core.sync.sync_state, read in a worker too: it runs `git status`. The app mixes in `Syncing`;
each main screen shows a `SyncStatus`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.widgets import Static

from tui.core.display import printable
from tui.core.errors import CrmError
from tui.core.sync import SyncError, SyncState, sync, sync_state
from tui.ui.messages import SyncDone, SyncFailed, SyncProgress, SyncStateRead

if TYPE_CHECKING:
    from tui.ui.app import CrmApp

SYNC_TOOLTIP = ("Sync with the team: commit hand edits, fetch, rebase, validate, push (in the background; "
                "never asks for a password)")
SYNC_BINDING = Binding("s", "app.sync", "Sync", tooltip=SYNC_TOOLTIP)
SYNC_KEY = Binding("s", "app.sync", "Sync", show=False, tooltip=SYNC_TOOLTIP)  # where the footer has no room
SYNC_HELP = ("↑ commits to send, ↓ commits to bring in (as of the last fetch), hand edits not yet committed, "
             "the time of the last sync, or `sync error` (the notification, the tooltip and the other screens "
             "say why; s tries again).")
ERROR_WORDS = "sync error"  # the start of a failed sync's line; alone on the list's status line
SHOWN_OTHERS = 5  # records named in the "changed by others" notification


def _when(iso: str | None, today: dt.date) -> str:
    if not iso:
        return "never synced"
    try:
        at = dt.datetime.fromisoformat(iso)
    except ValueError:
        return "synced"
    return f"synced {at:%H:%M}" if at.date() == today else f"synced {at:%Y-%m-%d}"


def state_text(state: SyncState | None, today: dt.date, step: str = "", error: str = "") -> str:
    """The status-line words for a sync state; `step` while a sync runs, `error` from this session."""
    if step:
        return f"syncing: {step}…"
    error = error or (state.last_error if state else "") or ""
    if error:
        return f"{ERROR_WORDS}: {error}"
    if state is None:
        return ""
    if state.branch is None:
        return "detached HEAD: no sync"
    parts = []
    if state.upstream is None:
        parts.append("no upstream")
    else:
        parts.append(f"↑{state.ahead} ↓{state.behind}")
    if state.pending:
        parts.append(f"{state.pending} hand edit{'s' * (state.pending != 1)}")
    if state.upstream is not None:
        parts.append(_when(state.last_sync, today))
    return " · ".join(parts)


class SyncStatus(Static):
    """The sync state on one line. With `always` False it shows only while a sync runs or failed."""

    DEFAULT_CSS = """
    SyncStatus { height: 1; width: auto; max-width: 60%; padding: 0 1; background: $panel; color: $text-muted; }
    SyncStatus.-busy { color: $text; }
    SyncStatus.-error { color: $text-error; text-style: bold; }
    SyncStatus.-line { width: 1fr; max-width: 100%; }
    """

    app: "CrmApp"

    def __init__(self, always: bool = True, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)
        self.always = always
        if not always:
            self.add_class("-line")

    def on_mount(self) -> None:
        self.refresh_state()

    def refresh_state(self) -> None:
        app = self.app
        text = app.sync_line()
        failed = not app.sync_step and text.startswith(ERROR_WORDS)
        self.set_class(bool(app.sync_step), "-busy")
        self.set_class(failed, "-error")
        self.display = bool(text) and (self.always or bool(app.sync_step) or failed)
        self.tooltip = printable(text, one_line=True) if failed else None
        if failed and self.always:
            text = ERROR_WORDS  # beside the list's counts and legend: the notification and the tooltip say why
        self.update(Text(printable(text, one_line=True), no_wrap=True, overflow="ellipsis", end=""))


class Syncing:
    """The app's side of sync (mixed into CrmApp): the action, the workers and what they report."""

    sync_step: str = ""  # the running sync's latest step; "" when none runs
    sync_error: str = ""  # why the last sync of this session failed
    sync_state: SyncState | None = None

    def sync_line(self: "CrmApp") -> str:
        return state_text(self.sync_state, self.today(), self.sync_step, self.sync_error)

    def _sync_changed(self: "CrmApp") -> None:
        for screen in self.screen_stack:
            if screen.is_mounted:
                for widget in screen.query(SyncStatus):
                    widget.refresh_state()

    def action_sync(self: "CrmApp") -> None:
        if self.sync_step:
            self.notify(f"A sync is already running ({self.sync_step})", markup=False)
            return
        self.sync_step = "starting"
        self._sync_changed()
        self.run_sync()

    @work(thread=True, exclusive=True, group="sync")
    def run_sync(self: "CrmApp") -> None:
        """Commit hand edits, fetch, rebase, validate, push; report with SyncDone or SyncFailed."""
        # Holding the git lock: a grade or a touch made meanwhile lands after the sync, never inside its rebase.
        with self._git_lock:
            try:
                result = sync(self.ws, progress=lambda step: self.post_message(SyncProgress(step)))
            except Exception as exc:  # shown to the user; a sync failure must never end the app
                self.post_message(SyncFailed(exc))
                return
        self.post_message(SyncDone(result))

    def on_sync_progress(self: "CrmApp", message: SyncProgress) -> None:
        if self.sync_step:
            self.sync_step = message.step
            self._sync_changed()

    def on_sync_done(self: "CrmApp", message: SyncDone) -> None:
        result = message.result
        self.sync_step = ""
        self.sync_error = ""
        self.notify(result.summary(), title="Synced", timeout=10, markup=False)
        others = result.changed_by_others
        if others:
            names = [self.customer_name(rid) for rid in others[:SHOWN_OTHERS]]
            more = f" and {len(others) - SHOWN_OTHERS} more" if len(others) > SHOWN_OTHERS else ""
            self.notify(", ".join(names) + more, title=f"Changed by others ({len(others)})", timeout=10,
                        markup=False)
        if result.conflicts:
            count = len(result.conflicts)
            self.notify(f"{count} record{'s' * (count != 1)} with conflicting values: p lists them, r chooses which "
                        "value wins", title="Conflicts to settle", severity="warning", timeout=20)
        if result.pulled or others or result.deleted:
            self.action_reload()
        self.read_sync_state()

    def on_sync_failed(self: "CrmApp", message: SyncFailed) -> None:
        error = message.error
        self.sync_step = ""
        text = str(error) if isinstance(error, CrmError) else f"{type(error).__name__}: {error}"
        self.sync_error = text.splitlines()[0] if text else type(error).__name__
        if isinstance(error, SyncError) and error.problems:
            text += "\n" + "\n".join(str(p) for p in error.problems[:10])
        title = "Sync failed; nothing changed" if isinstance(error, SyncError) else "Sync failed"
        self.notify(text, title=title, severity="error", timeout=30, markup=False)
        self._sync_changed()
        self.read_sync_state()

    @work(thread=True, exclusive=True, group="sync-state")
    def read_sync_state(self: "CrmApp") -> None:
        """Ahead / behind, pending edits and the last sync: git only, no network."""
        if self.sync_step:
            return  # the sync reports when it ends, and reads the state again then
        with self._git_lock:  # `git status` may take the index lock a commit needs
            try:
                state = sync_state(self.ws)
            except CrmError:
                state = None  # not a git repository any more, say: nothing to show
        self.post_message(SyncStateRead(state))

    def on_sync_state_read(self: "CrmApp", message: SyncStateRead) -> None:
        self.sync_state = message.state
        self._sync_changed()

