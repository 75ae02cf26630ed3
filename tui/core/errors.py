"""Problems found in the user's files, and the errors the core raises."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a file, at a 1-based line and column."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class CrmError(Exception):
    """An error with a message meant for the user: what went wrong and what to do next."""

    exit_code = 1


class UsageError(CrmError):
    """The user asked for something that does not make sense (exit code 2)."""

    exit_code = 2


class PastDue(UsageError):
    """A touch's due date is before today: refused unless the user confirms it."""


class NothingToChange(CrmError):
    """The change asked for is already so (exit code 0: scripts may repeat themselves)."""

    exit_code = 0


class NotFound(CrmError):
    """No such workspace or record."""


class InvalidRecord(CrmError):
    """A change would leave a record invalid; nothing was written."""

    def __init__(self, problems: list[Problem], text: str | None = None, summary: str | None = None):
        self.problems = problems
        self.text = text
        self.summary = summary or "nothing was written: the change would leave the record invalid"
        super().__init__("\n".join(str(p) for p in problems))


class StaleWrite(CrmError):
    """The file changed on disk since it was read; the user's edit is kept in `text`."""

    def __init__(self, path: str, text: str):
        self.path = path
        self.text = text
        super().__init__(
            f"{path} changed on disk since it was read; nothing was overwritten. "
            "Reload it and apply your change again."
        )


class GitError(CrmError):
    """A git command failed; the message carries git's own words."""
