"""The field-level merge of a customer record: what git's `merge=crm` driver does.

Three versions of one record (base, ours, theirs) are merged as data, then "ours" text is edited in
place into the merged data, so the result keeps ours' formatting and comments and only the lines the
other side changed move:
- edits to different fields merge cleanly;
- log entries, orders and contacts (and plain lists such as tags) are unioned by identity, new items
  go in date order, removals on one side are honoured;
- when both sides set the same field differently, ours stays in place and theirs is kept in the
  `conflicts:` block (see conflicts.py), which is valid YAML and allowed by the schema.
A side that cannot be parsed is not ours to merge: `Unmergeable`, and the driver falls back to git's
text merge (the loader then reports the markers).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.core import clock
from tui.core import conflicts as cf
from tui.core.yamledit import EditError, append_value, delete_value, render_entry, render_item, set_value
from tui.core.yamlparse import YamlProblem, parse

DRIVER_NAME = "crm field-level merge of customer records"
ATTRIBUTE = "records/*.yaml merge=crm"
DATE_KEYS = {"log": "on", "orders": "date", cf.KEY: "on"}

_MISSING = object()


class Unmergeable(ValueError):
    """One side is not a record we can merge as data (it does not parse, or is not a mapping)."""


@dataclass
class MergeResult:
    text: str
    data: dict
    conflicts: list[dict] = field(default_factory=list)  # the entries this merge added

    @property
    def clean(self) -> bool:
        return not self.conflicts


# ------------------------------------------------------------------ identity


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return (type(value).__name__, value)


def identity(key: str, item: Any) -> Any:
    """What makes two list items "the same one" (DESIGN.md): touches by date and content, orders by
    ref, contacts by email; anything else by its whole value."""
    if isinstance(item, dict):
        if key == "log":
            return ("log", _freeze(item.get("on")), item.get("by"), item.get("via"), " ".join(str(item.get("note") or "").split()))
        if key == "orders":
            if item.get("ref"):
                return ("ref", str(item["ref"]))
            return ("order", _freeze(item.get("date")), _freeze(item.get("amount")), item.get("currency"))
        if key == "contacts":
            if item.get("email"):
                return ("email", str(item["email"]).casefold())
            return ("name", " ".join(str(item.get("name") or "").split()).casefold())
        if key == cf.KEY:
            return ("conflict", item.get("field"), _freeze(item.get("value")), item.get("by"))
    return _freeze(item)


def _keyed(key: str, items: list) -> dict:
    """identity (numbered when repeated) -> item, in list order."""
    out: dict = {}
    seen: dict = {}
    for item in items:
        ident = identity(key, item)
        n = seen.get(ident, 0)
        seen[ident] = n + 1
        out[(ident, n)] = item
    return out


# ------------------------------------------------------------------ merging data


class _Merger:
    def __init__(self, by: str | None, on: dt.date | None):
        self.by = by
        self.on = on
        self.found: list[tuple[tuple, Any, Any]] = []  # (path, holder, their value); holder pins list items

    def conflict(self, path: tuple, theirs: Any) -> None:
        self.found.append((path, None, None if theirs is _MISSING else theirs))

    def value(self, path: tuple, b: Any, o: Any, t: Any) -> Any:
        """3-way merge of one value; _MISSING stands for an absent key."""
        if _same(o, t) or _same(t, b):
            return o
        if _same(o, b):
            return t
        if isinstance(o, dict) and isinstance(t, dict):
            return self.mapping(path, b if isinstance(b, dict) else {}, o, t)
        if isinstance(o, list) and isinstance(t, list) and (b is _MISSING or b is None or isinstance(b, list)):
            return self.sequence(path, b if isinstance(b, list) else [], o, t)
        self.conflict(path, t)
        return o

    def mapping(self, path: tuple, b: dict, o: dict, t: dict) -> dict:
        out = {}
        for key in [*o, *(k for k in t if k not in o)]:
            merged = self.value((*path, key), b.get(key, _MISSING), o.get(key, _MISSING), t.get(key, _MISSING))
            if merged is not _MISSING:
                out[key] = merged
        return out

    def sequence(self, path: tuple, b: list, o: list, t: list) -> list:
        key = str(path[-1]) if path else ""
        B, O, T = _keyed(key, b), _keyed(key, o), _keyed(key, t)
        out = []
        for ident, item in O.items():
            if ident not in T and ident in B and _same(item, B[ident]):
                continue  # they removed it, we left it alone
            if ident in T and not _same(item, T[ident]):
                before = len(self.found)
                item = self._item(B.get(ident, _MISSING), item, T[ident])
                self._pin(before, item)
            out.append(item)
        date_key = DATE_KEYS.get(key)
        for ident, item in T.items():
            if ident in O or (ident in B and _same(item, B[ident])):
                continue  # already there, or we removed it and they left it alone
            out.insert(_date_slot(out, item, date_key), item)
        return out

    def _item(self, b: Any, o: Any, t: Any) -> Any:
        if isinstance(o, dict) and isinstance(t, dict):
            return self.mapping((), b if isinstance(b, dict) else {}, o, t)
        return o

    def _pin(self, before: int, item: Any) -> None:
        # Paths inside a list item are known only once the list is in its final order.
        for i in range(before, len(self.found)):
            path, holder, value = self.found[i]
            if holder is None:
                self.found[i] = (path, item, value)

    def entries(self, merged: dict) -> list[dict]:
        out = []
        for path, holder, value in self.found:
            if holder is not None:
                path = _locate(merged, holder) + path
            entry = {"field": ".".join(map(str, path)), "value": value}
            if self.by:
                entry["by"] = self.by
            if self.on:
                entry["on"] = self.on
            out.append(entry)
        return out


def _same(a: Any, b: Any) -> bool:
    if a is _MISSING or b is _MISSING:
        return a is b
    return type(a) is type(b) and a == b if not isinstance(a, (dict, list)) else _freeze(a) == _freeze(b)


def _date_slot(items: list, item: Any, date_key: str | None) -> int:
    """Where a new item goes: after the last item dated on or before it (else at the end)."""
    when = item.get(date_key) if date_key and isinstance(item, dict) else None
    if not isinstance(when, dt.date):
        return len(items)
    for i in range(len(items) - 1, -1, -1):
        other = items[i].get(date_key) if isinstance(items[i], dict) else None
        if isinstance(other, dt.date) and other <= when:
            return i + 1
    dated = [i for i, x in enumerate(items) if isinstance(x, dict) and isinstance(x.get(date_key), dt.date)]
    return dated[0] if dated else len(items)


def _locate(data: Any, holder: Any, path: tuple = ()) -> tuple:
    if data is holder:
        return path
    children = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for step, child in children:
        if isinstance(child, (dict, list)):
            found = _locate(child, holder, (*path, step))
            if found is not None:
                return found
    return None  # type: ignore[return-value]


def merge_data(base: dict, ours: dict, theirs: dict, by: str | None = None, on: dt.date | None = None) -> tuple[dict, list[dict]]:
    """The merged record and the conflict entries it needs (already included in its `conflicts`)."""
    merger = _Merger(by, on)
    merged = merger.mapping((), base, ours, theirs)
    added = merger.entries(merged)
    existing = merged.get(cf.KEY)
    block = list(existing) if isinstance(existing, list) else []
    known = {identity(cf.KEY, e) for e in block}
    fresh = [e for e in added if identity(cf.KEY, e) not in known]
    if fresh:
        merged.pop(cf.KEY, None)  # the block goes last, where people look for it
        merged[cf.KEY] = block + fresh
    return merged, fresh


# ------------------------------------------------------------------ editing ours' text into the result


def load(text: str, side: str) -> dict:
    """A side's data; an empty text (no base: both sides added the file) is an empty record."""
    if not text.strip():
        return {}
    try:
        data, _ = parse(text)
    except YamlProblem as exc:
        raise Unmergeable(f"{side}: line {exc.line} column {exc.col}: {exc.message}") from None
    if not isinstance(data, dict):
        raise Unmergeable(f"{side}: not a mapping of fields")
    return data


