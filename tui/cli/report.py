"""`crm report`: summary, by, funnel, activity, orders, changes (and `all`), as text with bars, JSON,
CSV or an Excel workbook, for now or `--as-of` any past day."""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sys

from tui.cli.records import add_filters, as_of_arg, date_arg, list_filter
from tui.cli.output import dumps
from tui.core.display import printable
from tui.core.errors import UsageError
from tui.core.reports import DIMENSIONS, REPORTS, Options, build, population

HELP = {
    "summary": "customers by grade, stage, owner, tier, frequency and credit; order value; overdue follow-ups",
    "by": "a pivot: customers, order total and share per value of DIM (optionally crossed with --by DIM2)",
    "funnel": "customers reaching each stage, conversion to the next, exits, median and p90 days per stage",
    "activity": "touches per person and period by kind; due dates met or missed; overdue now; grade changes",
    "orders": "order value and count per period, in the base currency (optionally --by a dimension)",
    "changes": "what changed since a day: customers added, grades raised and lowered, stage moves, lost",
    "all": "every report (with --xlsx: one workbook, one sheet per report)",
}
ORDER_DIMS = ("region", "country", "owner", "product", "industry", "grade", "source", "tag")


def register(sub) -> None:
    p = sub.add_parser("report", help="reports: summary, by DIM, funnel, activity, orders, changes, all",
                       description="Reports on the customers, now or --as-of any past day (from git history). "
                       "Each takes the list's filters; the figures of every table add up to the customers shown.")
    kinds = p.add_subparsers(dest="report", metavar="REPORT", required=True)
    for kind in (*REPORTS, "all"):
        q = kinds.add_parser(kind, help=HELP[kind], description=HELP[kind].capitalize() + ".")
        if kind == "by":
            q.add_argument("dim", choices=DIMENSIONS, metavar="DIM", help=", ".join(DIMENSIONS))
            q.add_argument("--by", dest="by", choices=DIMENSIONS, metavar="DIM2", help="cross with a second dimension")
        elif kind == "funnel":
            q.add_argument("--by", dest="by", choices=DIMENSIONS, metavar="DIM", help="reached per stage for each value of DIM")
        elif kind == "activity":
            q.add_argument("--by", dest="by", choices=("owner",), default="owner", help="per person (the default)")
            q.add_argument("--period", choices=("week", "month"), default="month")
        elif kind == "orders":
            q.add_argument("--by", dest="by", choices=ORDER_DIMS, metavar="DIM", help=", ".join(ORDER_DIMS))
            q.add_argument("--period", choices=("month", "quarter", "year"), default="month")
        if kind in ("funnel", "activity", "orders", "changes", "all"):
            q.add_argument("--since", type=date_arg, metavar="DATE",
                           help={"funnel": "only customers added on or after DATE",
                                 "changes": "the first day of the period (default: 30 days ago)"}.get(kind, "from DATE on"))
        add_filters(q)
        q.add_argument("--as-of", dest="report_as_of", type=as_of_arg, metavar="DATE",
                       help="the report as it would have been at the end of DATE (from git history)")
        fmt = q.add_mutually_exclusive_group()
        fmt.add_argument("--json", action="store_true", help="the figures as JSON")
        fmt.add_argument("--csv", action="store_true", help="every table as CSV, each row led by its table's name")
        fmt.add_argument("--xlsx", metavar="FILE", help="an Excel workbook with one sheet per table and native charts")
        q.set_defaults(func=cmd_report)


def options(args) -> Options:
    return Options(dim=getattr(args, "dim", "region"), by=getattr(args, "by", None),
                   period=getattr(args, "period", None), since=getattr(args, "since", None))


def reports_for(args, ctx) -> list:
    """The report(s) asked for, computed once over one population."""
    today = args.report_as_of or ctx.today()
    pop = population(ctx.ws, list_filter(args, ctx), today, args.report_as_of, progress=_progress())
    opts = options(args)
    if args.report == "all":
        return [build(kind, pop, Options(dim=opts.dim if kind == "by" else "region", since=opts.since if kind != "funnel" else None))
                for kind in REPORTS]
    return [build(args.report, pop, opts)]


def _progress():
    from tui.cli import progress_printer

    return progress_printer()


def cmd_report(args, ctx) -> int:
    check(args)
    reports = reports_for(args, ctx)
    if args.xlsx:
        from tui.core.workbook import write_workbook

        path = write_workbook(reports, args.xlsx)
        print(f"wrote {printable(str(path))}: {len(reports)} sheet{'s' if len(reports) > 1 else ''}, "
              f"{sum(len(r.tables) for r in reports)} tables")
    elif args.json:
        data = [r.as_dict() for r in reports]
        sys.stdout.write(dumps(data if args.report == "all" else data[0], indent=1) + "\n")
    elif args.csv:
        write_csv(reports)
    else:
        from tui.core.charts import render

        width = min(shutil.get_terminal_size((80, 24)).columns, 160) if sys.stdout.isatty() else int(os.environ.get("COLUMNS") or 80)
        ascii = (getattr(sys.stdout, "encoding", "") or "").lower().replace("-", "") not in ("utf8", "utf_8")
        sys.stdout.write("\n".join(render(r, max(width, 40), ascii) for r in reports))
    return 0


def write_csv(reports) -> None:
    """Each table as a header row and its rows, each row led by the report and table name."""
    writer = csv.writer(sys.stdout, lineterminator="\n")  # "\r\n" would reach the terminal as an escaped \r
    for report in reports:
        for table in report.tables:
            writer.writerow(["report", "table", *table.columns])
            for row in table.rows:
                writer.writerow([report.kind, table.name, *("" if v is None else v for v in row)])
            if table.total:
                writer.writerow([report.kind, table.name, *("" if v is None else v for v in table.total)])


def check(args) -> None:
    if getattr(args, "by", None) and getattr(args, "dim", None) == args.by:
        raise UsageError(f"--by {args.by} crosses {args.dim} with itself; choose another dimension")
