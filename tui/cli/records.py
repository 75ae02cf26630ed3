"""Record commands: new, list, show, set, grade, log, due, validate, edit."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import re
import subprocess
import sys
from pathlib import Path

from tui.core.cadence import cooperation_text, facts, followup_state, years_of_cooperation
from tui.core.catalog import SORT_FIELDS, Filter, Summary, select
from tui.core.charts import fit
from tui.core.errors import CrmError, InvalidRecord, StaleWrite, UsageError
from tui.core.filtercheck import owners, unknown_values
from tui.core.order import declared_orders
from tui.core.schema import to_json
from tui.cli.output import dumps
from tui.core.display import printable

LIST_JSON_FIELDS = (
    "id", "name", "name_local", "country", "region", "city", "industry", "grade", "stage", "owner", "credit",
    "tags", "last_contact", "next_followup", "next_action", "order_total", "order_count", "value_tier",
    "frequency", "valid", "problems",
)


def env_today() -> dt.date:
    """Today, or $CRM_TODAY when set (scripts and tests run as of another day); a bad value is a usage error."""
    from tui.core.clock import today

    try:
        return today()
    except CrmError as exc:
        raise UsageError(str(exc)) from None


def read_date(text: str) -> dt.date:
    """YYYY-MM-DD, or +N/-N for N days from today (the UI's forms accept +N); ValueError says what is
    allowed without Python's own wording (argparse puts the option's name in front)."""
    if re.fullmatch(r"[+-]\d{1,4}", text.strip()):
        try:
            return env_today() + dt.timedelta(days=int(text.strip()))
        except (OverflowError, UsageError):
            raise ValueError(f"{text!r} is past the calendar's first or last day; use YYYY-MM-DD") from None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"must be a date (YYYY-MM-DD) or +N/-N days, not {text!r}") from None


def date_arg(text: str) -> dt.date:
    try:
        return read_date(text)
    except ValueError as exc:
        # argparse turns this into "crm log: error: argument --due: ..." and exit code 2
        raise argparse.ArgumentTypeError(str(exc)) from None


def as_of_arg(text: str) -> dt.date:
    """A day in the past (or today): the workspace as git knew it then."""
    day = date_arg(text)
    try:
        today = env_today()
    except UsageError:
        return day  # reported as soon as the command asks for today
    if day > today:
        raise argparse.ArgumentTypeError(f"{text!r} is after today ({today.isoformat()}); --as-of reads history, "
                                         "so give a day up to today")
    return day


def count_arg(low: int, high: int):
    """An argparse type: a whole number from `low` to `high`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from {low} to {high:,}")
        return value

    return parse


MAX_DAYS = 3660  # ten years ahead is as far as a follow-up queue needs to look


