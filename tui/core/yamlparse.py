"""A safe, strict YAML reader for customer records.

Built on libyaml's event stream (no recursive composer, so deep nesting cannot crash the process) and
our own constructor, which:
- rejects what a record never needs: anchors, aliases, tags, directives, several documents, complex
  keys, duplicate keys, nesting deeper than MAX_DEPTH, files over MAX_BYTES;
- resolves plain scalars the YAML 1.2 way, stricter still: only `true`/`false` are booleans (`NO`, `on`
  stay strings), numbers have no leading zeros (`0150` stays a string), there are no sexagesimals
  (`12:30` stays a string); `YYYY-MM-DD` is a date, and an impossible one is an error at its position;
- optionally keeps a tree of source positions (`Node`) used to map validation errors to lines and to
  edit the text in place.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 20
MAX_DIGITS = 100  # Python refuses to read integers of more than 4300 digits; a record never needs 100

_INT = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?\Z")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})


class YamlProblem(ValueError):
    """Why a text is not an acceptable record, at a 1-based line and column."""

    def __init__(self, message: str, line: int = 1, col: int = 1):
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


@dataclass(eq=False)
class Node:
    """Where a value sits in the text. Indexes are character offsets into the parsed string."""

    kind: str  # "map", "seq" or "scalar"
    start: int
    end: int
    line: int  # 0-based, as libyaml counts
    col: int
    flow: bool = False
    style: str | None = None  # scalars: None (plain), "'", '"', "|" or ">"
    # map: list of (key node, value node); seq: list of value nodes
    items: list = field(default_factory=list)
    key_start: int = -1  # for a mapping value: where its key starts

    def child(self, step: str | int) -> Node | None:
        if self.kind == "map":
            for key, value in self.items:
                if key.text == step:
                    return value
            return None
        if self.kind == "seq" and isinstance(step, int) and -len(self.items) <= step < len(self.items):
            return self.items[step]
        return None


@dataclass(eq=False)
class KeyNode:
    text: str
    start: int
    end: int
    line: int
    col: int


def resolve_plain(value: str) -> Any:
    """The value a plain (unquoted) scalar stands for; raises ValueError for an impossible date or a number
    that is not a finite float or has more digits than a record needs."""
    if value in _NULL:
        return None
    first = value[0]
    if first in "tTfF":
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        return value
    if first.isdigit() or first == "-":
        if _INT.match(value):
            if len(value) > MAX_DIGITS:
                raise ValueError(f"number {_short(value)} has more than {MAX_DIGITS} digits; quote it if it is text")
            return int(value)
        if _FLOAT.match(value):
            number = float(value)
            if not math.isfinite(number):
                raise ValueError(f"number {_short(value)} is too large; quote it if it is text")
            return number
        m = _DATE.match(value)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError as exc:
                raise ValueError(f"impossible date {value!r}: {exc}") from None
    return value


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mark(mark) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


_DISCARD = object()  # the key of a value that is read but not kept (a duplicate key, with `problems`)


def parse(text: str, *, track: bool = False, problems: list[YamlProblem] | None = None) -> tuple[Any, Node | None]:
    """Parse one record's text; returns (data, position tree or None). Raises YamlProblem.

    With a `problems` list, what spoils only one value (an impossible date, a duplicate key, an anchor,
    alias or tag, a number out of range) is appended there and parsing goes on, so that every such problem
    of a file is reported at once: the value is kept as its text (a duplicate key's value is dropped, an
    alias reads as null). Without it the first problem is raised. Problems that leave no sound document
    (syntax errors, nesting too deep, several documents) are always raised."""
    if len(text) > MAX_BYTES:
        raise YamlProblem(f"file is larger than {MAX_BYTES // 1024} KiB; a record never needs that")
    # libyaml skips a leading byte order mark without counting it in its offsets; ours index `text`.
    shift = 1 if text.startswith("\ufeff") else 0

    def soft(message: str, mark) -> None:
        if problems is None:
            raise YamlProblem(message, *_mark(mark))
        problems.append(YamlProblem(message, *_mark(mark)))

    stack: list[list] = []  # frames: [container, node, pending key or None, key node]
    root: Any = None
    root_node: Node | None = None
    documents = 0
    loader = _Loader(text)
    try:
        while True:
            ev = loader.get_event()
            if ev is None:
                break
            cls = type(ev)
            if cls is yaml.ScalarEvent or cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
                tagged = False
                if ev.anchor is not None:
                    soft("anchors (&name) are not allowed in a record", ev.start_mark)
                if ev.tag is not None:
                    soft(f"tags ({_short(ev.tag)}) are not allowed in a record", ev.start_mark)
                    tagged = True
                if cls is yaml.ScalarEvent:
                    style = ev.style or None  # libyaml says '' for plain, the pure-Python parser None
                    if stack and isinstance(stack[-1][0], dict) and stack[-1][2] is None:
                        # A mapping key: always a string, never resolved.
                        frame = stack[-1]
                        key = ev.value
                        if key in frame[0]:
                            soft(f"duplicate key {_short(key, 60)!r}", ev.start_mark)
                            frame[2] = _DISCARD
                            continue
                        frame[2] = key
                        if track:
                            sm = ev.start_mark
                            frame[3] = KeyNode(key, sm.index + shift, ev.end_mark.index + shift, sm.line, sm.column)
                        continue
                    value = ev.value
                    if style is None and not tagged:
                        try:
                            value = resolve_plain(ev.value)
                        except ValueError as exc:
                            soft(str(exc), ev.start_mark)
                    node = None
                    if track:
                        sm = ev.start_mark
                        node = Node("scalar", sm.index + shift, ev.end_mark.index + shift, sm.line, sm.column, style=style)
                    root, root_node = _attach(stack, value, node, root, root_node)
                else:
                    if len(stack) >= MAX_DEPTH:
                        raise YamlProblem(f"nested deeper than {MAX_DEPTH} levels", *_mark(ev.start_mark))
                    if stack and isinstance(stack[-1][0], dict) and stack[-1][2] is None:
                        raise YamlProblem("mapping keys must be plain text", *_mark(ev.start_mark))
                    container: Any = {} if cls is yaml.MappingStartEvent else []
                    node = None
                    if track:
                        sm = ev.start_mark
                        node = Node(
                            "map" if cls is yaml.MappingStartEvent else "seq",
                            sm.index + shift, sm.index + shift, sm.line, sm.column, flow=bool(ev.flow_style),
                        )
                    root, root_node = _attach(stack, container, node, root, root_node)
                    stack.append([container, node, None, None])
            elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
                frame = stack.pop()
                node = frame[1]
                if node is not None:
                    if node.flow:
                        node.end = ev.end_mark.index + shift
                    elif node.items:
                        last = node.items[-1]
                        node.end = (last[1] if node.kind == "map" else last).end
            elif cls is yaml.AliasEvent:
                soft("aliases (*name) are not allowed in a record", ev.start_mark)
                node = None
                if track:
                    sm = ev.start_mark
                    node = Node("scalar", sm.index + shift, ev.end_mark.index + shift, sm.line, sm.column)
                root, root_node = _attach(stack, None, node, root, root_node)
            elif cls is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise YamlProblem("only one YAML document is allowed per record", *_mark(ev.start_mark))
                if ev.version is not None or ev.tags:
                    soft("YAML directives (%YAML, %TAG) are not allowed in a record", ev.start_mark)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        deep = _too_deep(text, mark.index if mark is not None else len(text))
        if deep is not None:
            raise YamlProblem(f"nested deeper than {MAX_DEPTH} levels", *deep) from None
        message = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            message = f"{exc.problem} ({exc.context})"
        raise YamlProblem(message, *_mark(mark)) from None
    except yaml.reader.ReaderError as exc:
        line, col = _position(text, exc.position)
        raise YamlProblem(
            f"character {_codepoint(exc.character)} is not allowed in YAML text; remove it, or write it as an "
            f"escape (\\x{_code(exc.character):02x}) inside double quotes", line, col,
        ) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(str(exc)) from None
    finally:
        loader.dispose()
    return root, root_node


def _code(character) -> int:
    return character if isinstance(character, int) else ord(character)


def _codepoint(character) -> str:
    return f"U+{_code(character):04X}"


def _position(text: str, offset: int) -> tuple[int, int]:
    """The 1-based (line, col) of a reader error's offset (libyaml counts UTF-8 bytes, PyYAML characters)."""
    if _Loader is not yaml.SafeLoader:
        offset = len(text.encode("utf-8")[:offset].decode("utf-8", errors="ignore"))
    before = text[:offset]
    line = before.count("\n") + 1
    col = offset - (before.rfind("\n") + 1) + 1
    if line == 1 and text.startswith("\ufeff"):
        col = max(1, col - 1)
    return line, col


