"""Edit a record's YAML text in place, touching only the lines a change needs.

Rather than load-and-dump (which rewrites the user's formatting), every edit finds the value's span in
the text (from `yamlparse`'s position tree) and splices new text there: setting a scalar changes one
line, appending a log entry adds lines, comments, key order, quoting and flow style elsewhere stay as
the user wrote them. Every result is parsed again and compared with the intended data before it is
returned, so an edit either lands exactly or raises EditError.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from typing import Any

import yaml

from tui.core.yamlparse import KeyNode, Node, parse, resolve_plain

Path = tuple  # of str (mapping keys) and int (sequence indexes)

_FLOW_WIDTH = 100
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
_FLOW_SPECIAL = set(",[]{}")
_yaml11 = yaml.resolver.Resolver()


class EditError(ValueError):
    """The edit cannot be made in place, or did not give the intended data (nothing is written)."""


# ---------------------------------------------------------------- rendering


def _plain_ok(s: str, in_flow: bool) -> bool:
    if not s or s != s.strip() or s[0] in _INDICATORS:
        return False
    if any(ch in s for ch in "\n\r\t") or ": " in s or " #" in s or s.endswith(":"):
        return False
    if not s.isprintable():
        return False
    if in_flow and any(ch in _FLOW_SPECIAL for ch in s):
        return False
    try:
        if resolve_plain(s) != s:  # how our reader (YAML 1.2 rules) reads it
            return False
    except ValueError:
        return False
    # how a YAML 1.1 reader (PyYAML, many editors' tools) reads it: "NO", "on", "0150" need quotes
    return _yaml11.resolve(yaml.ScalarNode, s, (True, False)) == "tag:yaml.org,2002:str"


def render_scalar(value: Any, *, style: str | None = None, in_flow: bool = False) -> str:
    """One-line YAML for a scalar; `style` ("'" or '"') keeps the quoting the user chose."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise EditError(f"cannot write {value!r} to a record")
        text = repr(value)
        return text if resolve_plain(text) == value else json.dumps(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        raise EditError(f"cannot write a {type(value).__name__} as a scalar")
    if style == "'" and "\n" not in value and value.isprintable():
        return "'" + value.replace("'", "''") + "'"
    if style != '"' and _plain_ok(value, in_flow):
        return value
    return _double_quoted(value)


_SIMPLE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
# Characters JSON leaves raw but a YAML stream may not hold raw (or reads as a line break).
_NOT_RAW = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def _double_quoted(text: str) -> str:
    quoted = json.dumps(text, ensure_ascii=False)
    return _NOT_RAW.sub(lambda m: f"\\u{ord(m[0]):04x}", quoted) if _NOT_RAW.search(quoted) else quoted


def render_key(key: str) -> str:
    # Our reader never resolves keys, so `on:` stays the key "on" (as the record format writes it).
    return key if _SIMPLE_KEY.match(key) else _double_quoted(key)


def render_flow(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(render_flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{render_key(k)}: {render_flow(v)}" for k, v in value.items()) + "}"
    return render_scalar(value, in_flow=True)


def _flat(value: Any) -> bool:
    return all(not isinstance(v, (list, dict)) for v in value)


def render_entry(key: str, value: Any, indent: int, seq_offset: int = 2, style: str | None = None) -> str:
    """`key: value` as block YAML at `indent`, ending with a newline."""
    pad = " " * indent
    head = f"{pad}{render_key(key)}:"
    if isinstance(value, str) and "\n" in value:
        return head + " " + _render_literal(value, indent + 2)
    if isinstance(value, list):
        flow = render_flow(value) if _flat(value) else None
        if flow is not None and (not value or len(head) + len(flow) < _FLOW_WIDTH):
            return f"{head} {flow}\n"
        return head + "\n" + "".join(render_item(v, indent + seq_offset, seq_offset) for v in value)
    if isinstance(value, dict):
        if not value:
            return f"{head} {{}}\n"
        return head + "\n" + "".join(render_entry(k, v, indent + 2, seq_offset) for k, v in value.items())
    return f"{head} {render_scalar(value, style=style)}\n"


def render_item(value: Any, indent: int, seq_offset: int = 2) -> str:
    """`- value` as a block sequence item whose dash is at `indent`."""
    pad = " " * indent
    if isinstance(value, dict) and value:
        lines = "".join(render_entry(k, v, indent + 2, seq_offset) for k, v in value.items())
        return pad + "- " + lines[indent + 2:]
    if isinstance(value, list) and value and not _flat(value):
        lines = "".join(render_item(v, indent + 2, seq_offset) for v in value)
        return pad + "- " + lines[indent + 2:]
    if isinstance(value, (list, dict)):
        return f"{pad}- {render_flow(value)}\n"
    if isinstance(value, str) and "\n" in value:
        return f"{pad}- " + _render_literal(value, indent + 2)
    return f"{pad}- {render_scalar(value)}\n"


def _render_literal(value: str, indent: int) -> str:
    if value.endswith("\n\n") or value[:1] in (" ", "\n"):
        return json.dumps(value, ensure_ascii=False) + "\n"
    chomp = "" if value.endswith("\n") else "-"
    pad = " " * indent
    body = "".join((pad + line if line else "") + "\n" for line in value.rstrip("\n").split("\n"))
    return f"|{chomp}\n{body}"


# ---------------------------------------------------------------- text positions


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_after(text: str, index: int) -> int:
    """Index just past the newline that ends the line holding `index`."""
    nl = text.find("\n", index)
    return len(text) if nl < 0 else nl + 1


def _entry_end(text: str, node: Node) -> int:
    """Where the lines of a value end (after its trailing comment and newline). A block scalar's extent
    takes in the blank lines after it; they separate it from what follows, so they stay."""
    if node.kind == "scalar" and node.style in ("|", ">"):
        content = text[node.start : node.end].rstrip(" \n")
        return _line_after(text, node.start + max(len(content) - 1, 0))
    if node.end > 0 and text[node.end - 1] == "\n":
        return node.end
    return _line_after(text, max(node.end - 1, node.start))


def _seq_offset(root: Node) -> int:
    """How far this file indents block sequence dashes under their key (0 or 2, usually)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.kind == "map":
            for key, value in node.items:
                if value.kind == "seq" and not value.flow and value.items:
                    return value.col - key.col
                stack.append(value)
        elif node.kind == "seq":
            stack.extend(node.items)
    return 2


def _walk(root: Node, path: Path) -> Node:
    node = root
    for step in path:
        nxt = node.child(step) if node is not None else None
        if nxt is None:
            raise EditError(f"no value at {_show(path)}")
        node = nxt
    return node


def _show(path: Path) -> str:
    return ".".join(str(p) for p in path) or "(top)"


def _key_of(parent: Node, step: str) -> KeyNode:
    for key, _ in parent.items:
        if key.text == step:
            return key
    raise EditError(f"no key {step!r}")


# ---------------------------------------------------------------- data model of an edit


def _apply(data: Any, op: str, path: Path, value: Any = None) -> Any:
    data = copy.deepcopy(data)
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if op == "set":
        parent[last] = value
    elif op == "delete":
        del parent[last]
    elif op == "append":
        if isinstance(parent, dict) and parent.get(last) is None:
            parent[last] = []
        parent[last].append(value)
    return data


def _checked(old_data: Any, new_text: str, op: str, path: Path, value: Any = None) -> str:
    expected = _apply(old_data, op, path, value)
    got, _ = parse(new_text)
    if got != expected:
        raise EditError(f"editing {_show(path)} in place would not give the intended data")
    return new_text


# ---------------------------------------------------------------- edits


def set_value(text: str, path: Path, value: Any, *, after: tuple[str, ...] = (), style: str | None = None) -> str:
    """Set the value at `path` (creating the last key if absent). `after`: keys the new key may follow,
    in order of preference (else it goes last). `style` forces quoting of a new string scalar."""
    data, root = parse(text, track=True)
    if not path:
        raise EditError("cannot replace the whole record")
    parent = _walk(root, path[:-1])
    last = path[-1]
    node = parent.child(last)
    if node is None:
        if parent.kind != "map" or isinstance(last, int):
            raise EditError(f"no value at {_show(path)}")
        new_text = _insert_key(text, root, parent, last, value, after, style)
    elif node.kind == "scalar" and not isinstance(value, (list, dict)) and (
        node.style in (None, "'", '"') and not (isinstance(value, str) and "\n" in value)
    ):
        new = render_scalar(value, style=style or node.style)
        new_text = text[: node.start] + new + text[node.end :]
    elif node.flow and isinstance(value, (list, dict)) and _flat(value.values() if isinstance(value, dict) else value):
        new_text = text[: node.start] + render_flow(value) + text[node.end :]
    elif parent.kind == "map":
        key = _key_of(parent, last)
        start = _line_start(text, key.start)
        indent = key.start - start
        keep_style = style or (node.style if node.style in ("'", '"') else None)
        entry = render_entry(last, value, indent, _seq_offset(root), keep_style)
        new_text = text[:start] + entry + text[_entry_end(text, node) :]
    else:
        raise EditError(f"cannot set {_show(path)} in place")
    return _checked(data, new_text, "set", path, value)


def _insert_key(text, root, parent: Node, key: str, value, after, style) -> str:
    if parent.flow:
        data, _ = parse(text[parent.start : parent.end])
        data[key] = value
        return text[: parent.start] + render_flow(data) + text[parent.end :]
    if not parent.items:
        raise EditError("cannot add a key to an empty mapping in place")
    anchor_value = parent.items[-1][1]
    keys = [k.text for k, _ in parent.items]
    for name in after:
        if name in keys:
            anchor_value = parent.items[keys.index(name)][1]
            break
    indent = parent.items[0][0].col
    at = _entry_end(text, anchor_value)
    prefix = "\n" if at == len(text) and text and not text.endswith("\n") else ""
    return text[:at] + prefix + render_entry(key, value, indent, _seq_offset(root), style) + text[at:]


def delete_value(text: str, path: Path) -> str:
    """Remove the key or sequence item at `path`, with its lines."""
    data, root = parse(text, track=True)
    parent = _walk(root, path[:-1])
    last = path[-1]
    node = parent.child(last)
    if node is None:
        raise EditError(f"no value at {_show(path)}")
    if parent.kind == "seq" and len(parent.items) == 1 and len(path) > 1:
        new_text = set_value(text, path[:-1], [])
    elif parent.flow:
        sub, _ = parse(text[parent.start : parent.end])
        del sub[last]
        new_text = text[: parent.start] + render_flow(sub) + text[parent.end :]
    else:
        begin = _key_of(parent, last).start if parent.kind == "map" else node.start
        start = _line_start(text, begin)
        if text[start:begin].strip(" -"):
            raise EditError(f"cannot remove {_show(path)} in place")
        new_text = text[:start] + text[_entry_end(text, node) :]
    return _checked(data, new_text, "delete", path)


def delete_keys(text: str, keys: tuple[str, ...]) -> str:
    """Remove the top-level `keys` that are present, with their lines: one parse and one check for all of
    them (a pool sweep removes `owner` and `claimed_on` from thousands of records)."""
    data, root = parse(text, track=True)
    if root is None or root.kind != "map" or root.flow:
        raise EditError("cannot remove keys in place: the record is not a block mapping")
    spans = []
    for key in keys:
        node = root.child(key)
        if node is None:
            continue
        start = _line_start(text, _key_of(root, key).start)
        spans.append((start, _entry_end(text, node)))
    new_text = text
    for start, end in sorted(spans, reverse=True):
        new_text = new_text[:start] + new_text[end:]
    expected = {k: v for k, v in data.items() if k not in keys}
    got, _ = parse(new_text)
    if got != expected:
        raise EditError(f"removing {', '.join(keys)} in place would not give the intended data")
    return new_text


def append_value(text: str, path: Path, item: Any, *, after: tuple[str, ...] = ()) -> str:
    """Append `item` to the sequence at `path` (creating it if absent): adds lines, changes none."""
    data, root = parse(text, track=True)
    parent = _walk(root, path[:-1])
    node = parent.child(path[-1])
    if node is None or (node.kind == "scalar" and node.style is None and data_at(data, path) is None):
        new_text = set_value(text, path, [item], after=after)
        return _checked(data, new_text, "append", path, item)
    if node.kind != "seq":
        raise EditError(f"{_show(path)} is not a list")
    if node.flow:
        items = data_at(data, path) + [item]
        if _flat(items):
            new_text = text[: node.start] + render_flow(items) + text[node.end :]
            return _checked(data, new_text, "append", path, item)
        key = _key_of(parent, path[-1])
        start = _line_start(text, key.start)
        entry = render_entry(path[-1], items, key.start - start, _seq_offset(root))
        new_text = text[:start] + entry + text[_entry_end(text, node) :]
        return _checked(data, new_text, "append", path, item)
    if node.items:
        last = node.items[-1]
        at = _entry_end(text, last)
        first = node.items[0]
        offset = first.col - node.col if first.kind == "map" and not first.flow else 2
    else:  # pragma: no cover - an empty block sequence does not exist in YAML
        raise EditError(f"cannot append to {_show(path)} in place")
    prefix = "\n" if at == len(text) and not text.endswith("\n") else ""
    rendered = render_item(item, node.col, 2)
    if offset != 2 and isinstance(item, dict):
        rendered = _reindent_item(item, node.col, offset)
    return _checked(data, text[:at] + prefix + rendered + text[at:], "append", path, item)


def _reindent_item(item: dict, dash: int, offset: int) -> str:
    lines = "".join(render_entry(k, v, dash + offset) for k, v in item.items())
    return " " * dash + "-" + " " * (offset - 1) + lines[dash + offset :]


def value_at(data: Any, path: Path) -> Any:
    """The value at `path`, or None where the path does not lead anywhere."""
    for step in path:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def data_at(data: Any, path: Path) -> Any:
    for step in path:
        data = data[step]
    return data

