"""The crm terminal UI: loads the catalog in a worker, watches records on disk, and carries out each
action as one commit through tui.core.changes (in a worker, with stale writes caught and asked about).
Sync runs in a worker too (tui.ui.sync); history and conflicts have their own screen and dialogs.

`run_app(ws, today)` is what `crm` and `crm demo` call.
"""

from __future__ import annotations

import datetime as dt
import gc
import subprocess
import threading
import time
from concurrent.futures import Future
from dataclasses import replace
from typing import Callable

from textual import work
from textual.app import App, SuspendNotSupported
from textual.binding import Binding
from textual.worker import get_current_worker

from tui.core.catalog import Summary
from tui.core.display import printable
from tui.core.editor import editor_command, open_at
from tui.core.changes import Change, Changes, short
from tui.core.duplicates import summaries_matcher
from tui.core.errors import CrmError, InvalidRecord, StaleWrite
from tui.core.gitrepo import Git
from tui.core.order import declared_orders
from tui.core.pool import PoolRules, claim, created_days, owned_by, pool_rules, release
from tui.core.reminders import Window, wanted_created
from tui.core.newcustomer import new_defaults
from tui.core.record import Record, check_text, read_raw
from tui.core.store import load_cached, load_catalog, summarize_bytes
from tui.core.watch import RecordWatcher
from tui.core.workspace import Workspace
from tui.ui import fields as F
from tui.ui.browse import BrowseScreen
from tui.ui.commands import ScreenCommands
from tui.ui.conflicts import settle
from tui.ui.customer import CustomerScreen
from tui.ui.deleted import DeletedScreen
from tui.ui.due import DueScreen
from tui.ui.duplicates import DuplicatesScreen, ask_duplicate
from tui.ui.forms import FormResult, LogForm, RecordForm, Touch
from tui.ui.help import HelpScreen
from tui.ui.history import HistoryScreen
from tui.ui.listing import Listing
from tui.ui.messages import (
    CatalogLoaded, Committed, HistoryLoaded, HistoryProgress, LoadFailed, LoadProgress, RecordsChanged, Write, WriteFailed,
    history_progress,
)
from tui.ui.problems import ProblemsScreen
from tui.ui.prompts import ChoiceScreen, GradePrompt, NotePrompt
from tui.ui.sync import Syncing
from tui.ui.theme import READABLE_CSS, use_readable_theme

Clock = Callable[[], dt.date]
RELOAD_FROM = 300  # this many changed files at once (a pull, a checkout): reload the catalog instead