def _too_deep(text: str, upto: int) -> tuple[int, int] | None:
    """Where flow collections ([ or {) first nest deeper than MAX_DEPTH before `upto`, if they do.

    libyaml's scanner reads ahead and stops at its own nesting limit before our parser sees the events,
    so a syntax error there is checked for this first. Quoted text and comments are skipped."""
    depth = 0
    line, col = 1, 0
    quote = ""
    comment = False
    for i, ch in enumerate(text[: upto + 1]):
        col += 1
        if ch == "\n":
            line, col, comment = line + 1, 0, False
            continue
        if comment:
            continue
        if quote:
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1] in " \t"):
            comment = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line, col
        elif ch in "]}":
            depth = max(0, depth - 1)
    return None


def _attach(stack, value, node, root, root_node):
    if not stack:
        return value, node
    frame = stack[-1]
    container = frame[0]
    if isinstance(container, dict):
        if frame[2] is _DISCARD:
            frame[2] = None
            return root, root_node
        container[frame[2]] = value
        if node is not None:
            key = frame[3]
            node.key_start = key.start
            frame[1].items.append((key, node))
        frame[2] = None
    else:
        container.append(value)
        if node is not None:
            frame[1].items.append(node)
    return root, root_node


def locate(root: Node | None, path: tuple) -> tuple[int, int]:
    """The 1-based (line, col) of the value at `path`, or of its nearest existing ancestor."""
    node = root
    best = (1, 1) if root is None else (root.line + 1, root.col + 1)
    for step in path:
        if node is None:
            break
        nxt = node.child(step)
        if nxt is None:
            break
        node = nxt
        best = (node.line + 1, node.col + 1)
    return best
