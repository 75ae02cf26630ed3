"""Deleted customers: `crm deleted` lists them (when, by whom), `crm restore ID` brings one back."""

from __future__ import annotations

from tui.cli.output import dumps
from tui.core.display import printable


def register(sub) -> None:
    p = sub.add_parser("deleted", help="customers that were deleted: when, by whom (from git history)",
                       description="List the customers whose file was deleted and not brought back, newest first, "
                       "with the commit, its author and date. `crm restore ID` brings one back.")
    p.add_argument("--json", action="store_true", help="a JSON array: id, name, deleted (date), author, email, commit, merged_into")
    p.set_defaults(func=cmd_deleted)

    p = sub.add_parser("restore", help="bring a deleted customer back as it was; one commit",
                       description="Put a deleted customer's file back exactly as it was before the deletion, as one "
                       "commit. ID may be the start of the id, when only one deleted customer's id starts so.")
    p.add_argument("id")
    p.set_defaults(func=cmd_restore)


def cmd_deleted(args, ctx) -> int:
    from tui.core.deleted import deleted_records

    rows = deleted_records(ctx.ws)
    if args.json:
        print(dumps([{"id": d.id, "name": d.name, "deleted": d.when.isoformat(), "author": d.author, "email": d.email,
                      "commit": d.commit, "merged_into": d.merged_into or None} for d in rows], indent=2))
        return 0
    if not rows:
        print("No customer was deleted.")
        return 0
    for d in rows:
        print(f"{d.when:%Y-%m-%d %H:%M}  {d.short}  {printable(d.email, one_line=True):<24} {d.id}  "
              f"{printable(d.name, one_line=True)}{f'  merged into {d.merged_into}' if d.merged_into else ''}")
    return 0


def cmd_restore(args, ctx) -> int:
    from tui.core.deleted import find_deleted, restore

    change = restore(ctx.ws, find_deleted(ctx.ws, args.id))
    print(change.message)
    return 0
