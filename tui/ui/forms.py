"""Forms: edit a customer (built from schema.yaml, checked at each field), add one, log a touch."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, Label, Select, Static, TextArea

from tui.core.display import printable
from tui.core.record import Record, check_text
from tui.core.schema import Schema
from tui.core.yamledit import EditError
from tui.ui import fields as F
from tui.ui.prompts import ChoiceScreen

NONE = Select.NULL


@dataclass(frozen=True)
class FormResult:
    values: dict[str, Any]  # the changed fields (edit) or every filled field (new)
    text: str | None  # the record's new text (edit), None for a new customer


class RecordForm(Screen[FormResult | None]):
    """Every plain field of a record, one line each; errors show under the field as you type."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", tooltip="Check the fields and commit the change"),
        Binding("escape", "cancel", "Cancel", tooltip="Close the form without saving (asks first when you changed a field)"),
        Binding("q", "stay", show=False),  # q on a dropdown must not quit and lose the form
    ]

    DEFAULT_CSS = """
    RecordForm { layout: vertical; }
    RecordForm .title { text-style: bold; padding: 0 1; background: $panel; width: 100%; }
    RecordForm VerticalScroll { height: 1fr; padding: 0 1; }
    RecordForm .row { height: 1; }
    RecordForm .row Label { width: 16; }
    RecordForm .row Input, RecordForm .row Select, RecordForm .row TextArea { width: 1fr; }
    RecordForm .row.-tall { height: 5; }
    RecordForm .row TextArea { height: 5; }
    RecordForm .error { color: $text-error; padding-left: 16; height: auto; display: none; }
    RecordForm .error.-shown { display: block; }
    RecordForm .note { color: $text-muted; padding: 0 1; }
    """

    def __init__(self, schema: Schema, record: Record | None = None, defaults: dict | None = None) -> None:
        super().__init__()
        self.schema = schema
        self.record = record
        self.specs = F.form_fields(schema)
        self.by_name = {s.name: s for s in self.specs}
        self.data = (record.data or {}) if record else dict(defaults or {})

    def compose(self) -> ComposeResult:
        title = f"Edit {printable(self.record.relpath, one_line=True)}" if self.record else "New customer"
        yield Static(f"{title}   ctrl+s save · escape cancel", classes="title", markup=False)
        with VerticalScroll():
            for spec in self.specs:
                label = spec.name + (" *" if spec.required else "")
                tall = F.long_text(spec, self.data.get(spec.name)) and not F.has_control(self.data.get(spec.name))
                with Horizontal(classes="row -tall" if tall else "row"):
                    yield Label(label, markup=False)
                    value = self.data.get(spec.name)
                    if spec.kind == "choice":
                        options = [(c, c) for c in spec.choices]
                        initial = str(value) if value is not None and str(value) in spec.choices else NONE
                        yield Select(options, value=initial, prompt="-", compact=True, id=f"field-{spec.name}")
                    elif F.has_control(value):
                        yield Input(printable(F.show(spec, value).replace("\n", " ⏎ "), one_line=True), compact=True,
                                    id=f"field-{spec.name}", disabled=True,
                                    tooltip="Control characters: edit them in $EDITOR (ctrl+e on the customer)")
                    elif F.long_text(spec, value):
                        yield TextArea(F.show(spec, value), id=f"field-{spec.name}", compact=True, soft_wrap=True,
                                       tooltip="Several lines: enter starts a new line, tab moves on, ctrl+s saves")
                    else:
                        yield Input(F.show(spec, value), placeholder=spec.hint, compact=True, id=f"field-{spec.name}",
                                    select_on_focus=False)
                yield Static("", classes="error", id=f"error-{spec.name}", markup=False)
            nested = F.nested_fields(self.schema)
            if nested:
                yield Static(f"{', '.join(nested)}: edit in $EDITOR (ctrl+e on the customer).", classes="note", markup=False)
        yield Footer(compact=True)

    # ------------------------------------------------------------ values and errors

    def _text_of(self, spec: F.FieldSpec) -> str:
        widget = self.query_one(f"#field-{spec.name}")
        if isinstance(widget, Select):
            return "" if widget.value is NONE else str(widget.value)
        if isinstance(widget, TextArea):
            return widget.text
        return widget.value

    def _show_error(self, name: str, message: str) -> None:
        error = self.query_one(f"#error-{name}", Static)
        error.update(printable(message))
        error.set_class(bool(message), "-shown")
        self.query_one(f"#field-{name}").set_class(bool(message), "-invalid")

    def _check(self, spec: F.FieldSpec) -> tuple[bool, Any]:
        try:
            value = F.read(spec, self._text_of(spec))
        except F.FieldError as exc:
            self._show_error(spec.name, str(exc))
            return False, None
        self._show_error(spec.name, "")
        return True, value

    @on(Input.Changed)
    @on(Select.Changed)
    @on(TextArea.Changed)
    def _field_changed(self, event: Input.Changed | Select.Changed | TextArea.Changed) -> None:
        name = (event.control.id or "").removeprefix("field-")
        if name in self.by_name:
            self._check(self.by_name[name])

    # ------------------------------------------------------------ save

    def on_mount(self) -> None:
        self.initial = self._texts()
        editable = [w for w in self.query("Input, Select, TextArea") if not w.disabled]
        if editable:
            editable[0].focus()  # typing goes straight into the first field (the name, for a new customer)

    def _texts(self) -> dict[str, str]:
        return {spec.name: self._text_of(spec) for spec in self.specs}

    def action_save(self) -> None:
        values, bad = {}, []
        for spec in self.specs:
            if self.query_one(f"#field-{spec.name}").disabled:
                continue  # multi-line text: left to $EDITOR, kept as it is
            ok, value = self._check(spec)
            if ok:
                values[spec.name] = value
            else:
                bad.append(spec.name)
        if bad:
            self.query_one(f"#field-{bad[0]}").focus()
            self.notify(f"Fix {', '.join(bad)} first", severity="error")
            return
        if self.record is None:
            self.dismiss(FormResult({k: v for k, v in values.items() if v is not None}, None))
            return
        changed = F.changed_values(self.specs, self.data, values)
        if not changed:
            self.notify("Nothing changed")
            self.dismiss(None)
            return
        try:
            text = F.apply_changes(self.schema, self.record.text or "", changed)
        except EditError as exc:
            self.notify(f"{self.record.relpath}: {exc}; edit it in $EDITOR (ctrl+e)", severity="error")
            return
        _, problems = check_text(self.schema, self.record.relpath, text)
        known = {p.message for p in self.record.problems}
        new = [p for p in problems if p.message not in known]
        if new:
            self.show_problems([str(p.message) for p in new])
            return
        self.dismiss(FormResult(changed, text))

    def show_problems(self, messages: list[str]) -> None:
        """Validation messages from the whole record, each under its field when it has one."""
        loose = []
        first = None
        for message in messages:
            name = F.field_of(message, set(self.by_name))
            if name:
                self._show_error(name, message)
                first = first or name
            else:
                loose.append(message)
        if first:
            self.query_one(f"#field-{first}").focus()
        if loose:
            self.notify("\n".join(loose), severity="error")

    def action_cancel(self) -> None:
        """Close the form; with unsaved changes, only after asking."""
        typed = self._texts()
        changed = [name for name, text in typed.items() if text != self.initial.get(name)]
        if not changed:
            self.dismiss(None)
            return

        def answer(key: str | None) -> None:
            if key == "d":
                self.dismiss(None)

        self.app.push_screen(ChoiceScreen(
            "Discard your changes?", f"You changed {', '.join(changed)}; nothing is saved until ctrl+s.",
            [("d", "Discard them"), ("k", "Keep editing")]), answer)

    def action_stay(self) -> None:
        """Swallow q: quitting from a form would lose what was typed."""


