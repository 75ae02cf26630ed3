"""Small modal questions: which grade, which of a few choices (keep mine / theirs, delete or not), a note."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from tui.core.display import printable
from tui.core.schema import Grade


class GradePrompt(ModalScreen[str | None]):
    """`g` then a grade letter: the grades with their meaning and cadence; escape keeps the grade."""

    BINDINGS = [Binding("escape", "dismiss_none", "Keep grade", tooltip="Close without changing the grade")]

    DEFAULT_CSS = """
    GradePrompt { align: center middle; }
    GradePrompt > Vertical { width: 72; max-width: 100%; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    GradePrompt .title { text-style: bold; }
    """

    def __init__(self, name: str, current: str, grades: dict[str, Grade], title: str = "Grade") -> None:
        super().__init__()
        self.customer = name
        self.current = current
        self.grades = grades
        self.heading = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(printable(f"{self.heading}: {self.customer}", one_line=True), no_wrap=True, overflow="ellipsis"),
                         classes="title")
            lines = Text()
            for code, grade in self.grades.items():
                mark = "•" if code == self.current else " "
                lines.append(f"{mark} {code}  ", style="bold")
                lines.append(f"{printable(grade.meaning, one_line=True)} (every {grade.cadence_days} d)\n")
            lines.append(f"Press {'..'.join([next(iter(self.grades)), list(self.grades)[-1]]) if self.grades else ''}"
                         f" to grade, escape to keep {self.current or 'none'}.", style="italic")
            yield Static(lines)

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character.upper() in self.grades:
            event.stop()
            self.dismiss(event.character.upper())

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class ChoiceScreen(ModalScreen[str | None]):
    """A question with a few answers, each on a key; escape answers None."""

    BINDINGS = [Binding("escape", "dismiss_none", "Cancel", tooltip="Close without choosing")]

    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    ChoiceScreen > Vertical { width: 76; max-width: 100%; height: auto; max-height: 90%; border: round $warning; background: $surface; padding: 0 1; }
    ChoiceScreen .title { text-style: bold; }
    ChoiceScreen VerticalScroll { height: auto; max-height: 14; }
    ChoiceScreen Horizontal { height: auto; margin-top: 1; }
    ChoiceScreen Button { margin-right: 1; min-width: 10; }
    """

    def __init__(self, title: str, body: str, choices: list[tuple[str, str]]) -> None:
        """`choices`: (key, label) pairs; the key is returned when chosen."""
        super().__init__()
        self.heading = title
        self.body = body
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(printable(self.heading, one_line=True), classes="title", markup=False)
            with VerticalScroll():
                yield Static(printable(self.body), markup=False)
            with Horizontal():
                for key, label in self.choices:
                    yield Button(Text(printable(f"[{key}] {label}", one_line=True)), id=f"choice-{key}", compact=True)

    def on_key(self, event: events.Key) -> None:
        for key, _ in self.choices:
            if event.character == key:
                event.stop()
                self.dismiss(key)
                return

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss((event.button.id or "").removeprefix("choice-"))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class NotePrompt(ModalScreen[str | None]):
    """One line of text (why a customer goes back to the pool): enter answers it, escape answers None."""

    BINDINGS = [Binding("escape", "dismiss_none", "Cancel", tooltip="Close without doing it")]

    DEFAULT_CSS = """
    NotePrompt { align: center middle; }
    NotePrompt > Vertical { width: 76; max-width: 100%; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    NotePrompt .title { text-style: bold; }
    """

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.heading = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(printable(self.heading, one_line=True), classes="title", markup=False)
            yield Static(printable(self.body), markup=False)
            yield Input(id="note", compact=True)

    def on_mount(self) -> None:
        self.query_one("#note", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
