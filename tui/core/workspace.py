"""Where a workspace is, and its paths: schema.yaml, records/<id>.yaml, the cache folder."""

from __future__ import annotations

import os
import re
import secrets
from functools import cached_property
from pathlib import Path

from tui.core.errors import CrmError, NotFound, UsageError
from tui.core.romanize import romanize
from tui.core.schema import Schema

ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
_SUFFIX_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: ids are read aloud


def link_problem(relpath: str) -> str:
    return (f"{relpath} is a symbolic link; crm does not follow links (one could point outside the workspace): "
            "replace it with the file itself")


class Workspace:
    """A folder with schema.yaml and records/ (normally a git repository)."""

    def __init__(self, root: Path | str):
        self.root = Path(root).resolve()
        self.records_dir = self.root / "records"
        self.schema_path = self.root / "schema.yaml"

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r})"

    @classmethod
    def find(cls, explicit: str | os.PathLike | None = None, start: Path | None = None) -> Workspace:
        """--workspace PATH, else $CRM_WORKSPACE, else the current folder or the nearest parent."""
        given = explicit or os.environ.get("CRM_WORKSPACE")
        if given:
            ws = cls(Path(given).expanduser())
            if (ws.root / "HEAD").is_file() and (ws.root / "objects").is_dir() and not ws.schema_path.is_file():
                raise NotFound(f"{ws.root} is a bare git repository (it has no files to edit); clone it with "
                               f"`git clone {ws.root} FOLDER` and work in the clone")
            if not ws.schema_path.is_file():
                raise NotFound(f"{ws.root} is not a crm workspace (no schema.yaml); run `crm init {given}`")
            return ws
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / "schema.yaml").is_file() and (folder / "records").is_dir():
                return cls(folder)
        raise NotFound(
            f"no crm workspace in {here} or its parents (looked for schema.yaml and records/); "
            "run `crm init`, pass --workspace PATH, set CRM_WORKSPACE, or try `crm demo`"
        )

    @cached_property
    def schema(self) -> Schema:
        return Schema(self.schema_path)

    @property
    def rules(self):
        return self.schema.rules

    def record_path(self, rid: str) -> Path:
        if not ID_PATTERN.match(rid):
            raise UsageError(f"{rid!r} is not a record id (lower-case letters, digits and dashes)")
        return self.records_dir / f"{rid}.yaml"

    def relpath(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def record_files(self) -> list[os.DirEntry]:
        """records/*.yaml, without hidden files (editors' temporaries, our own edit copies).

        Symbolic links are listed too, never followed: reading one reports it as a problem (LINK_PROBLEM)."""
        try:
            with os.scandir(self.records_dir) as it:
                return [
                    e for e in it
                    if e.name.endswith(".yaml") and not e.name.startswith(".")
                    and (e.is_symlink() or e.is_file(follow_symlinks=False))
                ]
        except FileNotFoundError:
            raise NotFound(f"{self.records_dir} does not exist; run `crm init {self.root}`") from None

    def ids(self) -> list[str]:
        return sorted(e.name[:-5] for e in self.record_files())

    def exists(self, rid: str) -> bool:
        path = self.record_path(rid)
        return path.is_symlink() or path.is_file()

    def require(self, rid: str) -> Path:
        """The path of an existing record; a CrmError for a symbolic link (never followed, never written)."""
        path = self.record_path(rid)
        if path.is_symlink():
            raise CrmError(link_problem(f"records/{rid}.yaml"))
        if not path.is_file():
            raise NotFound(f"no customer {rid!r} in {self.relpath(self.records_dir)}/; `crm list` shows the ids")
        return path

    @cached_property
    def state_dir(self) -> Path:
        """Where derived state (caches, indexes) lives: inside .git, else the user's cache folder."""
        git = self.root / ".git"
        if git.is_dir():
            return git / "crm"
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        import hashlib

        return base / "crm" / hashlib.blake2b(str(self.root).encode(), digest_size=8).hexdigest()

    def new_id(self, name: str) -> str:
        """An id made once from the name plus a short random suffix: never collides, never changes."""
        base = slug(name)
        while True:
            rid = f"{base}-{''.join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(4))}"
            if not self.record_path(rid).exists():
                return rid


def slug(name: str, words: int = 3, limit: int = 32) -> str:
    """'Müller Lichttechnik GmbH' -> 'mueller-lichttechnik-gmbh', '东莞灯具' -> 'dongguan-dengju',
    'Москва Свет' -> 'moskva-svet'; a name with no letters to spell -> 'customer'."""
    text = romanize(name).lower()
    parts = [p for p in re.split(r"[^a-z0-9]+", text) if p][:words]
    out = "-".join(parts)[:limit].strip("-")
    return out or "customer"
