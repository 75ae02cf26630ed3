"""The main screen: the search box, the customer table, and a status line (shown / total, sort, load;
the sync state on its right)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from tui.core.display import printable
from tui.core.catalog import Filter
from tui.core.team import view_is_mine
from tui.ui.filters import FilterForm
from tui.ui.listing import SORT_ORDER, SORTS, Query, parse_query, query_text, search_notes
from tui.ui.sync import SYNC_BINDING, SyncStatus
from tui.ui.table import MAIN_COLUMNS, CustomerTable, legend

if TYPE_CHECKING:
    from tui.ui.app import CrmApp

SEARCH_HINT = "/ search · grade:A stage:quoted country:DE region:Europe owner:mine|pool due:overdue tag:x is:invalid"
SORT_TITLES = {field: title for title, field in SORTS.items()}


def customer_bindings(one_customer: bool = False) -> list[Binding]:
    """The keys a customer has on every screen that shows one (the app carries out the actions).

    The footer has 80 columns: $EDITOR and History are in it only on the screen of one customer;
    Delete is in `?` and the palette."""
    return [
        Binding("g", "app.grade", "Grade", tooltip="Re-grade the customer: g then A..E"),
        Binding("l", "app.log_touch", "Log", tooltip="Log a touch (kind, note, next action, due), then re-grade"),
        Binding("e", "app.edit", "Edit", tooltip="Edit the customer's fields in a form built from schema.yaml"),
        Binding("ctrl+e", "app.open_editor", "$EDITOR", show=one_customer,
                tooltip="Open the customer's file in $EDITOR; validated after"),
        Binding("delete", "app.delete", "Delete", show=False,
                tooltip="Delete the customer (one commit; history can bring it back)"),
        Binding("h", "app.history", "History", show=one_customer,
                tooltip="The customer's history: who changed what and when, the record as of then; u undoes"),
        Binding("c", "app.claim", "Claim", show=False,
                tooltip="Claim the customer from the public pool: it becomes yours (one commit; within the claim limit)"),
        Binding("R", "app.release", "Release", show=False, key_display="shift+r",
                tooltip="Release the customer to the public pool, with a note saying why (one commit)"),
    ]


class StatusText(Static):
    """The status line's text, then as much of the row legend as fits its width at each draw."""

    def __init__(self, due_days: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.due_days = due_days
        self.head = ""

    def show(self, head: str) -> None:
        self.head = head
        self.refresh()

    def render(self) -> Text:
        markers = legend(self.content_size.width - cell_len(self.head) - 3, self.due_days)
        return Text(f"{self.head} · {markers}" if markers else self.head, no_wrap=True, overflow="ellipsis", end="")


class BrowseScreen(Screen):
    """Every customer, searched and filtered as you type, sorted by any column."""

    _start_mine = False  # `git config crm.view mine`: start on `owner:mine` once the catalog (and `me`) is in

    BINDINGS = [
        Binding("slash", "search", "Search", key_display="/", tooltip="Search names, contacts, emails, phones, tags, notes"),
        *customer_bindings(),
        Binding("n", "app.new", "New", show=False, tooltip="Add a customer"),
        Binding("d", "app.due", "Due", tooltip="Who to follow up: overdue, today, the next 7 days"),
        Binding("p", "app.problems", "Problems", tooltip="Invalid records with file:line:col"),
        Binding("D", "app.duplicates", "Duplicates", show=False, key_display="shift+d",
                tooltip="Customers that are probably the same one, with the reasons; m merges a pair"),
        Binding("I", "app.import_file", "Import", show=False, key_display="shift+i",
                tooltip="Import customers from a .csv, .xlsx or .vcf file: a dry run first, then one commit"),
        Binding("X", "app.deleted", "Deleted", show=False, key_display="shift+x",
                tooltip="Deleted customers: when, by whom; r brings one back"),
        Binding("f", "filters", "Filters", show=False, tooltip="Filter by grade, stage, country, region, industry, owner, tag, due"),
        Binding("o", "sort_next", "Order", show=False, tooltip="Order the list by the next column"),
        Binding("O", "sort_reverse", "Reverse", show=False, key_display="shift+o", tooltip="Reverse the order"),
        SYNC_BINDING,
        Binding("escape", "back", "Clear", show=False, tooltip="Leave the search box; again to clear the search"),
    ]

    DEFAULT_CSS = """
    BrowseScreen #search { height: 1; border: none; padding: 0 1; background: $boost; }
    BrowseScreen #search:focus { background: $surface-lighten-1; }
    BrowseScreen #search-note { display: none; height: auto; padding: 0 1; background: $boost; color: $text-warning; }
    BrowseScreen #search-note.-shown { display: block; }
    BrowseScreen #status-line { height: 1; background: $panel; }
    BrowseScreen #status { width: 1fr; height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    """

    app: "CrmApp"
    _note = ""  # what the note under the search box says

    def compose(self) -> ComposeResult:
        yield Input(placeholder=SEARCH_HINT, id="search", compact=True, select_on_focus=False)
        yield Static("", id="search-note", markup=False)
        rules = self.app.ws.rules
        yield CustomerTable(self.app.listing, MAIN_COLUMNS, self.app.listing.today, rules.birthday_window_days,
                            id="customers", due_days=rules.due_days)
        with Horizontal(id="status-line"):
            yield StatusText(rules.due_days, id="status")
            yield SyncStatus()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._start_mine = view_is_mine(self.app.ws.root)  # `git config crm.view mine`, applied once `me` is known
        self.table.set_sort(self.app.listing.sort, self.app.listing.reverse)
        self.table.window = self.app.window  # row markers for every kind of reminder
        self.table.focus()
        self.records_changed()  # the catalog may have arrived before this screen was mounted

    @property
    def table(self) -> CustomerTable:
        return self.query_one("#customers", CustomerTable)

    @property
    def search(self) -> Input:
        return self.query_one("#search", Input)

    def current_id(self) -> str | None:
        return self.table.cursor_id

    # ------------------------------------------------------------ the app tells us

    def records_changed(self, ids: set[str] | None = None) -> None:
        if self._start_mine and self.app.loaded:
            self._start_mine = False
            if not self.search.value:
                self.search.value = "owner:mine"
                self.apply_query("owner:mine")
                return
        self.table.rows_changed()
        self.update_status()

    def update_status(self, note: str = "") -> None:
        listing = self.app.listing
        arrow = "▼" if listing.reverse else "▲"
        parts = []
        if note or self.app.loading_note:
            parts.append(note or self.app.loading_note)
        parts.append(f"{len(listing):,} of {listing.total:,} customers")
        parts.append(f"by {SORT_TITLES[listing.sort]} {arrow}")
        if self.app.loaded and (claimed := self.app.claim_count()):
            parts.append(claimed)
        self.query_one("#status", StatusText).show(printable(" · ".join(parts), one_line=True))

    def show_search_note(self, query: Query) -> None:
        """Under the search box: the words that set no filter, and filter values no customer can have."""
        text = "\n".join(printable(n, one_line=True) for n in search_notes(query, self.app.ws.rules,
                                                                          self.app.listing.summaries()))
        if text != self._note:  # a new text lays the screen out again: not on every keystroke
            self._note = text
            note = self.query_one("#search-note", Static)
            note.update(text)
            note.set_class(bool(text), "-shown")

    # ------------------------------------------------------------ search and filters

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.apply_query(event.value)

    def apply_query(self, text: str) -> None:
        query = parse_query(text, self.app.me, self.app.ws.rules.due_days)
        self.app.listing.set_filter(query.filter)
        self.show_search_note(query)
        self.records_changed()

    @on(Input.Submitted, "#search")
    def _search_done(self, event: Input.Submitted) -> None:
        self.table.focus()

    def on_key(self, event) -> None:
        if event.key == "down" and self.search.has_focus:
            event.stop()
            self.table.focus()

    def action_search(self) -> None:
        # Synchronous, unlike Widget.focus(): keys typed right after "/" must land in the box.
        self.set_focus(self.search)
        self.search.cursor_position = len(self.search.value)

    def set_query(self, text: str) -> None:
        self.search.value = text  # Input.Changed applies it

    def action_back(self) -> None:
        if self.search.has_focus:
            self.table.focus()
        elif self.search.value:
            self.set_query("")
            self.apply_query("")

    def action_filters(self) -> None:
        query = parse_query(self.search.value, self.app.me, self.app.ws.rules.due_days)

        def chosen(flt: Filter | None) -> None:
            if flt is not None:
                text = query_text(flt, self.app.me)
                self.set_query(text)
                self.apply_query(text)

        self.app.push_screen(FilterForm(query.filter, self.app.listing.summaries(), self.app.ws.rules, self.app.me), chosen)

    # ------------------------------------------------------------ sorting

    def sort_by(self, field: str, reverse: bool | None = None) -> None:
        listing = self.app.listing
        if reverse is None:
            reverse = not listing.reverse if field == listing.sort else False
        listing.set_sort(field, reverse)
        self.table.set_sort(field, reverse)
        self.records_changed()

    def action_sort_next(self) -> None:
        order = SORT_ORDER
        self.sort_by(order[(order.index(self.app.listing.sort) + 1) % len(order)], False)

    def action_sort_reverse(self) -> None:
        self.sort_by(self.app.listing.sort, not self.app.listing.reverse)

    @on(CustomerTable.SortClicked)
    def _sort_clicked(self, event: CustomerTable.SortClicked) -> None:
        self.sort_by(event.sort)

    @on(CustomerTable.Chosen)
    def _chosen(self, event: CustomerTable.Chosen) -> None:
        self.app.open_customer(event.rid)

    # ------------------------------------------------------------ the command palette

    def palette_commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        """Commands this screen offers beyond its key bindings."""
        me = self.app.me
        commands = [
            (f"Sort by {title}", f"Sort the table by {title} (again to reverse)", lambda f=field: self.sort_by(f))
            for title, field in SORTS.items()
        ]
        presets = [
            ("Show overdue customers", "due:overdue"),
            ("Show customers due today", "due:today"),
            ("Show customers due within 7 days", "due:due"),
            ("Show my customers", "owner:mine" if me else ""),
            ("Show the public pool", "owner:pool"),
            ("Show invalid records", "is:invalid"),
            ("Show all customers (clear the search)", ""),
        ]
        for title, text in presets:
            commands.append((title, f"search: {text or '(empty)'}", lambda t=text: (self.set_query(t), self.apply_query(t))))
        return commands
