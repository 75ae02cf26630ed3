"""Git commands: history, undo, sync, resolve, and the merge driver git calls."""

from __future__ import annotations

import argparse
import math
import sys

from tui.core.errors import CrmError, NotFound, UsageError
from tui.core.schema import to_json
from tui.cli.output import dumps
from tui.core.display import printable
from tui.cli.records import count_arg


MAX_TIMEOUT = 86_400  # a day: past that a sync is stuck, not slow


def seconds_arg(text: str) -> float:
    """A number of seconds: more than 0, at most MAX_TIMEOUT (nan, inf and negative numbers are refused)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (0 < value <= MAX_TIMEOUT):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds more than 0 and at most {MAX_TIMEOUT:,}")
    return value


def register(sub) -> None:
    p = sub.add_parser("history", help="every change to a customer: who, when, field by field",
                       description="List every commit that touched the record, newest first, with its author, date and "
                       "field-level changes. With FIELD: every value that field has had, who set it and when.")
    p.add_argument("id", help="the id (a deleted record's id works too), or a unique start of it")
    p.add_argument("field", nargs="?", help="a top-level field, e.g. grade")
    p.add_argument("--limit", type=count_arg(1, 10**9), metavar="N", help="only the N newest changes")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("undo", help="revert the latest change to a customer, as a new commit",
                       description="Revert the latest change to the record (run again to go further back). Refuses when a "
                       "later change to the same field is in the way.")
    p.add_argument("id")
    p.set_defaults(func=cmd_undo)

    p = sub.add_parser("sync", help="commit hand edits, fetch, rebase, validate, push: all or nothing",
                       description="Commit pending valid hand edits to records/, fetch, rebase onto the upstream (records "
                       "merge field by field), validate and push. On any failure the workspace is left as it was. Never "
                       "prompts for a password. Exit codes: 0 synced, 1 failed (nothing changed).")
    p.add_argument("--force", action="store_true", help="push even if it deletes more records than --max-deletes")
    p.add_argument("--max-deletes", type=count_arg(0, 10**9), metavar="N",
                   help="refuse to push a change deleting more than N records (default: git config crm.maxDeletes, else 10)")
    p.add_argument("--timeout", type=seconds_arg, default=60.0, metavar="S",
                   help=f"give up on the network after S seconds, more than 0 and at most {MAX_TIMEOUT:,} (default: 60)")
    p.add_argument("--json", action="store_true", help="print the outcome as JSON")
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("resolve", help="settle a conflict: FIELD takes VALUE; one commit",
                       description="Settle a conflict left by a sync: FIELD (as listed by `crm validate`) takes VALUE and "
                       "the field's conflict entries go. For a record deleted elsewhere: `crm resolve ID record keep|delete`.")
    p.add_argument("id")
    p.add_argument("field", help="e.g. grade, or contacts.0.phone, or record")
    p.add_argument("value", nargs="?", help="the value that wins (read as the schema types the field)")
    p.add_argument("--unset", action="store_true", help="settle by removing the field")
    p.set_defaults(func=cmd_resolve)

    p = sub.add_parser("merge-driver")  # no help=: argparse then leaves it out of the command list (git runs it)
    p.add_argument("base")
    p.add_argument("ours")
    p.add_argument("theirs")
    p.add_argument("pathname", nargs="?", default="")
    p.set_defaults(func=cmd_merge_driver)


def _find(ctx, query: str) -> str:
    """An existing record's id, else an exact id that only history knows (a deleted record)."""
    try:
        return ctx.find_id(query)
    except (NotFound, UsageError):
        from tui.core.deleted import deleted_records
        from tui.core.workspace import ID_PATTERN

        gone = [d.id for d in deleted_records(ctx.ws) if d.id.startswith(query)]
        if len(gone) == 1:
            return gone[0]  # the start of a deleted customer's id
        if ID_PATTERN.match(query):
            return query
        raise