def register(sub) -> None:
    p = sub.add_parser("new", help="add a customer (yours, graded x-crm.new_grade); prints the new id last",
                       description="Add a customer as records/<id>.yaml (one commit). The id is made from the name "
                       "(Chinese as pinyin, other scripts spelt in ASCII) plus a random suffix and never changes. "
                       "Defaults, the same as `n` in the UI: you (your git email) own it unless --pool; its grade is "
                       "schema.yaml x-crm.new_grade (D when unset), whose cadence follows each touch; its stage is the first funnel stage.")
    p.add_argument("name")
    p.add_argument("--country", required=True, metavar="CC", help="ISO 3166-1 alpha-2 code, e.g. DE, NO, US")
    p.add_argument("--grade", metavar="G", help="A..E (see schema.yaml x-crm.grades; default: x-crm.new_grade)")
    p.add_argument("--stage", metavar="S", help="funnel stage (default: the first of x-crm.stages)")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--owner", metavar="EMAIL", help="the owner (default: you, your git email)")
    who.add_argument("--pool", action="store_true", help="put the customer in the public pool, with no owner")
    p.add_argument("--city")
    p.add_argument("--industry")
    p.add_argument("--yes", action="store_true", help="create it even when it looks like a customer you have")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("list", help="list customers, filtered and sorted",
                       description="List customers. Filters combine; values may be comma-separated (--grade A,B).")
    add_filters(p)
    p.add_argument("--sort", default="name", choices=SORT_FIELDS,
                   help="sort field (default: name); stage, grade and credit sort in schema.yaml's order")
    p.add_argument("--reverse", action="store_true", help="reverse the sort")
    add_as_of(p)
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="a JSON array (fields in the README)")
    fmt.add_argument("--csv", action="store_true", help="CSV with a header row")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="show one customer with its derived values")
    p.add_argument("id", help="the id, or a unique start of it")
    p.add_argument("--json", action="store_true")
    add_as_of(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("set", help="set (or --unset) one field; one commit",
                       description="Set a field, e.g. `crm set ID city Hamburg`, `crm set ID tags 'distributor, oem'`, "
                       "`crm set ID contacts.0.email x@y.example`. The value is read as the schema's type says "
                       "(lists comma-separated, dates YYYY-MM-DD). Only the field's line changes.")
    p.add_argument("id")
    p.add_argument("field", help="a field name, or a dotted path like contacts.0.phone")
    p.add_argument("value", nargs="?")
    p.add_argument("--unset", action="store_true", help="remove the field")
    p.add_argument("--force", action="store_true",
                   help="set a field schema.yaml does not know (kept as an extra key); without it a misspelt name is refused")
    p.set_defaults(func=cmd_set)

    p = sub.add_parser("delete", help="delete a customer; one commit, which `crm restore ID` reverts",
                       description="Delete a customer's file as one commit. Its history stays in git: "
                       "`crm deleted` lists deleted customers and `crm restore ID` brings one back.")
    p.add_argument("id")
    p.set_defaults(func=cmd_delete)

    p = sub.add_parser("grade", help="re-grade a customer (A..E); one commit")
    p.add_argument("id")
    p.add_argument("grade", metavar="G")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("log", help="log a touch (email, call, meeting...); one commit",
                       description="Append a touch to the customer's log, dated today, by you (your git email).")
    p.add_argument("id")
    p.add_argument("--via", required=True, metavar="KIND", help="email, call, meeting, quote, sample, order, after-sales, ...")
    p.add_argument("--note", required=True, metavar="TEXT")
    p.add_argument("--next", metavar="TEXT", help="the next action")
    p.add_argument("--due", metavar="DATE", type=date_arg, help="when the next action is due (YYYY-MM-DD, or +N days from today)")
    p.add_argument("--on", metavar="DATE", type=date_arg, help="date of the touch (default: today)")
    p.add_argument("--force", action="store_true", help="accept a --due date in the past")
    p.set_defaults(func=cmd_log)

    p = sub.add_parser("due", help="who to follow up: overdue, today, then the next N days (x-crm.due_days)",
                       description="Every reminder: follow-ups, contacts' birthdays, first-order anniversaries, "
                       "payments overdue or due, customers returning to the pool, and owned customers never touched; "
                       "overdue first, then today, then the next days. The KIND column (`kind` in --json) says which.")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--mine", action="store_true", help="only customers you own (your git email; the default when "
                     "git config crm.view is mine)")
    who.add_argument("--owner", metavar="EMAIL", help="the full email or the short name before @")
    who.add_argument("--all", action="store_true", help="everyone's customers (when git config crm.view is mine)")
    p.add_argument("--days", type=count_arg(0, MAX_DAYS), default=None, metavar="N",
                   help=f"how far ahead to look, 0 to {MAX_DAYS} days (default: x-crm.due_days in schema.yaml, 7)")
    p.add_argument("--json", action="store_true")
    add_as_of(p)
    p.set_defaults(func=cmd_due)

    p = sub.add_parser("validate", help="check records against schema.yaml; file:line:col for each problem",
                       description="Check every record (or the given files) and schema.yaml. Prints file:line:col: "
                       "message for each problem and exits 1 if there is any: use it as a git pre-commit hook or in CI.")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing when all is well")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("edit", help="edit a customer's file in $EDITOR; validated, then one commit",
                       description="Open the record in $VISUAL/$EDITOR. An invalid result is shown with its errors and "
                       "reopened with your text kept; a valid one is committed.")
    p.add_argument("id")
    p.set_defaults(func=cmd_edit)