def merge_texts(base: str, ours: str, theirs: str, by: str | None = None, on: dt.date | None = None) -> MergeResult:
    """Merge three versions of a record's text; raises Unmergeable when one does not parse."""
    b, o, t = load(base, "base"), load(ours, "ours"), load(theirs, "theirs")
    merged, added = merge_data(b, o, t, by, on)
    return MergeResult(rewrite(ours, o, merged, t), merged, added)


def rewrite(text: str, old: dict, new: dict, hint: dict | None = None) -> str:
    """Edit `text` (whose data is `old`) until it holds `new`, touching as few lines as it can.
    `hint`: a version whose key order places keys that are new here."""
    if _same(old, new):
        return text
    try:
        out = _rewrite_map(text, (), old, new, hint or {})
        if _same(parse(out)[0], new):
            return out
    except (EditError, YamlProblem, KeyError, IndexError, TypeError):
        pass
    return _render_whole(text, new)


def _rewrite_map(text: str, path: tuple, old: dict, new: dict, hint: dict) -> str:
    for key in [k for k in old if k not in new]:
        text = delete_value(text, (*path, key))
    hint_keys = list(hint) if isinstance(hint, dict) else []
    for key, value in new.items():
        if key not in old:
            if key == cf.KEY and not path:
                after: tuple = ()
            else:
                before = hint_keys[: hint_keys.index(key)] if key in hint_keys else list(new)[: list(new).index(key)]
                after = tuple(reversed([k for k in before if k in old or k in new]))
            text = set_value(text, (*path, key), value, after=after)
        elif not _same(old[key], value):
            text = _rewrite_value(text, (*path, key), old[key], value, hint.get(key) if isinstance(hint, dict) else None)
    return text