def _progress():
    from tui.cli.output import raw_stderr

    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        if total >= 500:
            end = "\n" if done >= total else ""
            print(f"\rIndexing history… {done}/{total} commits", end=end, file=raw_stderr(), flush=True)

    return show


def cmd_history(args, ctx) -> int:
    from tui.core.history import field_history, record_history

    rid = _find(ctx, args.id)
    if args.field:
        values = field_history(ctx.ws, rid, args.field)
        if args.limit:
            values = values[: args.limit]
        if args.json:
            out = [{"value": to_json(v.value), "present": v.present, "commit": v.commit, "author": v.author,
                    "email": v.email, "date": v.when.isoformat()} for v in values]
            print(dumps(out, indent=2))
            return 0
        if not values:
            print(f"{rid}: {args.field} was never set")
            return 0
        for v in values:
            shown = _value(v.value) if v.present else "(removed)"
            print(f"{v.when:%Y-%m-%d %H:%M}  {v.commit[:7]}  {printable(v.email, one_line=True):<24} {shown}")
        return 0
    entries = record_history(ctx.ws, rid, limit=args.limit, progress=_progress())
    if args.json:
        out = [{"commit": e.commit, "author": e.author, "email": e.email, "date": e.when.isoformat(), "subject": e.subject,
                "status": e.status, "changes": [{"field": c.field, "kind": c.kind, "old": to_json(c.old), "new": to_json(c.new),
                                                  "text": str(c)} for c in e.changes]} for e in entries]
        print(dumps(out, indent=2))
        return 0
    for e in entries:
        print(f"{e.when:%Y-%m-%d %H:%M}  {e.short}  {printable(e.email, one_line=True):<24} {printable(e.subject, one_line=True)}")
        for change in e.changes:
            print(f"    {printable(change, one_line=True)}")
    return 0


def _value(value) -> str:
    from tui.core.display import show_value as _show

    return _show(value)


def cmd_undo(args, ctx) -> int:
    from tui.core.undo import undo

    change = undo(ctx.ws, _find(ctx, args.id), ctx.today)
    print(change.message)
    return 0


def cmd_sync(args, ctx) -> int:
    from tui.core.sync import SyncError, as_dict, sync

    say = (lambda step: print(f"crm sync: {step}", file=sys.stderr)) if sys.stderr.isatty() else None
    try:
        result = sync(ctx.ws, force=args.force, max_deletes=args.max_deletes, timeout=args.timeout, progress=say)
    except SyncError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        if args.json:
            print(dumps({"ok": False, "error": str(exc), "problems": [str(p) for p in exc.problems]}, indent=2))
        raise
    if args.json:
        print(dumps({"ok": True, **as_dict(result)}, indent=2))
        return 0
    print(result.summary())
    if result.changed_by_others:
        print("changed by others: " + ", ".join(result.changed_by_others))
    for rid in result.conflicts:
        print(f"conflict: {rid} (`crm show {rid}`, then `crm resolve {rid} FIELD VALUE`)")
    return 0


def cmd_resolve(args, ctx) -> int:
    from tui.cli.records import parse_value
    from tui.core.conflicts import RECORD, field_path
    from tui.core.resolve import resolve

    rid = ctx.find_id(args.id)
    if args.unset and args.value is not None:
        raise UsageError("give either a VALUE or --unset")
    if args.field == RECORD:
        value = args.value
    elif args.unset:
        value = None
    elif args.value is None:
        raise UsageError("give the VALUE that wins (or --unset to remove the field)")
    else:
        value = parse_value(ctx, field_path(args.field), args.value)
    change = resolve(ctx.ws, rid, args.field, value, unset=args.unset, today=ctx.today)
    print(change.message)
    return 0


def cmd_merge_driver(args, ctx) -> int:
    from tui.core.merge import run_driver

    try:
        return run_driver(args.base, args.ours, args.theirs, args.pathname)
    except CrmError as exc:
        print(f"crm merge-driver: {exc}", file=sys.stderr)
        return 1