def add_as_of(p) -> None:
    p.add_argument("--as-of", type=as_of_arg, metavar="DATE",
                   help="read the workspace as it stood at the end of DATE (from git history), with DATE as today")


def add_filters(p) -> None:
    p.add_argument("--grade", metavar="G", default="")
    p.add_argument("--stage", metavar="S", default="")
    p.add_argument("--country", metavar="CC", default="")
    p.add_argument("--region", default="")
    p.add_argument("--industry", default="")
    p.add_argument("--tag", default="")
    p.add_argument("--search", metavar="TEXT", default="", help="words in names, contacts, emails, phones, tags, notes")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--owner", metavar="EMAIL", default="")
    who.add_argument("--mine", action="store_true", help="only customers you own (your git email)")
    who.add_argument("--pool", action="store_true", help="only customers in the public pool (no owner)")
    who.add_argument("--all", action="store_true", help="everyone's customers (when git config crm.view is mine)")
    p.add_argument("--due", choices=("overdue", "today", "soon", "due"), default="",
                   help="follow-up state; soon is within x-crm.due_days (7), due is any of the three")
    p.add_argument("--invalid", action="store_true", help="only records with problems")


def _me(ctx) -> str:
    from tui.core.gitrepo import Git

    return Git(ctx.ws.root).identity()[1]


def _mine(args, ctx) -> bool:
    """--mine, or no owner asked for and `git config crm.view mine` set."""
    if args.mine:
        return True
    if args.all or args.owner or getattr(args, "pool", False):
        return False
    from tui.core.team import view_is_mine

    return view_is_mine(ctx.ws.root)


def _print_change(change) -> None:
    print(change.message)


# ------------------------------------------------------------------ commands


def cmd_new(args, ctx) -> int:
    from tui.core.newcustomer import new_defaults

    rules = ctx.ws.rules
    country = args.country.upper()
    if args.grade and args.grade.upper() not in rules.grades:
        raise UsageError(f"--grade must be one of {', '.join(rules.grades)}")
    stages = rules.stages + rules.exits
    if stages and args.stage is not None and args.stage not in stages:
        raise UsageError(f"--stage must be one of {', '.join(stages)}")
    defaults = new_defaults(ctx.ws.schema, "" if args.pool or args.owner else _me(ctx), pool=args.pool)
    given = {"owner": args.owner, "grade": args.grade.upper() if args.grade else None, "stage": args.stage}
    fields = {"name": args.name, "country": country, "city": args.city, "industry": args.industry,
              **defaults, **{k: v for k, v in given.items() if v is not None}}
    if not args.yes:
        refuse_duplicate(ctx, fields)
    change = ctx.changes.create(fields)
    print(f"{change.message}")
    print(change.id)
    return 0


def refuse_duplicate(ctx, fields: dict) -> None:
    """Warn when the new customer looks like one the workspace has; ask on a terminal, else refuse."""
    from tui.core.duplicates import summaries_matcher

    catalog = ctx.catalog()
    matches = summaries_matcher(catalog.summaries.values(), ctx.ws.rules).candidates(fields)
    if not matches:
        return
    one = lambda value: printable(value, one_line=True)  # noqa: E731
    print(f"crm: {one(fields['name'])} looks like a customer you already have:", file=sys.stderr)
    for m in matches[:5]:
        name = catalog.summaries[m.keep].name if m.keep in catalog.summaries else m.keep
        print(f"  {one(m.keep)}  {one(name)}  ({m.score:.2f}: {one('; '.join(m.reasons))})", file=sys.stderr)
    if sys.stdin.isatty() and _ask("Create it anyway? [y/N] ", default=False):
        return
    raise UsageError(f"nothing was created; look at it with `crm show {matches[0].keep}`, or if it is another customer "
                     "run the command again with --yes")


