"""Import (`I`): type a file's path, see the dry run as a table, import it on confirmation as one commit.

The dry run and the import each run in a worker with a progress bar; nothing is written until `y`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, ProgressBar, Static

from tui.core.display import printable, show_value
from tui.core.errors import CrmError, NothingToChange

if TYPE_CHECKING:
    from tui.core.importer import Plan
    from tui.ui.app import CrmApp

ACTIONS = {"new": "new", "update": "update", "same": "same", "duplicate": "merged", "invalid": "SKIP"}


class ImportScreen(Screen):
    """The dry run of an import, then the import itself."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", tooltip="Back to the list; nothing is imported"),
        Binding("y", "confirm", "Import", tooltip="Import the file as the dry run shows: one commit"),
    ]

    DEFAULT_CSS = """
    ImportScreen #import-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    ImportScreen #import-path { margin: 0 1; }
    ImportScreen #import-progress { margin: 0 1; height: 1; }
    ImportScreen #import-summary { height: auto; padding: 0 1; }
    ImportScreen DataTable { height: 1fr; }
    """

    app: "CrmApp"

    def __init__(self, path: str = "") -> None:
        super().__init__()
        self.path = path
        self.plan: Plan | None = None
        self.planned: tuple[Path, tuple | None] | None = None  # the dry run's file and its stamp (file_stamp)
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Static("Import customers from a .csv, .xlsx or .vcf file", id="import-title", markup=False)
        yield Input(self.path, placeholder="path of the file, then enter for a dry run", id="import-path")
        yield ProgressBar(total=None, show_eta=False, id="import-progress")
        yield Static("", id="import-summary", markup=False)
        table = DataTable(id="import-rows", cursor_type="row", zebra_stripes=False)
        table.add_columns("Row", "Action", "Customer", "What")
        yield table
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(ProgressBar).display = False
        self.query_one(Input).focus()
        if self.path:
            self.dry_run(self.path)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "confirm":
            return self.plan is not None and not self.busy and bool(self.plan.new or self.plan.updates)
        return True

    @on(Input.Submitted, "#import-path")
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip() and not self.busy:
            self.dry_run(event.value.strip())

    def _progress(self, phase: str, done: int, total: int) -> None:
        def show() -> None:
            bar = self.query_one(ProgressBar)
            bar.display = True
            bar.update(total=total, progress=done)
            self.query_one("#import-summary", Static).update(f"{phase} {done:,} of {total:,}…")

        self.app.call_from_thread(show)

    def _start(self, what: str) -> None:
        self.busy = True
        self.refresh_bindings()
        self.query_one("#import-summary", Static).update(what)

    @work(thread=True, exclusive=True, group="import")
    def dry_run(self, path: str) -> None:
        from tui.core.importer import file_stamp, plan_import

        self.app.call_from_thread(self._start, "Reading the file…")
        file = Path(path).expanduser()
        stamp = file_stamp(file)  # before reading: a change while the dry run reads counts as a change
        try:
            plan = plan_import(self.app.ws, file, today=self.app.today(), progress=self._progress)
        except CrmError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._show, plan, (file, stamp))

    def _failed(self, message: str) -> None:
        self.busy = False
        self.plan = None
        self.query_one(ProgressBar).display = False
        self.query_one("#import-summary", Static).update(printable(message))
        self.refresh_bindings()
        self.query_one(Input).focus()  # enter there runs the dry run again

    def _show(self, plan: "Plan", planned: tuple[Path, tuple | None]) -> None:
        self.busy = False
        self.plan, self.planned = plan, planned
        self.query_one(ProgressBar).display = False
        table = self.query_one(DataTable)
        table.clear()
        for row in plan.rows:
            what = ", ".join(row.fields) if row.action in ("new", "update") else row.why
            table.add_row(str(row.line), ACTIONS[row.action], show_value(row.name or row.rid, 30), show_value(what, 60, ""))
        columns = sum(1 for c in plan.columns if c.kind == "field")
        kept = [c.header for c in plan.columns if c.kind == "plain"]
        summary = (f"{plan.message.removeprefix('import ')}; {plan.count('duplicate')} merged, {plan.count('same')} unchanged. "
                   f"{columns} columns mapped" + (f", kept as they are: {', '.join(kept)}" if kept else "") + ".")
        ready = bool(plan.new or plan.updates)
        summary += " Press y to import, escape to leave." if ready else " Nothing to import."
        self.query_one("#import-summary", Static).update(printable(summary))
        self.refresh_bindings()
        table.focus()

    def action_confirm(self) -> None:
        if self.plan is not None and self.planned is not None and not self.busy:
            self.run_import(*self.planned)

    @work(thread=True, exclusive=True, group="import")
    def run_import(self, file: Path, stamp: tuple | None) -> None:
        """Import the file of the dry run, and only while it is as the dry run read it."""
        from tui.core.importer import file_stamp, run_import

        self.app.call_from_thread(self._start, "Importing…")
        if stamp is None or file_stamp(file) != stamp:
            self.app.call_from_thread(self._failed, "Nothing was imported: the file changed since the dry run; "
                                      "press enter to see it again.")
            return
        try:
            _, change = run_import(self.app.ws, file, today=self.app.today(), progress=self._progress)
        except NothingToChange:
            self.app.call_from_thread(self._failed, "Nothing to import: the workspace already holds what the file says.")
            return
        except CrmError as exc:
            self.app.call_from_thread(self._failed, f"Nothing was imported: {exc}")
            return
        self.app.call_from_thread(self._done, change.message)

    def _done(self, message: str) -> None:
        self.busy = False
        self.app.notify(message, title="Committed")
        self.app.pop_screen()
        self.app.action_reload()
