"""The `crm` command: a thin face over tui.core, one subcommand per action.

Exit codes: 0 success, 1 failure or invalid data, 2 usage error.
Each command module registers its subcommands with `register(subparsers)`; add new modules to COMMANDS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import sys
from functools import cached_property

import tui
from tui.core.errors import CrmError, InvalidRecord, StaleWrite
from tui.core.yamlparse import YamlProblem

COMMANDS = ("tui.cli.setup", "tui.cli.records", "tui.cli.history", "tui.cli.pool", "tui.cli.team",
            "tui.cli.duplicates", "tui.cli.transfer", "tui.cli.deleted", "tui.cli.report")

EPILOG = """\
Run `crm` with no command to open the terminal UI on the workspace (found from the current folder
upwards, or --workspace PATH, or $CRM_WORKSPACE). New here? `crm demo` opens a throwaway sample.
Set CRM_TODAY=YYYY-MM-DD to run any command as of another day (scripts, tests).
"""


class Context:
    """What a command needs, made on first use: the workspace, today's date, the write side."""

    def __init__(self, args: argparse.Namespace):
        self.args = args

    @cached_property
    def ws(self):
        from tui.core.workspace import Workspace

        ws = Workspace.find(self.args.workspace)
        from tui.core.merge import ensure_driver

        ensure_driver(ws.root)  # a fresh clone gets the field-level merge driver on its first crm command
        from tui.core.transaction import recover_now

        recover_now(ws)  # an action interrupted earlier (kill -9, power cut) is finished or undone first
        as_of = getattr(self.args, "as_of", None)
        if as_of is not None:
            from tui.core.asof import workspace_as_of

            ws = workspace_as_of(ws, as_of)
        return ws

    def today(self) -> dt.date:
        as_of = getattr(self.args, "as_of", None)
        if as_of is not None:
            return as_of
        from tui.cli.records import env_today

        return env_today()

    @cached_property
    def changes(self):
        from tui.core.changes import Changes

        return Changes(self.ws, self.today)

    def catalog(self):
        from tui.core.store import load_catalog

        return load_catalog(self.ws, progress=progress_printer())

    def find_id(self, query: str) -> str:
        from tui.core.changes import find_id

        return find_id(self.ws, query)


def progress_printer():
    """A progress line on stderr for long loads, when stderr is a terminal."""
    from tui.cli.output import raw_stderr

    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        if total < 200:
            return
        end = "\n" if done >= total else ""
        print(f"\rReading {total} changed records… {done * 100 // total:3d}%", end=end, file=raw_stderr(), flush=True)

    return show


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crm",
        description="Customers as YAML files in git, graded and followed up in a terminal UI.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"crm {tui.__version__}")
    parser.add_argument("-w", "--workspace", metavar="PATH", help="the workspace folder (default: found from here upwards)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    for command in sub.choices.values():  # `crm list --workspace X` as well as `crm --workspace X list`
        command.add_argument("-w", "--workspace", metavar="PATH", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    from tui.cli.output import guard

    parser = build_parser()
    with guard():
        args = parser.parse_args(argv)
    ctx = Context(args)
    if args.command is None or args.command == "demo":  # the terminal UI draws the screen itself
        return run(args, ctx, parser)
    with guard():
        return run(args, ctx, parser)


def run(args: argparse.Namespace, ctx: Context, parser: argparse.ArgumentParser) -> int:
    try:
        if args.command is None:
            return open_ui(ctx, parser)
        return args.func(args, ctx) or 0
    except InvalidRecord as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"crm: {exc.summary}", file=sys.stderr)
        return 1
    except StaleWrite as exc:
        print(f"crm: {exc}", file=sys.stderr)
        return 1
    except CrmError as exc:
        print(f"crm: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except YamlProblem as exc:  # a change whose text would not read back: nothing was written
        print(f"crm: nothing was written: the changed record would not read back as YAML "
              f"({exc.line}:{exc.col}: {exc.message})", file=sys.stderr)
        return 1
    except Exception as exc:  # the last line of defence: a bug is reported in one line, not a traceback
        if os.environ.get("CRM_DEBUG"):
            raise
        print(f"crm: internal error ({type(exc).__name__}: {exc}); this is a bug in crm. "
              "Run the command again with CRM_DEBUG=1 to see where it happened, and report it.", file=sys.stderr)
        return 1


def open_ui(ctx: Context, parser: argparse.ArgumentParser) -> int:
    try:
        from tui.ui.app import run_app
    except ImportError:
        parser.print_help()
        return 0
    return run_app(ctx.ws, today=ctx.today)
