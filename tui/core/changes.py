"""Changes through the app: each edits one record in place, validates it, and lands it through one
transaction (transaction.py) as exactly one commit with a message that says what changed
(`<id>: grade C -> B`)."""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any, Callable

from tui.core.display import printable, show_value
from tui.core.errors import CrmError, InvalidRecord, NothingToChange, NotFound, PastDue, StaleWrite, UsageError
from tui.core.gitrepo import Git
from tui.core.record import Record, check_text, read_record
from tui.core.transaction import Change, Transaction, field_changes
from tui.core.workspace import ID_PATTERN, Workspace
from tui.core.yamlparse import YamlProblem, parse
from tui.core.yamledit import EditError, append_value, delete_value, render_entry, set_value, value_at

MODELINE = "# yaml-language-server: $schema=../schema.yaml\n"
QUOTED_FIELDS = {"country"}  # always written quoted: "NO" is Norway
LOG_KEYS = ("on", "by", "via", "note", "next", "due")

Clock = Callable[[], dt.date]


def short(value: Any, limit: int = 40) -> str:
    """A value as a commit message shows it: one line, as a person writes it, at most `limit` characters."""
    return show_value(value, limit)


class Changes:
    """The write side of a workspace: each method is one transaction (see transaction.py) and one commit.
    `today` is injected so tests can set the date."""

    def __init__(self, ws: Workspace, today: Clock = dt.date.today):
        self.ws = ws
        self.today = today
        self.git = Git(ws.root)

    # ------------------------------------------------------------ reading

    def read(self, rid: str) -> Record:
        path = self.ws.require(rid)
        return read_record(self.ws.schema, rid, path, f"records/{rid}.yaml")

    def transaction(self, what: str) -> Transaction:
        return Transaction(self.ws, what, git=self.git)

    def editable(self, tx: Transaction, rid: str, expected_digest: str | None) -> Record:
        """The record to change inside `tx`: readable, not changed since `expected_digest` (when given),
        its pending hand edits committed first."""
        record = tx.read(rid, settle=False)
        if expected_digest is not None and record.digest != expected_digest:
            raise StaleWrite(record.relpath, record.text or "")
        if record.text is None or record.data is None:
            raise InvalidRecord(record.problems)
        return tx.settle(record)

    def _after(self, field: str) -> tuple[str, ...]:
        return keys_before(self.ws.schema.order, field)

    # ------------------------------------------------------------ the one write path

    def apply(self, rid: str, edit: Callable[[Record, str], tuple[str, str]], expected_digest: str | None = None,
              what: str = "crm") -> Change:
        """Inside one transaction: read the record, let `edit` make (new text, message), land it."""
        with self.transaction(what) as tx:
            record = self.editable(tx, rid, expected_digest)
            try:
                new_text, message = _keeping_line_endings(record.text, lambda text: edit(record, text))
            except (EditError, YamlProblem) as exc:
                raise CrmError(f"{record.relpath}: {printable(exc, True)}; nothing was written; edit the file by hand with "
                               f"`crm edit {rid}`") from None
            if new_text == record.text:
                raise NothingToChange(f"{rid}: nothing to change; {what_is_already(record.data, message)}")
            return tx.land(record, new_text, f"{rid}: {message}")

    # ------------------------------------------------------------ changes

    def check_field(self, path: tuple, force: bool = False) -> None:
        """Refuse a path no record should be written at: empty names, the append-only log, and (unless
        `force`) a field the schema does not know, with the nearest known names."""
        if not path or any(p == "" or (isinstance(p, str) and not p.strip()) for p in path):
            raise UsageError("a field name cannot be empty; give one like `grade` or `contacts.0.email`")
        if path[0] == "log":
            raise UsageError("the log is append-only: add a touch with `crm log ID --via KIND --note TEXT`; "
                             "to correct a past entry, edit the file by hand (`crm edit ID`)")
        if path[0] == "conflicts":
            raise UsageError("conflicts are settled with `crm resolve ID FIELD VALUE`, not set")
        if force:
            return
        props: dict | None = {"properties": self.ws.schema.properties}
        walked = []
        for step in path:
            if props is None:
                break
            if isinstance(step, int):
                props = props.get("items") if isinstance(props.get("items"), dict) else None
                walked.append(str(step))
                continue
            known = props.get("properties")
            if not isinstance(known, dict) or props.get("additionalProperties") is True and step not in known:
                break
            if step not in known:
                near = difflib.get_close_matches(step, list(known), n=3, cutoff=0.6)
                where = ".".join([*walked, step])
                hint = f"did you mean {' or '.join(near)}? " if near else ""
                raise UsageError(f"{printable(where, True)} is not a field in schema.yaml; {hint}"
                                 f"add it anyway with --force (it is kept as an extra key)")
            props = known[step] if isinstance(known[step], dict) else None
            walked.append(step)

    def set_field(self, rid: str, path: tuple, value: Any, expected_digest: str | None = None, force: bool = False) -> Change:
        """Set a field (a top-level key or a path like ('contacts', 0, 'email'))."""
        self.check_field(path, force=force)
        name = ".".join(map(str, path))

        def edit(record: Record, text: str) -> tuple[str, str]:
            old = value_at(record.data, path)
            if value is None:
                if old is None and not _has(record.data, path):
                    raise UsageError(f"{rid}: {name} is not set")
                return delete_value(text, path), f"unset {name} (was {short(old)})"
            style = '"' if path[-1] in QUOTED_FIELDS else None
            after = self._after(str(path[0])) if len(path) == 1 else ()
            return set_value(text, path, value, after=after, style=style), f"{name} {short(old)} -> {short(value)}"

        return self.apply(rid, edit, expected_digest, "crm set")

    def grade(self, rid: str, grade: str, expected_digest: str | None = None) -> Change:
        grade = grade.upper()
        if grade not in self.ws.rules.grades:
            raise UsageError(f"grade must be one of {', '.join(self.ws.rules.grades)}, not {printable(grade, True)!r}")
        return self.set_field(rid, ("grade",), grade, expected_digest)

    def log(self, rid: str, via: str, note: str, next_action: str | None = None, due: dt.date | None = None,
            on: dt.date | None = None, by: str | None = None, expected_digest: str | None = None,
            past_due: bool = False) -> Change:
        """Append a touch to the log (adds lines, changes none). A due date before today is refused unless
        `past_due` says the user confirmed it (a typo in the year would hide the follow-up as long overdue)."""
        kinds = self.ws.rules.touch_kinds
        if kinds and via not in kinds:
            raise UsageError(f"--via must be one of {', '.join(kinds)}, not {printable(via, True)!r}")
        if not note.strip():
            raise UsageError("a touch needs a note: what was said or done")
        if due and not past_due and due < self.today():
            raise PastDue(f"the due date {due.isoformat()} is before today ({self.today().isoformat()}); "
                          "give a later date, or confirm it (--force)")
        self.git.identity()
        entry = {"on": on or self.today(), "by": by or self.git.identity()[1], "via": via, "note": note}
        if next_action:
            entry["next"] = next_action
        if due:
            entry["due"] = due

        def edit(record: Record, text: str) -> tuple[str, str]:
            return append_value(text, ("log",), entry, after=self._after("log")), f"log {via}: {short(note, 50)}"

        return self.apply(rid, edit, expected_digest, "crm log")

    def create(self, fields: dict[str, Any]) -> Change:
        """A new record with the modeline and an id made of its name plus a random suffix."""
        name = str(fields.get("name") or "").strip()
        if not name:
            raise UsageError("a customer needs a name")
        text = record_text(self.ws.schema.order, fields)
        with self.transaction("crm new") as tx:
            rid = self.ws.new_id(name)
            relpath = f"records/{rid}.yaml"
            record = Record(rid, self.ws.record_path(rid), relpath, None, "", None, [])
            self.ws.records_dir.mkdir(exist_ok=True)
            return tx.land(record, text, f"{rid}: new customer {short(name)} ({short(fields.get('country') or '?')})")

    def replace_text(self, rid: str, new_text: str, expected_digest: str, message: str | None = None) -> Change:
        """Land a whole new text for a record (an editor session); refuses a stale base."""
        with self.transaction("crm edit") as tx:
            record = tx.read(rid, settle=False)
            if record.digest != expected_digest:
                raise StaleWrite(record.relpath, new_text)
            if new_text == record.text:
                raise NothingToChange(f"{rid}: nothing to change")
            _, problems = check_text(self.ws.schema, record.relpath, new_text)
            if problems:
                raise InvalidRecord(problems, new_text)
            base = record.data
            try:
                record = tx.settle(record)
            except InvalidRecord:
                # A broken hand edit that this text replaces: the commit goes from HEAD's version to this one.
                base = tx.committed_data(record.relpath)
            if message is None:
                try:
                    new_data, _ = parse(new_text)
                except YamlProblem:
                    new_data = None
                message = field_changes(base, new_data)
            return tx.land(record, new_text, f"{rid}: {message}")

    def delete(self, rid: str, expected_digest: str | None = None) -> Change:
        """Delete a record as a commit, so history can bring it back."""
        with self.transaction("crm delete") as tx:
            record = tx.read(rid, settle=False)
            if expected_digest is not None and record.digest != expected_digest:
                raise StaleWrite(record.relpath, record.text or "")
            if record.data is not None:
                record = tx.settle(record)
            elif self.git.tree_entry(self.git.head(), record.relpath) is None:
                raise CrmError(f"{record.relpath} was never committed and does not parse, so deleting it would lose it for "
                               "good; remove the file yourself if that is what you want")
            name = (record.data or {}).get("name", rid)
            return tx.land(record, None, f"{rid}: delete customer {short(name)}")