def _rewrite_value(text: str, path: tuple, old: Any, new: Any, hint: Any) -> str:
    try:
        if isinstance(old, dict) and isinstance(new, dict) and old and new:
            return _rewrite_map(text, path, old, new, hint if isinstance(hint, dict) else {})
        if isinstance(old, list) and isinstance(new, list) and old and new:
            return _rewrite_list(text, path, old, new)
    except EditError:
        pass
    return set_value(text, path, new)


def _rewrite_list(text: str, path: tuple, old: list, new: list) -> str:
    key = str(path[-1])
    O, N = _keyed(key, old), _keyed(key, new)
    for i in range(len(old) - 1, -1, -1):
        if list(O)[i] not in N:
            text = delete_value(text, (*path, i))
    kept = [ident for ident in O if ident in N]
    if [ident for ident in N if ident in O] != kept:
        raise EditError("the kept items changed order")
    current = [O[ident] for ident in kept]
    for i, ident in enumerate(N):
        item = N[ident]
        if ident in O:
            if not _same(current[i], item):
                text = _rewrite_value(text, (*path, i), current[i], item, None)
                current[i] = item
            continue
        if i == len(current):
            text = append_value(text, path, item)
        else:
            text = insert_item(text, path, i, item)
        current.insert(i, item)
    return text


def insert_item(text: str, path: tuple, index: int, item: Any) -> str:
    """Insert `item` before the item at `index` of the block sequence at `path`."""
    data, root = parse(text, track=True)
    node = root
    for step in path:
        node = node.child(step) if node is not None else None
    if node is None or node.kind != "seq" or node.flow or not (0 <= index < len(node.items)):
        raise EditError(f"cannot insert into {'.'.join(map(str, path))} in place")
    target = node.items[index]
    start = text.rfind("\n", 0, target.start) + 1
    dash = text.find("-", start)
    if dash < 0 or text[start:dash].strip():
        raise EditError(f"cannot insert into {'.'.join(map(str, path))} in place")
    offset = target.col - (dash - start) if isinstance(item, dict) and target.kind == "map" else 2
    rendered = render_item(item, dash - start, 2)
    if offset != 2 and isinstance(item, dict):
        lines = "".join(render_entry(k, v, dash - start + offset) for k, v in item.items())
        rendered = " " * (dash - start) + "-" + " " * (offset - 1) + lines[dash - start + offset :]
    out = text[:start] + rendered + text[start:]
    expected = data
    for step in path:
        expected = expected[step]
    expected.insert(index, item)
    if not _same(parse(out)[0], data):
        raise EditError("inserting in place would not give the intended data")
    return out


