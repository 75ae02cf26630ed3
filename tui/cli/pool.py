"""Pool commands: claim, release, pool (the list, and `pool sweep`)."""

from __future__ import annotations

import argparse
import sys

from tui.cli.output import dumps
from tui.cli.records import _cut, _me, write_json_rows


def register(sub) -> None:
    p = sub.add_parser("claim", help="take a customer from the public pool; one commit",
                       description="Set `owner` to you and `claimed_on` to today (one commit). Refused beyond "
                       "x-crm.pool.claim_limit customers, and for cooldown_days to the owner it was taken back from.")
    p.add_argument("id")
    p.set_defaults(func=cmd_claim)

    p = sub.add_parser("release", help="give a customer back to the public pool; one commit with a touch logged",
                       description="Remove `owner` and `claimed_on` and log a `release` touch saying why (one commit).")
    p.add_argument("id")
    p.add_argument("--note", metavar="TEXT", help="why (default: released to the pool by you)")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("pool", help="the public pool: who is unowned and why; `crm pool sweep` takes idle customers back",
                       description="List the customers nobody owns, with why they are there (never owned, released, "
                       "returned idle by a sweep). `crm pool sweep` returns every customer idle past the rules in "
                       "schema.yaml x-crm.pool in one commit; the same day gives the same result in every clone, so "
                       "it is safe to run from cron anywhere.")
    p.add_argument("--json", action="store_true")
    pool_sub = p.add_subparsers(dest="pool_command", metavar="[sweep]")
    s = pool_sub.add_parser("sweep", help="return idle customers to the pool in one commit")
    s.add_argument("--dry-run", action="store_true", help="list who would go back; change nothing")
    s.add_argument("--json", action="store_true", default=argparse.SUPPRESS)  # `crm pool --json sweep` too
    s.set_defaults(func=cmd_sweep)
    p.set_defaults(func=cmd_pool)


def cmd_claim(args, ctx) -> int:
    from tui.core.pool import claim

    rid = ctx.find_id(args.id)
    change = claim(ctx.changes, rid, ctx.catalog().summaries.values())
    print(change.message)
    return 0


def cmd_release(args, ctx) -> int:
    from tui.core.pool import release

    print(release(ctx.changes, ctx.find_id(args.id), args.note).message)
    return 0


def cmd_pool(args, ctx) -> int:
    from tui.core.pool import why_in_pool

    catalog = ctx.catalog()
    pool = sorted((s for s in catalog.summaries.values() if not s.owner), key=lambda s: (s.name.casefold(), s.id))
    why = why_in_pool(ctx.ws, (s.id for s in pool))
    if args.json:
        write_json_rows({"id": s.id, "name": s.name, "country": s.country or None, "grade": s.grade or None,
                         "stage": s.stage or None, "why": why[s.id].how, "by": why[s.id].by or None,
                         "on": why[s.id].on or None} for s in pool)
        return 0
    for s in pool:
        print(f"{_cut(s.id, 30)} {_cut(s.name, 28)} {_cut(s.country or '--', 2)} {_cut(s.grade or '-', 1)} {why[s.id]}")
    print(f"{len(pool)} of {len(catalog)} customers in the pool", file=sys.stderr)
    return 0


def cmd_sweep(args, ctx) -> int:
    from tui.core.pool import sweep

    result = sweep(ctx.ws, ctx.catalog().summaries.values(), ctx.today(), dry_run=args.dry_run)
    if args.json:
        sys.stdout.write(dumps({"day": result.today.isoformat(), "dry_run": args.dry_run,
                                "commit": result.change.commit if result.change else None,
                                "returned": [{"id": s.id, "owner": s.owner, "due_back": day} for s, day in result.back]}) + "\n")
        return 0
    for line in result.lines():
        print(("would return " if args.dry_run else "returned ") + line)
    if not result.back:
        print(f"Nobody goes back to the pool on {result.today.isoformat()}.")
    elif result.change:
        print(result.change.message)
    return 0