def list_filter(args, ctx) -> Filter:
    """The filter the list options (`add_filters`) ask for: shared by list, export and report."""
    return Filter(
        text=args.search, grade=args.grade, stage=args.stage, country=args.country, region=args.region,
        industry=args.industry, owner=_me(ctx) if _mine(args, ctx) else args.owner, pool=args.pool, tag=args.tag,
        due=args.due, invalid=args.invalid, horizon=ctx.ws.rules.due_days,
    )


_NOT_IN_JSON = ("search", "birthdays", "first_order", "claimed_on", "owner_touch", "last_order", "touches", "payments",
                "birthday_names", "identity")
_NULLABLE = ("last_contact", "next_followup", "next_action", "name_local", "country", "city", "industry", "grade", "stage", "credit", "owner")


def summary_json(s: Summary, today: dt.date, base: str, horizon: int = 7) -> dict:
    """One customer for `crm list --json`: the keys documented in the README."""
    row = dict(zip(Summary._fields, s))
    for key in _NOT_IN_JSON:
        del row[key]
    for key in _NULLABLE:
        if not row[key]:
            row[key] = None
    row["tags"] = list(s.tags)
    row["problems"] = list(s.problems)
    row["valid"] = not s.problems
    row["currency"] = base
    row["followup"] = followup_state(s.next_followup, today, horizon)
    return row


def write_json_rows(rows) -> None:
    """A JSON array with one object a line: valid JSON for scripts, greppable for people, and fast
    (json.dump with indent= falls back to the pure-Python encoder: 20 s for 100,000 rows)."""
    sys.stdout.write("[\n" + ",\n".join(dumps(row) for row in rows) + "\n]\n")


def refuse_unknown(flt: Filter, ctx, summaries, check_owner: bool) -> None:
    """A filter that cannot match is an error naming the values there are (exit 2), not an empty list."""
    known = owners(summaries) if check_owner else None
    found = unknown_values(flt, ctx.ws.rules, known)
    if found:
        raise UsageError(found[0].message(f"--{found[0].field} {found[0].value}"))


def cmd_list(args, ctx) -> int:
    today = ctx.today()
    catalog = ctx.catalog()
    flt = list_filter(args, ctx)
    refuse_unknown(flt, ctx, catalog.summaries.values(), check_owner=bool(args.owner))
    rows = select(catalog.summaries.values(), flt, today, args.sort, args.reverse, declared_orders(ctx.ws.schema))
    base = ctx.ws.rules.base_currency
    if args.json:
        write_json_rows(summary_json(s, today, base, ctx.ws.rules.due_days) for s in rows)
    elif args.csv:
        writer = csv.writer(sys.stdout)
        fields = [f for f in LIST_JSON_FIELDS if f not in ("problems", "valid")]
        writer.writerow(fields)
        for s in rows:
            writer.writerow([printable(";".join(getattr(s, f)) if f == "tags" else getattr(s, f)) for f in fields])
    else:
        print_table(rows, today, base)
        print(f"{len(rows)} of {len(catalog)} customers", file=sys.stderr)
    return 0


def _cut(text: str, width: int) -> str:
    """`text` on one line, control characters escaped, cut and padded to exactly `width` terminal cells
    (CJK characters take two)."""
    text = printable(text, one_line=True)
    if text.isascii():
        return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"
    return fit(text, width)


def print_table(rows: list[Summary], today: dt.date, base: str) -> None:
    print(f"{'ID':<30} {'NAME':<28} CC G {'STAGE':<11} {'OWNER':<22} {'LAST':<10} {'NEXT':<10}  {'TOTAL ' + base:>12}")
    for s in rows:
        state = followup_state(s.next_followup, today)
        mark = {"overdue": "!", "today": "*"}.get(state or "", " ")
        if s.problems:
            mark = "x"
        print(
            f"{_cut(s.id, 30)} {_cut(s.name, 28)} {_cut(s.country or '--', 2)} {_cut(s.grade or '-', 1)} {_cut(s.stage, 11)} "
            f"{_cut(s.owner or ('(pool)' if s.readable else '?'), 22)} {s.last_contact or '-':<10} {s.next_followup or '-':<10}{mark} "
            f"{s.order_total:>12,.0f}"
        )