def _render_whole(text: str, data: dict) -> str:
    """Last resort: the leading comments of ours, then the merged record rendered afresh."""
    head = []
    for line in text.splitlines(keepends=True):
        if line.startswith("#") or not line.strip():
            head.append(line)
        else:
            break
    return "".join(head) + "".join(render_entry(k, v, 0, 2, '"' if k == "country" else None) for k, v in data.items())


# ------------------------------------------------------------------ the git driver


def driver_command() -> str:
    """The command git runs for `merge=crm`. Git runs it in the work tree, so nothing in it may depend
    on the current folder: a plain `python -m tui` puts that folder first on sys.path, and a `tui/` (or
    `yaml/`, `rich/`, `sitecustomize.py`, ...) committed to the repository would be imported instead of
    the installed code: one push could run code in every teammate's clone. So:
    - this interpreter by absolute path (the venv crm runs in, even when git is run from outside it);
    - `-I`, isolated mode: the current folder is not on sys.path, PYTHON* variables and the user site
      are ignored;
    - the folder the running `tui` package was imported from, by absolute path, added back only when
      isolation left it out (a `pip install --user` or `--target` install); editable installs and
      venvs are found through site-packages as usual.
    """
    home = str(Path(__file__).resolve().parent.parent.parent)
    code = f"import sys, site; d = {json.dumps(home)}; d in sys.path or site.addsitedir(d); from tui.cli import main; sys.exit(main(sys.argv[1:]))"
    return f"{shlex.quote(interpreter())} -I -c {shlex.quote(code)} merge-driver %O %A %B %P"


def interpreter() -> str:
    """This interpreter's path, one spelling of it: `crm` runs as bin/python3 (its shebang), `python -m
    tui` as bin/python, and the registration must not flip between them. The versioned name in the same
    folder, when it is the same file; never a resolved symlink (that would leave the venv)."""
    exe = sys.executable
    versioned = Path(exe).with_name(f"python{sys.version_info.major}.{sys.version_info.minor}")
    try:
        if versioned.is_file() and os.path.samefile(versioned, exe):
            return str(versioned)
    except OSError:
        pass
    return exe


def ensure_driver(root: Path) -> bool:
    """Register the merge driver in this clone's .git/config (and name it in .git/info/attributes, so
    it applies even where .gitattributes lacks the line). Idempotent: any `merge.crm.driver` that is not
    exactly ours (an older, unsafe `python -m tui ...`, another interpreter, a second value) is
    replaced. True when something was written."""
    from tui.core.gitrepo import Git

    git = Git(Path(root))
    if not git.is_repo():
        return False
    git_dir = git.common_dir()  # config and info/attributes are shared by a repository's worktrees
    command = driver_command()
    wrote = False
    ours = _local_section(git)
    for key, value in (("merge.crm.driver", command), ("merge.crm.name", DRIVER_NAME)):
        if ours.get(key) != [value]:
            git.run("config", "--local", "--replace-all", key, value, check=False)
            wrote = True
    attributes = git_dir / "info" / "attributes"
    try:
        existing = attributes.read_text(encoding="utf-8") if attributes.exists() else ""
        if ATTRIBUTE not in existing.splitlines():
            attributes.parent.mkdir(parents=True, exist_ok=True)
            sep = "\n" if existing and not existing.endswith("\n") else ""
            attributes.write_text(existing + sep + ATTRIBUTE + "\n", encoding="utf-8")
            wrote = True
    except OSError:
        pass  # the committed .gitattributes still names the driver
    return wrote


def _local_section(git) -> dict[str, list[str]]:
    """Every `merge.crm.*` value in this clone's own config, as git reads it (one git call)."""
    proc = git.run("config", "--local", "--null", "--get-regexp", r"^merge\.crm\.", check=False)
    out: dict[str, list[str]] = {}
    for item in proc.stdout.split("\0") if proc.returncode == 0 else ():
        key, _, value = item.partition("\n")
        if key:
            out.setdefault(key.lower(), []).append(value)
    return out


