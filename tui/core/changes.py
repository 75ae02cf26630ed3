"""Changes through the app: each edits one record in place, validates it, writes it atomically and
makes exactly one commit with a message that says what changed (`<id>: grade C -> B`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable

from tui.core.atomic import replace_file
from tui.core.errors import CrmError, InvalidRecord, NothingToChange, NotFound, StaleWrite, UsageError
from tui.core.gitrepo import Git
from tui.core.record import Record, check_text, read_record
from tui.core.workspace import ID_PATTERN, Workspace
from tui.core.yamlparse import YamlProblem, parse
from tui.core.yamledit import EditError, append_value, delete_value, render_entry, set_value, value_at

MODELINE = "# yaml-language-server: $schema=../schema.yaml\n"
QUOTED_FIELDS = {"country"}  # always written quoted: "NO" is Norway
LOG_KEYS = ("on", "by", "via", "note", "next", "due")

Clock = Callable[[], dt.date]


@dataclass(frozen=True)
class Change:
    id: str
    message: str
    commit: str


def short(value: Any, limit: int = 40) -> str:
    """A value as a commit message shows it: one line, at most `limit` characters."""
    if value is None:
        return "(none)"
    if isinstance(value, list):
        value = ", ".join(map(str, value))
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Changes:
    """The write side of a workspace. `today` is injected so tests can set the date."""

    def __init__(self, ws: Workspace, today: Clock = dt.date.today):
        self.ws = ws
        self.today = today
        self.git = Git(ws.root)

    # ------------------------------------------------------------ reading

    def read(self, rid: str) -> Record:
        path = self.ws.require(rid)
        return read_record(self.ws.schema, rid, path, f"records/{rid}.yaml")

    def _editable(self, rid: str, expected_digest: str | None) -> Record:
        record = self.read(rid)
        if record.text is None or record.data is None:
            raise InvalidRecord(record.problems)
        if expected_digest is not None and record.digest != expected_digest:
            raise StaleWrite(record.relpath, record.text)
        return record

    def _after(self, field: str) -> tuple[str, ...]:
        order = self.ws.schema.order
        if field not in order:
            return ()
        return tuple(reversed(order[: order.index(field)]))

    # ------------------------------------------------------------ the one write path

    def _land(self, record: Record, new_text: str, message: str) -> Change:
        """Validate, write atomically (refusing a stale file) and commit one record's new text."""
        self._require_git()
        _, problems = check_text(self.ws.schema, record.relpath, new_text)
        known = {p.message for p in record.problems}
        new = [p for p in problems if p.message not in known]
        if new:
            raise InvalidRecord(new, new_text)
        replace_file(record.path, new_text, record.digest or None, record.relpath)
        commit = self.git.commit([record.relpath], message)
        return Change(record.id, message, commit)

    def _require_git(self) -> None:
        if not self.git.is_repo():
            raise CrmError(f"{self.ws.root} is not a git repository; run `crm init {self.ws.root}` to make it one")
        self.git.identity()

    def _edit(self, rid: str, edit: Callable[[str], str], message: str, expected_digest: str | None) -> Change:
        record = self._editable(rid, expected_digest)
        try:
            new_text = edit(record.text)
        except EditError as exc:
            raise CrmError(f"{record.relpath}: {exc}; edit the file by hand with `crm edit {rid}`") from None
        if new_text == record.text:
            raise NothingToChange(f"{rid}: nothing to change; {what_is_already(record.data, message)}")
        return self._land(record, new_text, f"{rid}: {message}")

    # ------------------------------------------------------------ changes

    def set_field(self, rid: str, path: tuple, value: Any, expected_digest: str | None = None) -> Change:
        """Set a field (a top-level key or a path like ('contacts', 0, 'email'))."""
        record = self._editable(rid, expected_digest)
        old = value_at(record.data, path)
        name = ".".join(map(str, path))
        if value is None:
            if old is None and not _has(record.data, path):
                raise UsageError(f"{rid}: {name} is not set")
            edit = lambda text: delete_value(text, path)  # noqa: E731
            message = f"unset {name} (was {short(old)})"
        else:
            style = '"' if path[-1] in QUOTED_FIELDS else None
            edit = lambda text: set_value(text, path, value, after=self._after(str(path[0])) if len(path) == 1 else (), style=style)  # noqa: E731
            message = f"{name} {short(old)} -> {short(value)}"
        return self._edit(rid, edit, message, record.digest)

    def grade(self, rid: str, grade: str, expected_digest: str | None = None) -> Change:
        grade = grade.upper()
        if grade not in self.ws.rules.grades:
            raise UsageError(f"grade must be one of {', '.join(self.ws.rules.grades)}, not {grade!r}")
        return self.set_field(rid, ("grade",), grade, expected_digest)

    def log(self, rid: str, via: str, note: str, next_action: str | None = None, due: dt.date | None = None,
            on: dt.date | None = None, by: str | None = None, expected_digest: str | None = None) -> Change:
        """Append a touch to the log (adds lines, changes none)."""
        kinds = self.ws.rules.touch_kinds
        if kinds and via not in kinds:
            raise UsageError(f"--via must be one of {', '.join(kinds)}, not {via!r}")
        if not note.strip():
            raise UsageError("a touch needs a note: what was said or done")
        self._require_git()
        entry = {"on": on or self.today(), "by": by or self.git.identity()[1], "via": via, "note": note}
        if next_action:
            entry["next"] = next_action
        if due:
            entry["due"] = due
        edit = lambda text: append_value(text, ("log",), entry, after=self._after("log"))  # noqa: E731
        return self._edit(rid, edit, f"log {via}: {short(note, 50)}", expected_digest)

    def create(self, fields: dict[str, Any]) -> Change:
        """A new record with the modeline and an id made of its name plus a random suffix."""
        name = str(fields.get("name") or "").strip()
        if not name:
            raise UsageError("a customer needs a name")
        self._require_git()
        rid = self.ws.new_id(name)
        order = self.ws.schema.order
        keys = sorted(fields, key=lambda k: order.index(k) if k in order else len(order))
        text = MODELINE + "".join(
            render_entry(k, fields[k], 0, 2, '"' if k in QUOTED_FIELDS else None) for k in keys if fields[k] not in (None, "", [])
        )
        relpath = f"records/{rid}.yaml"
        record = Record(rid, self.ws.record_path(rid), relpath, text, "", None, [])
        self.ws.records_dir.mkdir(exist_ok=True)
        return self._land(record, text, f"{rid}: new customer {short(name)} ({fields.get('country', '?')})")

    def replace_text(self, rid: str, new_text: str, expected_digest: str, message: str | None = None) -> Change:
        """Land a whole new text for a record (an editor session); refuses a stale base."""
        record = self.read(rid)
        if record.digest != expected_digest:
            raise StaleWrite(record.relpath, new_text)
        if new_text == record.text:
            raise NothingToChange(f"{rid}: nothing to change")
        if message is None:
            try:
                new_data, _ = parse(new_text)
            except YamlProblem:
                new_data = None
            changed = _changed_keys(record.data or {}, new_data if isinstance(new_data, dict) else {})
            message = "edit " + (", ".join(changed) if changed else "formatting")
        _, problems = check_text(self.ws.schema, record.relpath, new_text)
        if problems:
            raise InvalidRecord(problems, new_text)
        return self._land(record, new_text, f"{rid}: {message}")

    def delete(self, rid: str, expected_digest: str | None = None) -> Change:
        """Delete a record as a commit, so history can bring it back."""
        self._require_git()
        record = self.read(rid)
        if expected_digest is not None and record.digest != expected_digest:
            raise StaleWrite(record.relpath, record.text or "")
        name = (record.data or {}).get("name", rid)
        record.path.unlink()
        message = f"{rid}: delete customer {short(name)}"
        tracked = self.git.run("ls-files", "--error-unmatch", "--", record.relpath, check=False).returncode == 0
        if not tracked:
            return Change(rid, message, "")
        return Change(rid, message, self.git.commit([record.relpath], message))


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


def _changed_keys(old: dict, new: dict) -> list[str]:
    return [k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]


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