def follow_merge(ctx, query: str) -> str:
    """The id `query` names; for a record merged into another (`crm merge`), the one it was merged into."""
    from tui.core.errors import NotFound
    from tui.core.merge_customers import merged_into

    try:
        return ctx.find_id(query)
    except NotFound:
        keep = merged_into(ctx.ws, query)
        if keep is None:
            raise
        print(f"crm: {query} was merged into {keep}; showing {keep}", file=sys.stderr)
        return keep


def cmd_show(args, ctx) -> int:
    rid = follow_merge(ctx, args.id)
    record = ctx.changes.read(rid)
    today = ctx.today()
    rules = ctx.ws.rules
    data = record.data or {}
    f = facts(data, rules) if record.data is not None else None
    derived = None
    if f is not None:
        derived = {
            "last_contact": f.last_contact, "next_followup": f.next_followup, "next_action": f.next_action,
            "followup": followup_state(f.next_followup, today, rules.due_days), "order_total": f.order_total,
            "currency": rules.base_currency, "order_count": f.order_count, "value_tier": f.value_tier,
            "frequency": f.frequency, "years_of_cooperation": years_of_cooperation(f.first_order, today),
            "region": rules.region(data.get("country")),
        }
    if args.json:
        out = {"id": rid, "path": record.relpath, "record": to_json(record.data), "derived": to_json(derived),
               "problems": [str(p) for p in record.problems]}
        print(dumps(out, indent=2))
        return 1 if record.problems else 0
    one = lambda value: printable(value, one_line=True)  # noqa: E731 - a field's value on its own line
    print(one(data.get("name", rid)) + (f"  {one(data['name_local'])}" if data.get("name_local") else "") + f"  [{rid}]")
    if derived:
        owner = one(data.get("owner") or "(public pool)")
        print(f"{one(data.get('country', '?'))} ({one(derived['region'])}) · grade {one(data.get('grade', '-'))} · "
              f"stage {one(data.get('stage', '-'))} · owner {owner}")
        state = f" ({derived['followup']})" if derived["followup"] else ""
        print(f"last contact {derived['last_contact'] or 'never'} · next follow-up "
              f"{derived['next_followup'] or '-'}{state}" + (f" · next: {one(f.next_action)}" if f.next_action else ""))
        print(f"{f.order_count} order{'' if f.order_count == 1 else 's'} · total {f.order_total:,.2f} {rules.base_currency} · tier {f.value_tier} · "
              f"{f.frequency} · cooperation {cooperation_text(f.first_order, today)}")
    for problem in record.problems:
        print(f"problem: {problem}")
    print(f"--- {record.relpath}")
    sys.stdout.write(printable((record.text or "").replace("\r\n", "\n")))
    return 1 if record.problems else 0


def parse_value(ctx, path: tuple, raw: str):
    """Read a command-line string as the schema says the field is typed."""
    prop: dict = {"properties": ctx.ws.schema.properties}
    for step in path:
        prop = prop.get("items", {}) if isinstance(step, int) else prop.get("properties", {}).get(step, {})
    kind = prop.get("type")
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            number = float(raw) if "." in raw or "e" in raw.lower() else int(raw)
            if isinstance(number, float) and not math.isfinite(number):
                raise ValueError("not a finite number")
            return number
        if kind == "array":
            return [part.strip() for part in raw.split(",") if part.strip()]
        if kind == "boolean":
            return raw.lower() in ("true", "yes", "1")
        if prop.get("format") == "date":
            return read_date(raw)
    except ValueError as exc:
        where = ".".join(map(str, path))
        if prop.get("format") == "date":
            raise UsageError(f"{where} takes a date: {exc}") from None
        article = "an" if isinstance(kind, str) and kind[:1] in ("a", "e", "i", "o", "u") else "a"
        raise UsageError(f"{where} takes {article} {kind}, not {raw!r}") from None
    if path[-1] == "country" or path[-1] == "currency":
        return raw.upper()
    return raw