class CrmApp(Syncing, App[int]):
    """Customers of one workspace: browse, search, grade, log touches, edit, follow up."""

    TITLE = "crm"
    CSS = READABLE_CSS
    COMMANDS = {ScreenCommands}  # crm's actions first; Textual's generic commands mostly left out
    BINDINGS = [
        Binding("q", "quit", "Quit", tooltip="Quit crm"),
        Binding("question_mark", "help", "Help", key_display="?", tooltip="Every key of this screen"),
        Binding("ctrl+r", "reload", "Reload", show=False, tooltip="Read every record again"),
        # `a` (analysis): R is release on the customer screens (the pool's key), so reports take the next free letter.
        Binding("a", "reports", "Reports", show=False,
                tooltip="Reports: summary, by dimension, funnel, activity, orders, changes; as of any day"),
    ]

    def __init__(self, ws: Workspace, today: Clock = dt.date.today, *, watch_interval: float | None = 0.5) -> None:
        super().__init__()
        self.ws = ws
        self.today = today
        self.changes = Changes(ws, today)
        self.listing = Listing(today=today())
        self.me = ""
        try:
            self.pool: PoolRules = pool_rules(ws.schema)
            self.pool_problem = ""
        except CrmError as exc:  # shown once the screen is up; the defaults hold meanwhile
            self.pool, self.pool_problem = PoolRules(), str(exc)
        self.created: dict[str, str] = {}  # rid -> day created, for the reminders nothing else dates
        self._claimed: int | None = None  # customers I own; None: count again
        self.loaded = False  # rows are shown (maybe from the last saved catalog)
        self.confirmed = False  # every file has been checked against the cache
        self.loading_note = "Reading customers…"
        self.watch_interval = watch_interval
        self._git_lock = threading.Lock()
        self.history_lock = threading.Lock()  # the history index is one object per workspace, not thread-safe
        self._watcher: RecordWatcher | None = None
        self._painted = threading.Event()
        self._early_changes: list[RecordsChanged] = []  # seen before the catalog was confirmed
        # The catalog starts loading now, while Textual starts up, so the first screen comes sooner.
        # The last saved catalog paints the first screen; the full load then confirms it file by file.
        self._preload: Future | None = Future()
        self._first_paint: Future | None = Future()
        threading.Thread(target=self._read_catalog, args=(self._preload, self._first_paint), daemon=True,
                         name="crm-preload").start()

    def _read_catalog(self, future: Future, first_paint: Future | None = None) -> None:
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if self.is_running and (done >= total or now - last[0] > 0.1):
                last[0] = now
                self.post_message(LoadProgress(done, total))

        # Unpickling the cache makes many small objects; the collector would rescan them again and again.
        gc.disable()
        try:
            if first_paint is not None:
                try:
                    cached = load_cached(self.ws)
                except Exception:  # an unreadable cache only means no early paint
                    cached = None
                first_paint.set_result(cached)
                if cached is not None and len(cached):
                    # Checking every file competes with drawing for the interpreter: let the rows show first.
                    self._painted.wait(timeout=3)
            # The watcher's first scan comes before the load, so no change can fall between the two.
            self._watcher = RecordWatcher(self.ws) if self.watch_interval else None
            future.set_result(load_catalog(self.ws, progress=progress))
        except BaseException as exc:  # handed to the load worker, which shows it
            future.set_exception(exc)
        finally:
            gc.enable()

    def get_default_screen(self) -> BrowseScreen:
        return BrowseScreen()

    def on_mount(self) -> None:
        use_readable_theme(self)
        self.load()
        self.set_interval(60, self._check_date)
        if self.pool_problem:
            self.notify(self.pool_problem, severity="error", timeout=30)

    def window(self) -> Window:
        """The reminders' window for today (the due queue and the row markers)."""
        return Window(self.listing.today, self.ws.rules, self.pool, self.ws.rules.due_days, self.created)

    def claim_count(self) -> str:
        """"claimed 12/50" for the status line ("" when git does not know who you are). Counted when records
        change, not on every keystroke of a search."""
        if not self.me:
            return ""
        if self._claimed is None:
            self._claimed = owned_by(self.listing.summaries(), self.me)
        return f"claimed {self._claimed}/{self.pool.claim_limit}"

    @work(thread=True, exclusive=True, group="created")
    def read_created(self) -> None:
        """When the records nothing else dates were created (from the history index), for their reminders:
        a customer never touched is due from the day it was created, so a new lead is not forgotten. The first
        build of the index in a clone reads the whole history (seconds at 20,000 commits): in this worker,
        its progress on the status line; the reminders that need it appear when it is done."""
        wanted = wanted_created(self.listing.summaries(), self.pool)
        if not wanted:
            return
        with self.history_lock:
            created = created_days(self.ws, wanted, history_progress(self.post_message, get_current_worker()))
        self.call_from_thread(self._got_created, created)

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        if not self.created:
            self.read_created()  # the history screen built the index

    def _got_created(self, created: dict[str, str]) -> None:
        self.created = {**self.created, **created}
        self._records_changed(None)

    # ------------------------------------------------------------ loading and watching

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        """Read the catalog (warm from the cache, or parsed in parallel with progress)."""
        future, self._preload = self._preload, None
        first_paint, self._first_paint = self._first_paint, None
        try:
            me = Git(self.ws.root).identity()[1]
        except CrmError:
            me = ""
        if future is None:
            future = Future()
            self._read_catalog(future)
        if first_paint is not None:
            cached = first_paint.result()
            if cached is not None and len(cached):
                self.post_message(CatalogLoaded(cached, me, confirmed=False))
        try:
            catalog = future.result()
        except CrmError as exc:
            self.post_message(LoadFailed(exc))
            return
        self.post_message(CatalogLoaded(catalog, me))

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None,
               markup: bool = False) -> None:
        """Every notification of the app: never read as markup unless a caller asks, control characters escaped.

        Notifications quote record text (a change's message, an error naming a value), and a note such as
        `[/] x` read as markup would stop the app."""
        super().notify(printable(message), title=printable(title, one_line=True), severity=severity,
                       timeout=timeout, markup=markup)

    def on_load_progress(self, message: LoadProgress) -> None:
        if message.total:
            self.loading_note = f"Reading {message.done:,} of {message.total:,} changed records…"
            self._status()

    def on_history_progress(self, message: HistoryProgress) -> None:
        """The history index being built (for the reminders' creation days): on the status line like a load."""
        note = f"Reading history: {message.done:,} of {message.total:,} commits…"
        if message.done < message.total:
            self.loading_note = note
        elif self.loading_note.startswith("Reading history:"):
            self.loading_note = ""
        self._status()

    def on_load_failed(self, message: LoadFailed) -> None:
        self.loading_note = "Could not read the workspace"
        self._status()
        self.notify(str(message.error), severity="error", timeout=30)

    def on_catalog_loaded(self, message: CatalogLoaded) -> None:
        self.me = message.me
        self.listing.set_orders(declared_orders(self.ws.schema))
        self.listing.replace_all(message.catalog.summaries.values())
        self.loaded = True
        if not message.confirmed:
            self.loading_note = "Checking for changed files…"
            self._records_changed(None)
            self.call_after_refresh(self._painted.set)
            return
        self.loading_note = ""
        self.confirmed = True
        for early in self._early_changes:
            self._apply_changes(early)
        self._early_changes.clear()
        self._records_changed(None)
        self.read_sync_state()
        self.read_created()
        invalid = len(message.catalog.invalid())
        if invalid:
            self.notify(f"{invalid} record{'s' * (invalid != 1)} with problems: press p to see them", severity="warning")
        if self.watch_interval:
            self.watch_records()

    @work(thread=True, exclusive=True, group="watch")
    def watch_records(self) -> None:
        """Poll records/ for files changed by an editor or git; report their new summaries."""
        worker = get_current_worker()
        watcher, self._watcher = self._watcher, None
        watcher = watcher or RecordWatcher(self.ws)
        stop = threading.Event()
        while not worker.is_cancelled:
            stop.wait(max(self.watch_interval or 0.5, 4 * watcher.scan_seconds))
            if worker.is_cancelled:
                return
            seen = watcher.poll()
            if not seen:
                continue
            if len(seen.changed) + len(seen.removed) >= RELOAD_FROM:
                try:
                    self.post_message(CatalogLoaded(load_catalog(self.ws), self.me))
                except CrmError as exc:
                    self.post_message(LoadFailed(exc))
                continue
            summaries, removed = [], list(seen.removed)
            for rid in seen.changed:
                summary = self._summarize(rid)
                if summary is None:
                    removed.append(rid)
                else:
                    summaries.append(summary)
            self.post_message(RecordsChanged(summaries, removed))

    def _summarize(self, rid: str) -> Summary | None:
        """A record's summary read fresh from disk (None when the file is gone)."""
        path = self.ws.record_path(rid)
        relpath = f"records/{rid}.yaml"
        try:
            raw, problem = read_raw(path, relpath)
        except FileNotFoundError:
            return None
        return summarize_bytes(self.ws.schema, rid, relpath, raw, problem)

    def on_records_changed(self, message: RecordsChanged) -> None:
        if not self.confirmed:
            self._early_changes.append(message)
            return
        self._apply_changes(message)
        self._records_changed({s.id for s in message.summaries} | set(message.removed))
        self.read_sync_state()  # a hand edit is pending until committed

    def _apply_changes(self, message: RecordsChanged) -> None:
        for summary in message.summaries:
            self.listing.update(summary)
        for rid in message.removed:
            self.listing.remove(rid)

    def _records_changed(self, ids: set[str] | None) -> None:
        """Tell every screen that shows customers; `ids` None means everything may have changed."""
        self._claimed = None
        for screen in self.screen_stack:
            handler = getattr(screen, "records_changed", None)
            if handler is not None and screen.is_mounted:
                handler(ids)

    def _status(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, BrowseScreen) and screen.is_mounted:
                screen.update_status()

    def _check_date(self) -> None:
        today = self.today()
        if today != self.listing.today:
            self.listing.set_today(today)
            for screen in self.screen_stack:
                for table in screen.query("CustomerTable"):
                    table.set_today(today)
            self._records_changed(None)

    def action_reload(self) -> None:
        self.confirmed = False
        self.loading_note = "Reading customers…"
        self._status()
        self.load()

    # ------------------------------------------------------------ writing: one commit per action

    @work(thread=True, group="git")
    def submit(self, write: Write) -> None:
        """Make one change as one commit; report back with Committed or WriteFailed."""
        with self._git_lock:
            try:
                change = write.run(write.digest)
            except Exception as exc:  # every failure is shown to the user; none may end the app
                self.post_message(WriteFailed(write, exc))
                return
            summary = self._summarize(change.id)
        self.post_message(Committed(write, change, summary))

    def on_committed(self, message: Committed) -> None:
        change = message.change
        if message.summary is None:
            self.listing.remove(change.id)
        else:
            self.listing.update(message.summary)
        self._records_changed({change.id})
        self.notify(change.message, title="Committed" if change.commit else "Done")
        self.read_sync_state()
        if message.write.after is not None:
            message.write.after(change)

    def on_write_failed(self, message: WriteFailed) -> None:
        write, error = message.write, message.error
        if isinstance(error, StaleWrite):
            (write.on_stale or self._offer_reapply(write))(error)
        elif isinstance(error, InvalidRecord) and write.on_invalid is not None:
            write.on_invalid(error)
        elif isinstance(error, CrmError):
            self.notify(str(error), title="Nothing was written", severity="error", timeout=12)
        else:
            self.notify(f"{type(error).__name__}: {error}", title="Nothing was written", severity="error", timeout=12)

    def _offer_reapply(self, write: Write) -> Callable[[Exception], None]:
        """For a change that is a few lines (grade, touch, form): apply it to the new file, or drop it."""

        def ask(error: Exception) -> None:
            def answer(key: str | None) -> None:
                if key == "a":
                    record = self._read(write.rid)
                    if record is not None:
                        self.submit(replace(write, digest=record.digest))
                else:
                    self.notify("Your change was dropped; the file on disk is unchanged")

            self.push_screen(ChoiceScreen(
                f"records/{write.rid}.yaml changed on disk",
                "Someone (an editor, a git pull) changed this customer since you opened it. Nothing was "
                "overwritten. Apply your change to the new version of the file, or drop it?",
                [("a", "Apply mine to the new version"), ("d", "Drop mine")],
            ), answer)

        return ask

    # ------------------------------------------------------------ the customer the user means

    def _target(self) -> str | None:
        current = getattr(self.screen, "current_id", None)
        rid = current() if current else None
        if not rid:
            self.notify("No customer selected", severity="warning")
        return rid

    def _read(self, rid: str) -> Record | None:
        try:
            return self.changes.read(rid)
        except CrmError as exc:
            self.notify(str(exc), severity="error")
            return None

    def _editable(self) -> Record | None:
        rid = self._target()
        record = self._read(rid) if rid else None
        if record is not None and record.data is None:
            self.notify(f"{record.relpath} has problems; fix them in $EDITOR first (ctrl+e)", severity="error")
            return None
        return record

    def customer_name(self, rid: str) -> str:
        summary = self.listing.get(rid)
        return summary.name if summary is not None and summary.name else rid

    def open_customer(self, rid: str) -> None:
        self.push_screen(CustomerScreen(rid))

    # ------------------------------------------------------------ actions

    def action_grade(self) -> None:
        record = self._editable()
        if record is not None:
            self.ask_grade(record)

    def ask_grade(self, record: Record, title: str = "Grade") -> None:
        rid = record.id
        current = str((record.data or {}).get("grade") or "")

        def chosen(grade: str | None) -> None:
            if not grade:
                return
            if grade == current:
                self.notify(f"{rid} is already grade {grade}")
                return
            self.submit(Write(rid, lambda digest: self.changes.grade(rid, grade, expected_digest=digest), record.digest))

        name = str((record.data or {}).get("name") or rid)
        self.push_screen(GradePrompt(name, current, self.ws.rules.grades, title), chosen)

    def action_log_touch(self) -> None:
        record = self._editable()
        if record is None:
            return
        rid = record.id

        def regrade(change: Change) -> None:
            fresh = self._read(rid)
            if fresh is not None and fresh.data is not None:
                self.ask_grade(fresh, title="Re-grade after this touch? (escape keeps it)")

        def logged(touch: Touch | None) -> None:
            if touch is None:
                return
            def send(past_due: bool = False) -> None:
                run = lambda digest: self.changes.log(  # noqa: E731
                    rid, touch.via, touch.note, touch.next_action, touch.due, expected_digest=digest, past_due=past_due)
                self.submit(Write(rid, run, record.digest, after=regrade))

            if touch.due is None or touch.due >= self.today():
                send()
                return
            self.push_screen(ChoiceScreen(
                f"Due {touch.due.isoformat()}: before today",
                f"The next action would be overdue from the start ({(self.today() - touch.due).days} days late). "
                "Log it with this date anyway?",
                [("y", "Log it as it is"), ("n", "Do not log it")],
            ), lambda key: send(past_due=True) if key == "y" else self.notify("Nothing was logged"))

        name = str(record.data.get("name") or rid)
        self.push_screen(LogForm(name, self.ws.rules.touch_kinds, self.today()), logged)

    def action_edit(self) -> None:
        record = self._editable()
        if record is None:
            return
        rid = record.id
        schema = self.ws.schema

        def saved(result: FormResult | None) -> None:
            if result is None:
                return
            changed = result.values
            message = "edit " + ", ".join(changed)
            if len(changed) == 1:
                (field, value), = changed.items()
                message = f"{field} {short(record.data.get(field))} -> {short(value)}"

            def run(digest: str | None) -> Change:
                # Re-applied to the file as it is now, so a retry after a stale write keeps others' edits.
                fresh = self.changes.read(rid)
                if digest is not None and fresh.digest != digest:
                    raise StaleWrite(fresh.relpath, result.text or "")
                text = F.apply_changes(schema, fresh.text or "", changed)
                return self.changes.replace_text(rid, text, fresh.digest, message=message)

            def invalid(error: Exception) -> None:
                self.notify(str(error), title="Nothing was written", severity="error", timeout=12)

            self.submit(Write(rid, run, record.digest, on_invalid=invalid))

        self.push_screen(RecordForm(schema, record), saved)

    def action_new(self) -> None:
        def saved(result: FormResult | None) -> None:
            if result is None:
                return

            def show(change: Change) -> None:
                screen = self.screen
                if isinstance(screen, BrowseScreen):
                    if not screen.table.select_id(change.id):
                        screen.set_query("")
                        screen.apply_query("")
                        screen.table.select_id(change.id)

            def create() -> None:
                self.submit(Write("", lambda digest: self.changes.create(result.values), None, after=show))

            self.check_duplicate(list(self.listing.summaries()), result.values, create)

        try:
            defaults = new_defaults(self.ws.schema, self.me)
        except CrmError as exc:
            self.notify(str(exc), severity="error")
            return
        self.push_screen(RecordForm(self.ws.schema, None, defaults), saved)

    @work(thread=True, exclusive=True, group="duplicate-check")
    def check_duplicate(self, summaries: list[Summary], values: dict, create: Callable[[], None]) -> None:
        """Before a new customer is saved: warn (and ask) when it looks like one the workspace has."""
        matches = summaries_matcher(summaries, self.ws.rules).candidates(values)
        names = {s.id: s.name for s in summaries}
        self.call_from_thread(ask_duplicate, self, values, matches, names, create)

    def action_delete(self) -> None:
        rid = self._target()
        record = self._read(rid) if rid else None
        if record is None:
            return
        name = str((record.data or {}).get("name") or rid)

        def answer(key: str | None) -> None:
            if key != "y":
                return

            def gone(change: Change) -> None:
                if isinstance(self.screen, CustomerScreen) and self.screen.rid == rid:
                    self.pop_screen()

            self.submit(Write(rid, lambda digest: self.changes.delete(rid, expected_digest=digest), record.digest, after=gone))

        self.push_screen(ChoiceScreen(
            f"Delete {name}?",
            f"{record.relpath} is removed in one commit; D lists deleted customers and r there brings it back.",
            [("y", "Delete"), ("n", "Keep")],
        ), answer)

    def action_history(self) -> None:
        rid = self._target()
        if rid and not (isinstance(self.screen, HistoryScreen) and self.screen.rid == rid):
            self.push_screen(HistoryScreen(rid))

    def action_resolve(self) -> None:
        rid = self._target()
        record = self._read(rid) if rid else None
        if record is None:
            return
        if record.data is None:
            self.notify(f"{record.relpath} does not parse, so its conflicts cannot be read; fix it in $EDITOR (ctrl+e)",
                        severity="error")
            return
        settle(self, record)

    def action_claim(self) -> None:
        rid = self._target()
        record = self._read(rid) if rid else None
        if record is None:
            return
        summaries = self.listing.summaries()
        self.submit(Write(rid, lambda digest: claim(self.changes, rid, summaries), record.digest,
                          after=lambda change: self._status()))

    def action_release(self) -> None:
        record = self._editable()
        if record is None:
            return
        rid = record.id
        if not record.data.get("owner"):
            self.notify(f"{self.customer_name(rid)} is in the pool already")
            return

        def noted(note: str | None) -> None:
            if note is not None:
                self.submit(Write(rid, lambda digest: release(self.changes, rid, note, expected_digest=digest),
                                  record.digest, after=lambda change: self._status()))

        self.push_screen(NotePrompt(f"Release {self.customer_name(rid)} to the pool",
                                    "Why? (logged as a touch; enter gives it back, escape keeps it)"), noted)

    def action_due(self) -> None:
        if not isinstance(self.screen, DueScreen):
            self.push_screen(DueScreen())

    def action_duplicates(self) -> None:
        if not isinstance(self.screen, DuplicatesScreen):
            self.push_screen(DuplicatesScreen())

    def action_import_file(self) -> None:
        from tui.ui.transfer import ImportScreen

        if not isinstance(self.screen, ImportScreen):
            self.push_screen(ImportScreen())

    def action_deleted(self) -> None:
        if not isinstance(self.screen, DeletedScreen):
            self.push_screen(DeletedScreen())

    def action_reports(self) -> None:
        from tui.ui.reports import ReportScreen

        if not isinstance(self.screen, ReportScreen):
            self.push_screen(ReportScreen())

    def action_problems(self) -> None:
        if not isinstance(self.screen, ProblemsScreen):
            self.push_screen(ProblemsScreen())

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_quit(self) -> None:
        self.exit(0)

    # ------------------------------------------------------------ $EDITOR

    def action_open_editor(self, at: tuple[int, int] | None = None) -> None:
        """$EDITOR on the customer's file, at (line, column) when given (a problem's place)."""
        rid = self._target()
        record = self._read(rid) if rid else None
        if record is None:
            return
        if record.text is None:
            self.notify(f"{record.relpath} cannot be read as text: {record.problems[0].message}", severity="error")
            return
        self.edit_in_editor(record, record.text, at)

    def run_editor(self, path, at: tuple[int, int] | None = None) -> str | None:
        """Run $EDITOR on a file with the UI suspended; the error message when it cannot run."""
        command = open_at(editor_command(), str(path), at)
        try:
            try:
                with self.suspend():
                    subprocess.run(command, check=False)
            except SuspendNotSupported:
                # No terminal to hand over (tests, headless): the editor runs without one.
                subprocess.run(command, check=False, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        except (FileNotFoundError, PermissionError):
            return f"cannot run the editor {command[0]!r}; set $EDITOR"
        return None

    def edit_in_editor(self, record: Record, text: str, at: tuple[int, int] | None = None) -> None:
        """Open `text` (the file, or the user's own earlier text) in $EDITOR; validate; commit or ask."""
        rid = record.id
        scratch = record.path.with_name(f".{rid}.edit.yaml")  # beside the record: the modeline finds the schema
        scratch.write_text(text, encoding="utf-8")
        try:
            error = self.run_editor(scratch, at)
            new_text = scratch.read_text(encoding="utf-8")
        finally:
            scratch.unlink(missing_ok=True)
        if error:
            self.notify(error, severity="error")
            return
        if new_text == record.text:
            self.notify(f"{rid}: no change")
            return
        _, problems = check_text(self.ws.schema, record.relpath, new_text)
        if problems:
            def answer(key: str | None) -> None:
                if key == "r":
                    self.edit_in_editor(record, new_text, (problems[0].line, problems[0].col))
                else:
                    self.notify("Your edit was dropped; the file is unchanged")

            body = "\n".join(str(p) for p in problems)
            self.push_screen(ChoiceScreen(f"{record.relpath} would be invalid; nothing was written", body,
                                          [("r", "Reopen the editor with my text"), ("d", "Drop my edit")]), answer)
            return

        def stale(error: Exception) -> None:
            def answer(key: str | None) -> None:
                fresh = self._read(rid)
                if fresh is None:
                    return
                if key == "m":
                    self.submit(Write(rid, lambda digest: self.changes.replace_text(rid, new_text, digest),
                                      fresh.digest, on_stale=stale))
                elif key == "e":
                    self.edit_in_editor(fresh, new_text)
                else:
                    self.notify("Your edit was dropped; the file on disk is kept")

            self.push_screen(ChoiceScreen(
                f"{record.relpath} changed on disk while you were editing",
                "Nothing was overwritten. Which version do you want to keep?",
                [("m", "Mine (replace theirs)"), ("t", "Theirs (drop mine)"), ("e", "Edit mine again")],
            ), answer)

        self.submit(Write(rid, lambda digest: self.changes.replace_text(rid, new_text, digest), record.digest, on_stale=stale))




def run_app(ws: Workspace, today: Clock = dt.date.today) -> int:
    """Open the UI on a workspace; returns the exit code (0 on a normal quit)."""
    ws.schema  # a broken schema.yaml is reported by the CLI (file:line:col) before the screen is taken
    app = CrmApp(ws, today)
    result = app.run()
    return int(result or 0) if app.return_code in (None, 0) else app.return_code
