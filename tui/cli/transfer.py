"""Moving customers in and out: `crm import FILE` and `crm export`."""

from __future__ import annotations

import sys
from pathlib import Path

from tui.cli.output import dumps, raw_stderr
from tui.cli.records import add_filters, list_filter
from tui.core.display import printable
from tui.core.errors import NothingToChange, UsageError


def register(sub) -> None:
    p = sub.add_parser("import", help="import customers from a .csv, .xlsx or .vcf file; one commit",
                       description="Import customers from a spreadsheet (.csv in UTF-8, GB18030 or UTF-16; .xlsx) or "
                       "vCards (.vcf). Headers in English or Chinese are mapped by x-crm.import in schema.yaml; other "
                       "columns are kept under their own names. Rows matching a customer update it, rows matching each "
                       "other become one customer. All of it is one commit; a second run changes nothing. Exit code 1 "
                       "when rows were skipped (the rest is imported).")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--sheet", metavar="NAME", help="the sheet of a workbook to read (default: the first)")
    p.add_argument("--map", action="append", default=[], metavar="HEADER=FIELD",
                   help="send a column to a field of schema.yaml (grade, contacts.0.phone, order.amount...; another name is refused, listing them); HEADER=- skips it; repeatable")
    p.add_argument("--owner", metavar="EMAIL", help="owner of the new customers whose row names no owner (without it: the public pool); new customers get grade x-crm.new_grade and the first stage, as with crm new")
    p.add_argument("--dry-run", action="store_true", help="show what would happen, row by row; change nothing")
    p.add_argument("--json", action="store_true", help="the plan as JSON")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="export customers as CSV, XLSX, vCards or JSON",
                       description="Export the customers the list's filters select. CSV is UTF-8 with a BOM (Excel "
                       "shows Chinese) and neutralises formula cells; XLSX has typed cells, a frozen header and the "
                       "red/yellow rows of overdue follow-ups and birthdays; vCard is one card per contact; JSON holds "
                       "whole records. `crm import` reads every format but JSON back.")
    p.add_argument("--format", choices=("csv", "xlsx", "vcf", "json"), help="default: from -o's suffix, else csv")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: standard output)")
    p.add_argument("--headers", choices=("en", "zh"), default="en", help="column headers in English or Chinese")
    p.add_argument("--vcard-version", choices=("3.0", "4.0"), default="3.0")
    add_filters(p)
    p.set_defaults(func=cmd_export)


def _progress():
    """A progress bar on stderr when it is a terminal (reading the rows, then writing the files)."""
    if not sys.stderr.isatty():
        return None
    err = raw_stderr()

    def show(phase: str, done: int, total: int) -> None:
        if total < 200:
            return
        filled = done * 30 // total
        err.write(f"\r{phase:<8} [{'#' * filled}{'.' * (30 - filled)}] {done:,}/{total:,}")
        if done >= total:
            err.write("\n")
        err.flush()

    return show


def print_plan(plan) -> None:
    print(f"{printable(plan.source, True)} ({printable(plan.sheet.name, True)}, {plan.sheet.encoding}): "
          f"{len(plan.rows)} rows")
    for c in plan.columns:
        print(f"  {printable(c.header, True)} -> {printable(c.describe(), True)}")
    for row in plan.rows:
        print(f"row {row.line}: {printable(row.describe(), True)}")


def cmd_import(args, ctx) -> int:
    from tui.core.importer import parse_overrides, plan_import, run_import

    path = Path(args.file)
    mapping = parse_overrides(args.map)
    options = dict(today=ctx.today(), sheet=args.sheet, mapping=mapping, owner=args.owner, progress=_progress())
    if args.dry_run:
        plan = plan_import(ctx.ws, path, **options)
    else:
        try:
            plan, change = run_import(ctx.ws, path, **options)
        except NothingToChange as exc:
            plan, change = getattr(exc, "plan", None) or plan_import(ctx.ws, path, **options), None
    skipped = plan.count("invalid")
    if args.json:
        print(dumps(plan.as_json(), indent=2))
        return 1 if skipped else 0
    if args.dry_run:
        print_plan(plan)
        print(f"dry run: {plan.message.removeprefix('import ')}; merged into an earlier row: {plan.count('duplicate')}, "
              f"unchanged: {plan.count('same')}; nothing was written", file=sys.stderr)
        return 1 if skipped else 0
    for row in plan.rows:
        if row.action == "invalid":
            print(f"{printable(plan.source, True)}:{row.line}: skipped: {printable(row.why, True)}", file=sys.stderr)
    if change is None:
        print(f"import {printable(plan.source, True)}: nothing to change; the workspace already holds what the file says")
    else:
        print(change.message)
    return 1 if skipped else 0


def _format(args) -> str:
    if args.format:
        return args.format
    suffix = Path(args.output).suffix.lower().lstrip(".") if args.output else ""
    return {"vcard": "vcf", "ics": "vcf"}.get(suffix, suffix) if suffix in ("csv", "xlsx", "vcf", "vcard", "json") else "csv"


def cmd_export(args, ctx) -> int:
    from tui.core.catalog import select
    from tui.core.exporter import customers, export

    fmt = _format(args)
    today = ctx.today()
    rows = select(ctx.catalog().summaries.values(), list_filter(args, ctx), today)
    options = dict(language=args.headers, vcard_version=args.vcard_version, dumps=dumps)
    rules = ctx.ws.rules
    if args.output:
        target = Path(args.output)
        tmp = target.with_name(f".{target.name}.crm-tmp")
        try:
            with open(tmp, "wb" if fmt == "xlsx" else "w", **({} if fmt == "xlsx" else {"encoding": "utf-8", "newline": ""})) as fh:
                count = export(fmt, fh, customers(ctx.ws, rows), rules, today, **options)
            tmp.replace(target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise UsageError(f"cannot write {args.output}: {exc.strerror}") from None
        what = "cards" if fmt == "vcf" else "customers"
        print(f"exported {count} {what} to {printable(args.output, True)}", file=sys.stderr)
        return 0
    out = getattr(sys.stdout, "unguarded", sys.stdout)
    if fmt == "xlsx":
        if out.isatty():
            raise UsageError("an .xlsx workbook is binary; write it to a file with -o FILE.xlsx")
        out.flush()
        export(fmt, out.buffer, customers(ctx.ws, rows), rules, today, **options)
        out.buffer.flush()
        return 0
    export(fmt, _Terminal(out), customers(ctx.ws, rows), rules, today, **options)
    return 0


class _Terminal:
    """Standard output for an export: control characters in the data shown as escapes, line ends kept."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> int:
        bom = "\ufeff" if text.startswith("\ufeff") else ""  # the BOM Excel needs is no control to escape
        lines = text[len(bom):].split("\r\n")
        return self.stream.write(bom + "\r\n".join(printable(line) for line in lines))