@dataclass(frozen=True)
class Touch:
    via: str
    note: str
    next_action: str | None
    due: dt.date | None


def read_due(text: str, today: dt.date) -> dt.date | None:
    """A due date: YYYY-MM-DD, or +N for N days from today; empty for none."""
    text = text.strip()
    if not text:
        return None
    if text.startswith("+") and text[1:].isascii() and text[1:].isdigit():
        try:
            return today + dt.timedelta(days=int(text[1:]))
        except OverflowError:
            raise F.FieldError(f"{text!r} is past the last day the calendar has; use YYYY-MM-DD") from None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise F.FieldError(f"{text!r} is not a date; use YYYY-MM-DD or +N (days from today)") from None


class LogForm(ModalScreen[Touch | None]):
    """`l`: what kind of touch, what was said, the next action and when it is due."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", tooltip="Log the touch (one commit)"),
        Binding("escape", "cancel", "Cancel", tooltip="Close without logging"),
        Binding("q", "stay", show=False),  # q on a dropdown must not quit and lose the touch
    ]

    DEFAULT_CSS = """
    LogForm { align: center middle; }
    LogForm > Vertical { width: 76; max-width: 100%; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    LogForm .title { text-style: bold; }
    LogForm .row { height: 1; margin-top: 1; }
    LogForm .row Label { width: 13; }
    LogForm .row Input, LogForm .row Select { width: 1fr; }
    LogForm .error { color: $text-error; padding-left: 13; display: none; }
    LogForm .error.-shown { display: block; }
    LogForm .keys { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, name: str, kinds: tuple[str, ...], today: dt.date) -> None:
        super().__init__()
        self.customer = name
        self.kinds = kinds or ("email",)
        self.today = today

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Log a touch: {printable(self.customer, one_line=True)}", classes="title", markup=False)
            with Horizontal(classes="row"):
                yield Label("kind")
                yield Select([(k, k) for k in self.kinds], value=self.kinds[0], allow_blank=False, compact=True, id="via")
            with Horizontal(classes="row"):
                yield Label("note *")
                yield Input(placeholder="what was said or done", compact=True, id="note")
            yield Static("", classes="error", id="note-error", markup=False)
            with Horizontal(classes="row"):
                yield Label("next action")
                yield Input(placeholder="e.g. call to confirm the sample", compact=True, id="next")
            with Horizontal(classes="row"):
                yield Label("due")
                yield Input(placeholder="YYYY-MM-DD or +7", compact=True, id="due")
            yield Static("", classes="error", id="due-error", markup=False)
            yield Static("enter on the last field or ctrl+s logs it · escape cancels", classes="keys")

    def on_mount(self) -> None:
        self.query_one("#note", Input).focus()

    def _error(self, name: str, message: str) -> None:
        error = self.query_one(f"#{name}-error", Static)
        error.update(printable(message))
        error.set_class(bool(message), "-shown")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "due":
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        note = self.query_one("#note", Input).value.strip()
        self._error("note", "" if note else "a touch needs a note: what was said or done")
        try:
            due = read_due(self.query_one("#due", Input).value, self.today)
            self._error("due", "")
        except F.FieldError as exc:
            self._error("due", str(exc))
            return
        if not note:
            self.query_one("#note", Input).focus()
            return
        next_action = self.query_one("#next", Input).value.strip() or None
        self.dismiss(Touch(str(self.query_one("#via", Select).value), note, next_action, due))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_stay(self) -> None:
        """Swallow q: quitting from a form would lose what was typed."""
