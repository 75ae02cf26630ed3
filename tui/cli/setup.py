"""`crm init` and `crm demo`: making workspaces."""

from __future__ import annotations

import tempfile
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("init", help="make a workspace (git repository, schema.yaml, records/)",
                       description="Make PATH (default: here) a crm workspace: git init if needed, the default "
                       "schema.yaml, records/, .gitattributes, and a first commit. An existing workspace is left alone.")
    p.add_argument("path", nargs="?", default=".", metavar="PATH")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", help="try crm on a throwaway copy of the sample workspace",
                       description="Copy the sample workspace (about 70 customers of a lighting and hardware exporter) "
                       "into DIR (default: a new temporary folder) with two years of git history, then open the UI on it.")
    p.add_argument("dir", nargs="?", metavar="DIR")
    p.add_argument("--no-ui", action="store_true", help="only build the workspace and print where it is")
    p.set_defaults(func=cmd_demo)


def cmd_init(args, ctx) -> int:
    from tui.core.create import init_workspace

    ws, created = init_workspace(Path(args.path))
    if created:
        print(f"Made a crm workspace in {ws.root}")
        print("Next: `crm new \"Company Name\" --country DE` adds a customer; `crm` opens the UI.")
    else:
        print(f"{ws.root} is already a crm workspace; nothing changed")
    return 0


def cmd_demo(args, ctx) -> int:
    from tui.core.demo import build_demo

    target = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="crm-demo-"))
    ws = build_demo(target)
    from tui.core.merge import ensure_driver

    ensure_driver(ws.root)
    ctx.ws = ws
    print(f"Sample workspace with history: {ws.root}")
    if not args.no_ui:
        try:
            from tui.ui.app import run_app
        except ImportError:
            pass
        else:
            code = run_app(ws, today=ctx.today)
            print(f"The demo workspace stays in {ws.root} (git log there shows its history); delete it when done.")
            return code
    print(f"Try: cd {ws.root} && crm list, crm due, crm show <id>, git log --oneline")
    return 0
