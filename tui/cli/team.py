"""Team commands: check-permissions (CLI, CI job, pre-receive hook) and codeowners."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tui.cli.output import dumps
from tui.core.errors import CrmError


def register(sub) -> None:
    p = sub.add_parser("check-permissions", help="check commits against the team rules (x-crm.team); exit 1 if any breaks them",
                       description="Read every commit in RANGE (default: @{upstream}..HEAD, what `crm sync` would push) and "
                       "print `commit record: why` for each change its author may not make under the x-crm.team rules in "
                       "force at the range's base. Exit 1 when anything is refused. With --pre-receive, read git's "
                       "pre-receive input (OLD NEW REF lines) instead: install it as the hook of a bare repository. There, "
                       "$CRM_PUSHER (set per ssh key in authorized_keys) names who pushes: commits authored as anyone else "
                       "are refused unless a manager pushes them.")
    p.add_argument("range", nargs="?", metavar="RANGE", help="BASE..TIP, e.g. origin/main..HEAD")
    p.add_argument("--pre-receive", action="store_true", help="run as git's pre-receive hook (reads stdin)")
    p.add_argument("--json", action="store_true", help="a JSON array of refusals")
    p.set_defaults(func=cmd_check_permissions)

    p = sub.add_parser("codeowners", help="write CODEOWNERS: each record to its owner, schema.yaml to the managers",
                       description="Write a CODEOWNERS file (one commit) for git hosts that ask the owners to review a merge "
                       "request: records/<id>.yaml to its owner's email (and the managers), schema.yaml to the managers of "
                       "x-crm.team. `crm validate` reports when it is out of date.")
    p.add_argument("--check", action="store_true", help="only say whether CODEOWNERS is up to date (exit 1 if not)")
    p.set_defaults(func=cmd_codeowners)


def _git(args):
    """The repository to read: --workspace, $CRM_WORKSPACE, else here (a bare repository in a hook)."""
    from tui.core.gitrepo import Git

    where = getattr(args, "workspace", None) or os.environ.get("CRM_WORKSPACE") or "."
    git = Git(Path(where))
    if git.run("rev-parse", "--git-dir", check=False).returncode != 0:
        raise CrmError(f"{Path(where).resolve()} is not in a git repository; run this in a workspace (or a bare "
                       "repository's hook) or pass --workspace PATH")
    return git


def cmd_check_permissions(args, ctx) -> int:
    from tui.core.errors import UsageError
    from tui.core.permissions import check_pushes, check_range

    git = _git(args)
    if args.pre_receive:
        if args.range:
            raise UsageError("give either a RANGE or --pre-receive (which reads the pushed refs from stdin)")
        report = check_pushes(git, sys.stdin.read(), os.environ.get("CRM_PUSHER") or None)
    else:
        given = args.range
        if given is None:
            if git.run("rev-parse", "-q", "--verify", "@{upstream}", check=False).returncode != 0:
                raise UsageError("this branch has no upstream; give a RANGE such as origin/main..HEAD")
            given = "@{upstream}..HEAD"
        report = check_range(git, given)
    if args.json:
        print(dumps([r.as_dict() for r in report.refusals], indent=2))
    else:
        for refusal in report.refusals:
            print(refusal)
    if report.refusals:
        n = len(report.refusals)
        print(f"crm: {n} change{'s' if n != 1 else ''} the team rules (x-crm.team in schema.yaml) do not allow; "
              "a manager may make them, or undo them and change only your own customers", file=sys.stderr)
        return 1
    if not args.pre_receive and not args.json:
        rules = f"{len(report.team.members)} team members" if report.team else "no x-crm.team, so everyone may change everything"
        print(f"{report.commits} commit{'s' if report.commits != 1 else ''} checked ({rules}): all allowed", file=sys.stderr)
    return 0


def cmd_codeowners(args, ctx) -> int:
    from tui.core.codeowners import exists, is_current, write_codeowners

    if args.check:
        if is_current(ctx.ws):
            print("CODEOWNERS is up to date")
            return 0
        if not exists(ctx.ws):
            print("no CODEOWNERS yet; run `crm codeowners`", file=sys.stderr)
        else:
            print("CODEOWNERS is out of date; run `crm codeowners`", file=sys.stderr)
        return 1
    change = write_codeowners(ctx.ws)
    print(change if change else "CODEOWNERS is up to date; nothing changed")
    return 0
