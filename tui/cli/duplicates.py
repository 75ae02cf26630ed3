"""Duplicate commands: `crm duplicates` lists likely pairs, `crm merge KEEP OTHER` makes one of two."""

from __future__ import annotations

import argparse
import sys

from tui.cli.records import write_json_rows
from tui.core.display import printable
from tui.core.duplicates import LIKELY


def score_arg(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a score from 0 to 1 (e.g. 0.8)")
    return value


def register(sub) -> None:
    p = sub.add_parser("duplicates", help="pairs of customers that are probably the same, with the reasons",
                       description="List pairs of customers that are probably one: same email, same phone (E.164), same "
                       "registrable domain of website or contact email (free mail does not count), or names alike once "
                       "accents and legal suffixes are removed, in the same country. Merge a pair with `crm merge KEEP OTHER`.")
    p.add_argument("--min", type=score_arg, default=LIKELY, metavar="SCORE",
                   help=f"only pairs scoring at least SCORE, 0 to 1 (default: {LIKELY})")
    p.add_argument("--json", action="store_true", help="a JSON array: keep, other, names, score, reasons")
    p.set_defaults(func=cmd_duplicates)

    p = sub.add_parser("merge", help="merge OTHER into KEEP: one commit; `crm undo KEEP` reverts it",
                       description="Merge two records of one customer. Contacts, orders and the log are unioned; a field "
                       "set differently keeps KEEP's value and OTHER's goes to KEEP's conflicts block (settle it with "
                       "`crm resolve`); OTHER's file is removed and KEEP records merged_from. One commit.")
    p.add_argument("keep", help="the id to keep (or a unique start of it)")
    p.add_argument("other", help="the id merged into it and removed")
    p.set_defaults(func=cmd_merge)


def cmd_duplicates(args, ctx) -> int:
    from tui.core.duplicates import scan

    catalog = ctx.catalog()
    pairs = scan(catalog, ctx.ws.rules, args.min)
    names = {rid: s.name for rid, s in catalog.summaries.items()}
    if args.json:
        write_json_rows({"keep": m.keep, "other": m.other, "keep_name": names.get(m.keep), "other_name": names.get(m.other),
                         "score": m.score, "reasons": list(m.reasons)} for m in pairs)
        return 0
    one = lambda value: printable(value, one_line=True)  # noqa: E731
    for m in pairs:
        print(f"{m.score:.2f}  {one(m.keep)}  {one(names.get(m.keep, ''))}")
        print(f"      {one(m.other)}  {one(names.get(m.other, ''))}")
        for reason in m.reasons:
            print(f"      - {one(reason)}")
    print(f"{len(pairs)} likely pair{'' if len(pairs) == 1 else 's'} among {len(catalog)} customers"
          + (f"; merge one with `crm merge KEEP OTHER`" if pairs else ""), file=sys.stderr)
    return 0


def cmd_merge(args, ctx) -> int:
    from tui.core.merge_customers import merge_customers

    keep, other = ctx.find_id(args.keep), ctx.find_id(args.other)
    merged = merge_customers(ctx.ws, keep, other, ctx.today)
    print(merged.change.message)
    if merged.conflicts:
        print(f"set differently, {keep}'s value kept: {', '.join(merged.conflicts)}; settle each with "
              f"`crm resolve {keep} FIELD VALUE`", file=sys.stderr)
    return 0