def field_path(text: str) -> tuple:
    """'contacts.0.phone' -> ('contacts', 0, 'phone'); a UsageError for an empty step or a huge index."""
    steps = text.split(".")
    if not all(steps):
        raise UsageError(f"{text!r} is not a field path; write a name, or names and list positions joined by dots "
                         "(contacts.0.phone)")
    path = []
    for step in steps:
        if step.isascii() and step.isdigit():
            if len(step) > 6:
                raise UsageError(f"{step!r} in {text!r} is not a list position a record has")
            path.append(int(step))
        else:
            path.append(step)
    if isinstance(path[0], int):
        raise UsageError(f"{text!r} starts with a list position; start with a field name (contacts.0.phone)")
    return tuple(path)


def cmd_set(args, ctx) -> int:
    rid = ctx.find_id(args.id)
    path = field_path(args.field)
    if args.unset:
        if args.value is not None:
            raise UsageError("give either a VALUE or --unset")
        value = None
    elif args.value is None:
        raise UsageError("give a VALUE (or --unset to remove the field)")
    else:
        ctx.changes.check_field(path, force=args.force)
        value = parse_value(ctx, path, args.value)
    _print_change(ctx.changes.set_field(rid, path, value, force=args.force))
    return 0


def cmd_delete(args, ctx) -> int:
    _print_change(ctx.changes.delete(ctx.find_id(args.id)))
    return 0


def cmd_grade(args, ctx) -> int:
    _print_change(ctx.changes.grade(ctx.find_id(args.id), args.grade))
    return 0


def cmd_log(args, ctx) -> int:
    change = ctx.changes.log(ctx.find_id(args.id), args.via, args.note, args.next, args.due, on=args.on,
                             past_due=args.force)
    _print_change(change)
    return 0


def due_window(ctx, summaries, days: int):
    """The reminders' window for today: the rules, and the creation day of the records nothing else dates."""
    from tui.core.pool import created_days, pool_rules
    from tui.core.reminders import Window, wanted_created

    pool = pool_rules(ctx.ws.schema)
    created = created_days(ctx.ws, wanted_created(summaries, pool))
    return Window(ctx.today(), ctx.ws.rules, pool, days, created)


def cmd_due(args, ctx) -> int:
    from tui.core.reminders import queue as reminder_queue

    today = ctx.today()
    owner = _me(ctx) if _mine(args, ctx) else (args.owner or "")
    summaries = list(ctx.catalog().summaries.values())
    if args.days is None:
        args.days = ctx.ws.rules.due_days
    if args.owner:
        refuse_unknown(Filter(owner=args.owner), ctx, summaries, check_owner=True)
    queue = reminder_queue(summaries, due_window(ctx, summaries, args.days), owner)
    if args.json:
        out = []
        for r in queue:
            s = r.summary
            out.append({"state": r.state, "kind": r.kind, "id": s.id, "name": s.name, "day": r.day,
                        "days": (dt.date.fromisoformat(r.day) - today).days, "about": r.text,
                        "next_followup": s.next_followup or None, "next_action": s.next_action or None,
                        "grade": s.grade or None, "owner": s.owner or None, "last_contact": s.last_contact or None})
        write_json_rows(out)
        return 0
    if not queue:
        print(f"Nobody is due in the next {args.days} days.")
        return 0
    heading = {"overdue": "OVERDUE", "today": "TODAY", "soon": f"NEXT {args.days} DAYS"}
    current = None
    for r in queue:
        if r.state != current:
            current = r.state
            print(f"{heading[r.state]}")
        days = (dt.date.fromisoformat(r.day) - today).days
        when = f"{-days}d late" if days < 0 else "today" if days == 0 else f"in {days}d"
        s = r.summary
        print(f"  {r.day} {when:>9}  {r.kind:<13} {_cut(s.grade or '-', 1)}  {_cut(s.name, 30)} {_cut(r.text, 34)} {s.id}")
    return 0