def record_text(order: tuple[str, ...], fields: dict[str, Any]) -> str:
    """A new record's text: the modeline, then the fields in the schema's order (unknown keys last)."""
    keys = sorted(fields, key=lambda k: order.index(k) if k in order else len(order))
    return MODELINE + "".join(
        render_entry(k, fields[k], 0, 2, '"' if k in QUOTED_FIELDS else None) for k in keys if fields[k] not in (None, "", [])
    )


def keys_before(order: tuple[str, ...], field: str) -> tuple[str, ...]:
    """The keys a new `field` may follow, nearest first, so a new key lands where the schema orders it."""
    if field not in order:
        return ()
    return tuple(reversed(order[: order.index(field)]))


def _keeping_line_endings(text: str, edit: Callable[[str], tuple[str, str]]) -> tuple[str, str]:
    """Run a text edit on a file that uses CRLF line endings as if it used LF, and give CRLF back."""
    crlf = "\r\n" in text and text.count("\n") == text.count("\r\n")
    if not crlf:
        return edit(text)
    new_text, message = edit(text.replace("\r\n", "\n"))
    return new_text.replace("\n", "\r\n"), message


def what_is_already(data: dict | None, message: str) -> str:
    """'grade is already B' from a change message like 'grade B -> B'."""
    field, _, rest = message.partition(" ")
    value = rest.split(" -> ")[-1] if " -> " in rest else ""
    return f"{field} is already {value}" if value else "it is already so"


def _has(data: Any, path: tuple) -> bool:
    for step in path[:-1]:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return False
    try:
        data[path[-1]]
        return True
    except (KeyError, IndexError, TypeError):
        return False


def find_id(ws: Workspace, query: str) -> str:
    """An exact id, or the one id that starts with `query`."""
    if ID_PATTERN.match(query) and ws.exists(query):
        return query
    matches = [rid for rid in ws.ids() if rid.startswith(query)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise NotFound(f"no customer {query!r}; `crm list` shows the ids")
    shown = ", ".join(matches[:5]) + (", ..." if len(matches) > 5 else "")
    raise UsageError(f"{query!r} matches {len(matches)} customers ({shown}); give more of the id")

