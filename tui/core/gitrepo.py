"""The git command line, as the core uses it: identity, one commit per change, init.

We call `git` rather than a library: committing one file in a 10,000-file repository takes 0.08 s with
the command line and 0.50 s with GitPython's index (figures in DESIGN.md), and the command line is what
users' hooks and configuration already expect.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Sequence

from tui.core.errors import CrmError, GitError

_COMMIT_LINE = re.compile(r"\[[^\]]*?([0-9a-f]{7,40})\]")  # "[main (root-commit) 1a2b3c4] message"

IDENTITY_HELP = (
    "git does not know who you are, and every change is a commit in your name. Set it once with\n"
    '  git config --global user.name "Your Name"\n'
    "  git config --global user.email you@example.com"
)


def _descendants(pid: int) -> list[int]:
    """The processes `pid` started, and theirs (Linux /proc; elsewhere none are found)."""
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                kids = [int(k) for k in fh.read().split()]
        except (OSError, ValueError):
            continue
        for kid in kids:
            found += [kid, *_descendants(kid)]
    return found


def _kill_tree(pid: int) -> None:
    """SIGKILL `pid` and everything it started (found first: once it dies they belong to init)."""
    for victim in [*_descendants(pid), pid]:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(victim, signal.SIGKILL)


def git_env(extra: dict | None = None) -> dict:
    env = dict(os.environ)
    # Never prompt (no password prompt can appear under the UI); stable, parseable output.
    env.update({"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "", "LC_ALL": "C", "GIT_EDITOR": "true"})
    # A read such as `git status` may otherwise take index.lock and make a commit at the same moment fail.
    env["GIT_OPTIONAL_LOCKS"] = "0"
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
    if extra:
        env.update(extra)
    return env


class Git:
    """A git repository at `root`, driven through the `git` command."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._identity: tuple[str, str] | None = None

    def run(self, *args: str, check: bool = True, input: str | None = None, env: dict | None = None, timeout: float | None = None) -> subprocess.CompletedProcess:
        if timeout is not None:
            return self._run_network(args, check, input, env, timeout)
        try:
            proc = subprocess.run(
                ["git", *args],
                cwd=self.root,
                input=input,
                capture_output=True,
                text=True,
                env=git_env(env),
            )
        except FileNotFoundError:
            raise CrmError("git is not installed; install git and try again") from None
        return self._checked(args, proc, check)

    def _run_network(self, args, check: bool, input: str | None, env: dict | None, timeout: float) -> subprocess.CompletedProcess:
        """A git command that may talk to a remote. On timeout git goes with the processes it started (its
        ssh, which would otherwise hold the pipes open and wait on a silent server forever)."""
        try:
            child = subprocess.Popen(["git", *args], cwd=self.root, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=git_env(env))
        except FileNotFoundError:
            raise CrmError("git is not installed; install git and try again") from None
        try:
            out, err = child.communicate(input, timeout=timeout)
        except BaseException as exc:
            _kill_tree(child.pid)
            try:
                child.communicate(timeout=5)
            except subprocess.TimeoutExpired:  # a grandchild /proc did not show still holds the pipes
                child.stdout.close()
                child.stderr.close()
                child.wait()
            if isinstance(exc, subprocess.TimeoutExpired):
                raise GitError(f"git {args[0]} took longer than {timeout:.0f} s and was stopped") from None
            raise
        return self._checked(args, subprocess.CompletedProcess(child.args, child.returncode, out, err), check)

    @staticmethod
    def _checked(args, proc: subprocess.CompletedProcess, check: bool) -> subprocess.CompletedProcess:
        if check and proc.returncode != 0:
            message = (proc.stderr or proc.stdout).strip() or f"git {args[0]} failed"
            raise GitError(f"git {args[0]}: {message}")
        return proc

    def is_repo(self) -> bool:
        return (self.root / ".git").exists()

    def init(self) -> None:
        self.run("init", "-q")

    def has_commits(self) -> bool:
        return self.run("rev-parse", "-q", "--verify", "HEAD", check=False).returncode == 0

    def identity(self) -> tuple[str, str]:
        """(name, email) commits are authored with; CrmError naming the fix when none is set.

        Stricter than git, which would invent `user@hostname`: an audit trail needs a real name."""
        if self._identity:
            return self._identity
        name = os.environ.get("GIT_AUTHOR_NAME") or self._config("user.name")
        email = os.environ.get("GIT_AUTHOR_EMAIL") or self._config("user.email") or os.environ.get("EMAIL")
        if not name or not email:
            raise CrmError(IDENTITY_HELP)
        self._identity = (name, email)
        return name, email

    def _config(self, key: str) -> str:
        proc = self.run("config", "--get", key, check=False)
        return proc.stdout.strip() if proc.returncode == 0 else ""

    def commit(self, paths: Sequence[str], message: str) -> str:
        """Commit exactly these paths (added, changed or deleted) as one commit; returns its id.

        Other changes in the index or work tree stay as they are: `git commit -- paths` commits only
        the named paths. A tracked file needs no `git add` first, which saves a process (and an index
        refresh) on every change in a large workspace; untracked ones are added when git says so."""
        self.identity()
        proc = self.run("commit", "-m", message, "--", *paths, check=False)
        if proc.returncode != 0 and "did not match any file" in proc.stderr:
            self.run("add", "-A", "--", *paths)
            proc = self.run("commit", "-m", message, "--", *paths, check=False)
        if proc.returncode != 0:
            raise GitError(f"git commit: {(proc.stderr or proc.stdout).strip()}")
        made = _COMMIT_LINE.match(proc.stdout)
        return made[1] if made else self.run("rev-parse", "HEAD").stdout.strip()

    # ------------------------------------------------------------ the transaction's git side

    def git_dir(self) -> Path:
        """This work tree's own git folder (`.git`, or where a `.git` file of a worktree points)."""
        dot = self.root / ".git"
        if dot.is_file():
            line = dot.read_text(encoding="utf-8", errors="replace").strip()
            if line.startswith("gitdir:"):
                target = Path(line[7:].strip())
                return target if target.is_absolute() else (self.root / target).resolve()
        return dot

    def common_dir(self) -> Path:
        """Where refs, objects and config live (the main repository's .git for a worktree)."""
        own = self.git_dir()
        common = own / "commondir"
        if common.is_file():
            c = Path(common.read_text(encoding="utf-8").strip())
            return c if c.is_absolute() else (own / c).resolve()
        return own

    def refuse_unsafe_state(self, full: bool = True) -> None:
        """CrmError, saying what to do, when a commit made now could be lost or land on no branch
        (only "not a repository" and "bare" unless `full`)."""
        if not self.is_repo():
            if (self.root / "HEAD").is_file() and (self.root / "objects").is_dir():
                raise CrmError(f"{self.root} is a bare repository (it has no files to edit); clone it with "
                               f"`git clone {self.root} FOLDER` and work in the clone")
            raise CrmError(f"{self.root} is not a git repository; run `crm init {self.root}` to make it one")
        if not full:
            return
        own = self.git_dir()
        for marker, what, how in (
            ("rebase-merge", "a rebase", "git rebase --continue` or `git rebase --abort"),
            ("rebase-apply", "a rebase", "git rebase --continue` or `git rebase --abort"),
            ("MERGE_HEAD", "a merge", "git merge --continue` or `git merge --abort"),
            ("CHERRY_PICK_HEAD", "a cherry-pick", "git cherry-pick --continue` or `git cherry-pick --abort"),
            ("REVERT_HEAD", "a revert", "git revert --continue` or `git revert --abort"),
            ("BISECT_LOG", "a bisect", "git bisect reset"),
        ):
            if (own / marker).exists():
                raise CrmError(f"{what} is in progress in {self.root}, and a commit made now could be lost; finish it "
                               f"with `{how}` (`git status` says where it stands), then try again; nothing was changed")
        try:
            head = (own / "HEAD").read_text(encoding="utf-8").strip()
        except OSError:
            head = ""
        if not head.startswith("ref: "):
            raise CrmError("HEAD is detached (no branch is checked out), so a commit made now would be lost when you switch "
                           "back; check out a branch (`git switch main`) and try again; nothing was changed")

    def wait_for_index_lock(self, seconds: float = 2.0) -> None:
        """Wait briefly for another git process to release `.git/index.lock`; CrmError naming it if it stays."""
        lock = self.git_dir() / "index.lock"
        deadline = time.monotonic() + seconds
        while lock.exists():
            if time.monotonic() >= deadline:
                raise CrmError(f"{self.relative(lock)} exists: another git process is using this repository, or one was "
                               f"stopped and left its lock behind. If no git command is running, remove it "
                               f"(`rm {self.relative(lock)}`) and try again; nothing was changed")
            time.sleep(0.02)

    def relative(self, path: Path) -> str:
        try:
            return Path(path).relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def head(self) -> str | None:
        """The commit HEAD points at, or None on a branch with no commits yet."""
        proc = self.run("rev-parse", "-q", "--verify", "HEAD^{commit}", check=False)
        return proc.stdout.strip() if proc.returncode == 0 else None

    def tree_entry(self, commit: str | None, relpath: str) -> tuple[str, str] | None:
        """(mode, blob id) of `relpath` in `commit`, or None when it has no such file."""
        if commit is None:
            return None
        out = self.run("ls-tree", "-z", commit, "--", relpath).stdout
        for item in out.split("\0"):
            if item:
                info, _, name = item.partition("\t")
                mode, kind, blob = info.split()
                if name == relpath and kind == "blob":
                    return mode, blob
        return None

    def blob_text(self, blob: str) -> bytes:
        return self._bytes(["cat-file", "blob", blob])

    def hash_blob(self, relpath: str, content: bytes, write: bool) -> str:
        """The blob id git gives `content` at `relpath` (its filters applied), written to the object store if asked."""
        args = ["hash-object", *(["-w"] if write else []), "--stdin", "--path", relpath]
        return self._bytes(args, content).decode().strip()

    def commit_file(self, relpath: str, blob: str | None, message: str, parent: str | None, mode: str, scratch: Path) -> str:
        """Make a commit of `parent` with only `relpath` changed (to `blob`, or removed when None) and move the
        branch to it, only if it still points at `parent`. Nothing else of the index or the work tree goes in:
        the tree is built in a scratch index, not from the work tree. Returns the new commit's id."""
        return self.commit_files([(relpath, blob, mode)], message, parent, scratch)

    def hash_paths(self, relpaths: list[str]) -> list[str]:
        """Blob ids of the files at `relpaths` as `git add` would store them (filters applied), written to the
        object store: one git process for any number of files."""
        if not relpaths:
            return []
        out = self._bytes(["hash-object", "-w", "--stdin-paths"], "".join(f"{p}\n" for p in relpaths).encode())
        blobs = out.decode().split()
        if len(blobs) != len(relpaths):
            raise GitError("git hash-object: did not hash every file")
        return blobs

    def stores_bytes_as_is(self, relpaths: list[str]) -> bool:
        """Whether git stores files at `relpaths` byte for byte (no line-ending conversion or filter applies to
        any of them, and objects are named by SHA-1), so their blob ids can be computed here instead of by git."""
        if self.run("rev-parse", "--show-object-format", check=False).stdout.strip() not in ("", "sha1"):
            return False
        autocrlf = self.run("config", "--get", "core.autocrlf", check=False).stdout.strip().lower()
        if autocrlf in ("true", "yes", "on", "1", "input"):  # git's spellings of true, and input
            return False
        attrs = self.run("check-attr", "--stdin", "text", "eol", "crlf", "filter", "ident", "working-tree-encoding",
                         input="".join(f"{p}\n" for p in relpaths), check=False).stdout
        return all(line.endswith(": unspecified") or line.endswith(": unset") for line in attrs.splitlines())

    def write_blobs(self, contents: list[bytes]) -> None:
        """Store many blobs in one pack (one git process, one file) rather than one loose object each."""
        if not contents:
            return
        stream = bytearray()
        for data in contents:
            stream += b"blob\ndata %d\n" % len(data)
            stream += data
            stream += b"\n"
        stream += b"done\n"
        self._bytes(["fast-import", "--quiet", "--done"], bytes(stream))

    def commit_files(self, entries: list[tuple[str, str | None, str]], message: str, parent: str | None, scratch: Path) -> str:
        """`commit_file` for many files at once: each (relpath, blob or None to remove, mode). One commit, one
        update-index process whatever the count."""
        env = {"GIT_INDEX_FILE": str(scratch)}
        if parent:
            self.run("read-tree", parent, env=env)
        else:
            self.run("read-tree", "--empty", env=env)
        self._index_info(entries, env, len(parent) if parent else 40)
        tree = self.run("write-tree", env=env).stdout.strip()
        self.identity()
        args = ["commit-tree", tree, *(["-p", parent] if parent else []), "-F", "-"]
        commit = self.run(*args, input=message + "\n").stdout.strip()
        self.run("update-ref", "-m", f"crm: {message.splitlines()[0]}", "HEAD", commit, parent or "0" * len(commit))
        return commit

    def tree_of(self, commit: str) -> str:
        return self.run("rev-parse", f"{commit}^{{tree}}").stdout.strip()

    def stage_many(self, entries: list[tuple[str, str | None, str]], width: int = 40) -> None:
        """`stage` for many files in one git process (`width`: the length of an object id here)."""
        if entries:
            self._index_info(entries, None, width)

    def _index_info(self, entries: list[tuple[str, str | None, str]], env: dict | None, width: int) -> None:
        zero = "0" * width
        lines = "".join(f"{mode} {blob}\t{path}\0" if blob else f"0 {zero}\t{path}\0" for path, blob, mode in entries)
        self.run("update-index", "-z", "--index-info", input=lines, env=env)

    def stage(self, relpath: str, blob: str | None, mode: str = "100644") -> None:
        """Set the real index's entry of `relpath` to what was just committed, so `git status` is clean."""
        if blob is None:
            self.run("update-index", "--force-remove", "--", relpath)
        else:
            self.run("update-index", "--add", "--cacheinfo", f"{mode},{blob},{relpath}")

    def _bytes(self, args: list[str], data: bytes | None = None) -> bytes:
        try:
            proc = subprocess.run(["git", *args], cwd=self.root, input=data, capture_output=True, env=git_env())
        except FileNotFoundError:
            raise CrmError("git is not installed; install git and try again") from None
        if proc.returncode != 0:
            message = proc.stderr.decode("utf-8", "replace").strip() or f"git {args[0]} failed"
            raise GitError(f"git {args[0]}: {message}")
        return proc.stdout

    def status_paths(self, *pathspec: str, untracked: bool = True) -> list[tuple[str, str]]:
        """(XY status, path) of changed (and, unless told otherwise, untracked) files under `pathspec`."""
        return parse_status(self.run(*status_args(*pathspec, untracked=untracked)).stdout)


def status_args(*pathspec: str, untracked: bool = True) -> list[str]:
    """The arguments of the `git status` that `parse_status` reads."""
    mode = "--untracked-files=all" if untracked else "--untracked-files=no"
    return ["status", "--porcelain=v1", "-z", mode, "--", *pathspec]


def parse_status(out: str) -> list[tuple[str, str]]:
    """(XY status, path) from `git status --porcelain=v1 -z` (a rename's old path skipped)."""
    items = []
    parts = out.split("\0")
    i = 0
    while i < len(parts):
        entry = parts[i]
        if len(entry) > 3:
            items.append((entry[:2], entry[3:]))
            if entry[0] in "RC":
                i += 1
        i += 1
    return items
