"""`f`: a form for the filters, with the values that occur in the workspace; it writes the search box."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Select, Static

from tui.core.catalog import Filter, Summary
from tui.core.schema import Rules

NONE = Select.NULL
OWNER_CHOICES = (("anyone", ""), ("mine", "mine"), ("public pool", "pool"))


def due_choices(days: int) -> list[tuple[str, str]]:
    """The due states as the form offers them; "soon" is the due queue's horizon (x-crm.due_days)."""
    return [("overdue", "overdue"), ("due today", "today"), (f"in the next {days} days", "soon"), ("any of these", "due")]


def _values(summaries: list[Summary], field: str) -> list[str]:
    if field == "tags":
        return sorted({t for s in summaries for t in s.tags})
    return sorted({getattr(s, field) for s in summaries} - {""})


class FilterForm(ModalScreen[Filter | None]):
    """Choose filters from lists; the result becomes words of the search box (e.g. `grade:A`)."""

    BINDINGS = [
        Binding("ctrl+s", "apply", "Apply", tooltip="Show the customers that match"),
        Binding("escape", "cancel", "Cancel", tooltip="Close without changing the filters"),
        Binding("ctrl+r", "clear", "Clear all", tooltip="Clear every filter"),
        Binding("q", "stay", show=False),  # q on a dropdown closes nothing
    ]

    DEFAULT_CSS = """
    FilterForm { align: center middle; }
    FilterForm > Vertical { width: 64; max-width: 100%; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    FilterForm .title { text-style: bold; margin-bottom: 1; }
    FilterForm .row { height: 1; }
    FilterForm .row Label { width: 10; }
    FilterForm .row Select { width: 1fr; }
    FilterForm .keys { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, current: Filter, summaries: list[Summary], rules: Rules, me: str) -> None:
        super().__init__()
        self.current = current
        self.me = me
        grades = list(rules.grades) or _values(summaries, "grade")
        stages = list(rules.stages + rules.exits) or _values(summaries, "stage")
        owner = "pool" if current.pool else ("mine" if current.owner and current.owner == me else "")
        self.rows = [
            ("grade", [(g, g) for g in grades], current.grade),
            ("stage", [(s, s) for s in stages], current.stage),
            ("country", [(c, c) for c in _values(summaries, "country")], current.country),
            ("region", [(r, r) for r in sorted(set(rules.regions.values()) | {"Other"})], current.region),
            ("industry", [(i, i) for i in _values(summaries, "industry")], current.industry),
            ("owner", list(OWNER_CHOICES[1:]) + [(o, o) for o in _values(summaries, "owner")], owner or current.owner),
            ("tag", [(t, t) for t in _values(summaries, "tags")], current.tag),
            ("due", due_choices(rules.due_days), current.due),
        ]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Filters", classes="title")
            for name, options, value in self.rows:
                with Horizontal(classes="row"):
                    yield Label(name)
                    values = {v for _, v in options}
                    if value and value not in values:
                        options = [(value, value), *options]
                    yield Select(options, value=value or NONE, prompt="any", compact=True, id=f"filter-{name}")
            yield Static("ctrl+s apply · ctrl+r clear all · escape cancel", classes="keys")

    def on_mount(self) -> None:
        self.query_one("#filter-grade", Select).focus()

    def _value(self, name: str) -> str:
        value = self.query_one(f"#filter-{name}", Select).value
        return "" if value is NONE else str(value)

    def action_apply(self) -> None:
        owner = self._value("owner")
        flt = self.current._replace(
            grade=self._value("grade"),
            stage=self._value("stage"),
            country=self._value("country"),
            region=self._value("region"),
            industry=self._value("industry"),
            tag=self._value("tag"),
            due=self._value("due"),
            pool=owner == "pool",
            owner=(self.me or "\0nobody") if owner == "mine" else ("" if owner == "pool" else owner),
        )
        self.dismiss(flt)

    def action_clear(self) -> None:
        self.dismiss(Filter(text=self.current.text, horizon=self.current.horizon))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_stay(self) -> None:
        """Swallow q while choosing filters."""
