"""Making workspaces: `crm init` (an empty one) and the sample data that `crm demo` starts from."""

from __future__ import annotations

from pathlib import Path

from tui.core.errors import CrmError
from tui.core.gitrepo import Git
from tui.core.workspace import Workspace

GITATTRIBUTES = "# Field-level merges of customer records (crm registers the driver in every clone)\nrecords/*.yaml merge=crm\n"
RECORDS_README = "One customer per file: records/<id>.yaml. See ../schema.yaml for the fields.\n"


def sample_dir() -> Path:
    """The sample workspace: inside the installed package, or the top of a source checkout."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "sample", here.parent):
        if (candidate / "schema.yaml").is_file() and (candidate / "records").is_dir():
            return candidate
    raise CrmError("this installation has lost its sample workspace (schema.yaml, records/); reinstall crm")


def refuse_git_internals(path: Path) -> None:
    """A CrmError when `path` is a bare repository or inside a .git folder: a workspace needs a work tree."""
    full = path.absolute()
    probe = full
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if ".git" in full.parts:
        inside = True
        bare = False
    else:
        proc = Git(probe if probe.is_dir() else probe.parent).run(
            "rev-parse", "--is-bare-repository", "--is-inside-git-dir", "--absolute-git-dir", check=False)
        answers = proc.stdout.splitlines() if proc.returncode == 0 else []
        bare = answers[:2] == ["true", "true"]
        inside = answers[1:2] == ["true"]
        repo = answers[2] if len(answers) > 2 else str(full)
    if bare:
        where = "is a bare git repository" if Path(repo) == full else f"is inside the bare git repository {repo}"
        raise CrmError(f"{full} {where} (no working tree), and crm will not write into it; "
                       f"clone it first: `git clone {repo} DIR`, then `crm init DIR` (or just work in the clone)")
    if inside:
        raise CrmError(f"{full} is inside a git repository's .git folder, and crm will not write there; "
                       "run `crm init` in the working tree (the folder that holds .git) or in a new folder")


def init_workspace(path: Path) -> tuple[Workspace, bool]:
    """Make `path` a workspace: git init if needed, schema.yaml, records/, .gitattributes, a first commit.

    Returns (workspace, created). An existing workspace is left alone."""
    path = Path(path)
    refuse_git_internals(path)
    path.mkdir(parents=True, exist_ok=True)
    ws = Workspace(path)
    if ws.schema_path.exists() and ws.records_dir.is_dir():
        return ws, False
    git = Git(ws.root)
    if not git.is_repo():
        git.init()
    git.identity()  # fail before writing anything when commits cannot be made
    written = []
    if not ws.schema_path.exists():
        ws.schema_path.write_text((sample_dir() / "schema.yaml").read_text(encoding="utf-8"), encoding="utf-8")
        written.append("schema.yaml")
    ws.records_dir.mkdir(exist_ok=True)
    keep = ws.records_dir / ".gitkeep"
    if not any(ws.records_dir.iterdir()):
        keep.write_text("")
        written.append("records/.gitkeep")
    attributes = ws.root / ".gitattributes"
    existing = attributes.read_text(encoding="utf-8") if attributes.exists() else ""
    if "merge=crm" not in existing:
        attributes.write_text(existing + ("\n" if existing and not existing.endswith("\n") else "") + GITATTRIBUTES, encoding="utf-8")
        written.append(".gitattributes")
    if written:
        git.commit(written, "crm: new workspace")
    return ws, True