def cmd_validate(args, ctx) -> int:
    from tui.core.record import read_record
    from tui.core.store import load_catalog

    ws = ctx.ws
    from tui.core.codeowners import stale_problems
    from tui.core.pool import pool_problems
    from tui.core.team import team_problems

    problems = [str(p) for p in ws.schema.problems() + pool_problems(ws.schema) + team_problems(ws.schema)]
    if args.paths:
        for given in args.paths:
            given_path = Path(given)
            path = given_path.absolute().parent.resolve() / given_path.name  # the file itself, never a link's target
            if path == ws.schema_path:
                continue  # checked above
            if path.parent != ws.records_dir or path.suffix != ".yaml":
                continue  # pre-commit passes every staged file; only records are ours to check
            if not (path.exists() or path.is_symlink()):
                continue  # a deletion
            record = read_record(ws.schema, path.stem, path, f"records/{path.name}")
            problems += [str(p) for p in record.problems]
        checked = len(args.paths)
    else:
        catalog = load_catalog(ws)
        for s in catalog.invalid():
            problems += list(s.problems)
        checked = len(catalog)
        problems += [str(p) for p in stale_problems(ws)]
    for line in problems:
        print(line)
    if problems:
        print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found", file=sys.stderr)
        return 1
    if not args.quiet:
        print(f"{checked} record{'s' if checked != 1 else ''} checked, all valid", file=sys.stderr)
    return 0


def cmd_edit(args, ctx) -> int:
    from tui.core.editor import editor_command, open_at
    from tui.core.rejected import keep_rejected

    rid = ctx.find_id(args.id)
    record = ctx.changes.read(rid)
    if record.text is None:
        raise CrmError(f"{record.relpath} cannot be read as text; fix it with another tool")
    ctx.changes.git.refuse_unsafe_state()
    ctx.changes.git.identity()
    scratch = record.path.with_name(f".{rid}.edit.yaml")  # beside the record, so the modeline still finds the schema
    scratch.write_text(record.text, encoding="utf-8")
    at = (record.problems[0].line, record.problems[0].col) if record.problems else None
    try:
        while True:
            try:
                subprocess.run(open_at(editor_command(), str(scratch), at), check=False)
            except FileNotFoundError:
                raise CrmError(f"cannot run the editor {editor_command()[0]!r}; set $EDITOR") from None
            text = scratch.read_text(encoding="utf-8")
            if text == record.text:
                print(f"{rid}: no change")
                return 0
            try:
                change = ctx.changes.replace_text(rid, text, record.digest)
            except InvalidRecord as exc:
                for problem in exc.problems:
                    print(problem, file=sys.stderr)
                at = (exc.problems[0].line, exc.problems[0].col) if exc.problems else None
                if not (sys.stdin.isatty() and _ask("Reopen the editor to fix it? [Y/n] ")):
                    keep = keep_rejected(ctx.ws, rid, text)
                    print(f"crm: nothing was written; your text is kept in {ctx.ws.relpath(keep)} "
                          f"(outside the work tree; `crm edit {rid}` again to retry)", file=sys.stderr)
                    return 1
                continue
            except StaleWrite:
                keep = keep_rejected(ctx.ws, rid, text, "mine")
                raise CrmError(f"{record.relpath} changed on disk while you were editing; nothing was overwritten. "
                               f"Your text is kept in {ctx.ws.relpath(keep)}") from None
            _print_change(change)
            return 0
    finally:
        scratch.unlink(missing_ok=True)


def _ask(prompt: str, default: bool = True) -> bool:
    try:
        answer = input(prompt)
    except EOFError:
        return False
    return answer.strip().lower() in (("", "y", "yes") if default else ("y", "yes"))