def _other_side(git_dir: Path | None, pathname: str) -> tuple[str | None, dt.date | None]:
    """Who made "theirs" and when (its author date): the commit being replayed (rebase, cherry-pick)
    or merged; (None, None) when git does not say."""
    from tui.core.gitrepo import Git

    if git_dir is None:
        return None, None
    commit = None
    done = git_dir / "rebase-merge" / "done"
    if done.is_file():
        lines = [ln.split() for ln in done.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip() and not ln.startswith("#")]
        picks = [ln for ln in lines if len(ln) > 1 and ln[0] in ("pick", "p", "reword", "r", "edit", "e", "squash", "s", "fixup", "f")]
        if picks:
            commit = picks[-1][1]
    if commit is None:  # `git merge` names the other side in GITHEAD_<sha>=<branch>
        heads = [k[8:] for k in os.environ if k.startswith("GITHEAD_") and len(k) >= 48]
        head = (git_dir / "HEAD").read_text().strip() if (git_dir / "HEAD").is_file() else ""
        theirs = [h for h in heads if h not in head]
        if len(theirs) == 1:
            commit = theirs[0]
    for name in ("CHERRY_PICK_HEAD", "MERGE_HEAD", "REVERT_HEAD"):
        if commit is None and (git_dir / name).is_file():
            commit = name
    if commit is None:
        return None, None
    args = ["log", "-1", "--format=%ae%x00%as", commit]
    if commit == "MERGE_HEAD" or (commit and len(commit) == 40 and not done.is_file()):
        args += ["--", pathname]
    proc = Git(Path.cwd()).run(*args, check=False)
    email, _, day = proc.stdout.strip().partition("\0")
    try:
        when = dt.date.fromisoformat(day) if day else None
    except ValueError:
        when = None
    return (email or None), when


def is_record_path(pathname: str) -> bool:
    """records/<name>.yaml, directly in records/ (what ATTRIBUTE names)."""
    head, _, name = pathname.replace("\\", "/").partition("/")
    return head == "records" and "/" not in name and name.endswith(".yaml") and len(name) > 5


def run_driver(base_path: str, ours_path: str, theirs_path: str, pathname: str) -> int:
    """What `crm merge-driver %O %A %B %P` does: write the merge into %A; 0 when it is clean (a
    conflicts block counts as clean: it is valid and flagged), non-zero after a text-merge fallback."""
    paths = [Path(base_path), Path(ours_path), Path(theirs_path)]
    if pathname and not is_record_path(pathname):
        # Only records are ours to merge as data; a .gitattributes that routes other files here
        # (schema.yaml, code) gets git's own line merge, as if the driver were not there.
        return _text_merge(base_path, ours_path, theirs_path)
    try:
        base, ours, theirs = (p.read_bytes().decode("utf-8") for p in paths)
        from tui.core.gitrepo import Git

        here = Git(Path.cwd())  # the rebase or merge in progress is this work tree's own state
        by, on = _other_side(here.git_dir() if here.is_repo() else None, pathname)
        result = merge_texts(base, ours, theirs, by, on or clock.today())
    except (Unmergeable, UnicodeDecodeError, OSError) as exc:
        print(f"crm: {pathname}: {exc}; falling back to git's line merge", file=sys.stderr)
        return _text_merge(base_path, ours_path, theirs_path)
    except Exception as exc:  # a bug of ours must not cost a merge: git's line merge still runs
        print(f"crm: {pathname}: field-level merge failed ({exc!r}); falling back to git's line merge", file=sys.stderr)
        return _text_merge(base_path, ours_path, theirs_path)
    tmp = paths[1].with_name(paths[1].name + ".crm-merge")
    tmp.write_text(result.text, encoding="utf-8")
    os.replace(tmp, paths[1])
    if result.conflicts:
        fields = ", ".join(e["field"] for e in result.conflicts)
        print(f"crm: {pathname}: both sides changed {fields}; kept both in its conflicts block", file=sys.stderr)
    return 0


def _text_merge(base_path: str, ours_path: str, theirs_path: str) -> int:
    import subprocess

    proc = subprocess.run(
        ["git", "merge-file", "-L", "ours (fix this record by hand, then git add it)", "-L", "base", "-L", "theirs",
         ours_path, base_path, theirs_path],
        capture_output=True,
    )
    return 1 if proc.returncode != 0 else 0


def dumps(entries: list[dict]) -> str:
    return json.dumps(entries, default=str, ensure_ascii=False)
