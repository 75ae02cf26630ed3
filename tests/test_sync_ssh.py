"""`crm sync` against a bare repository served by a real sshd on localhost: a sync that works, a
pre-receive hook running `crm check-permissions`, a key the server does not know, an unreachable port,
a server that accepts and then hangs. Sync never prompts, gives up within --timeout, shows the hook's
reason, and leaves the workspace as it was."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gitfarm import BASE_RECORD, PINNED, git
from sshd import SilentServer, Sshd, free_port
from tui.core.create import GITATTRIBUTES

ROOT = Path(__file__).resolve().parent.parent
ACME, BOLT = "acme-7k3q", "bolt-2m4n"
TEAM = "  team:\n    alice@example.com: sales\n    bob@example.com: sales\n    carol@example.com: manager\n"


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    server = Sshd.start(tmp_path_factory.mktemp("sshd"))
    if server is None:
        pytest.skip(f"no sshd for the ssh sync tests: {Sshd.why_not}")
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def plain_authorized_keys(sshd):
    sshd.authorize()


def crm(clone: Path, *args: str, ssh: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """The real `crm` as a user's shell runs it, with no terminal to prompt on (stdin closed)."""
    env = {**os.environ, **PINNED, "GIT_SSH_COMMAND": ssh, "NO_COLOR": "1"}
    env.pop("CRM_WORKSPACE", None)
    return subprocess.run([sys.executable, "-m", "tui", "-w", str(clone), *args], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=timeout)


class Team:
    """remote.git served over ssh, and clones that reach it through `ssh://` urls."""

    def __init__(self, tmp: Path, sshd: Sshd):
        self.tmp, self.sshd = tmp, sshd
        self.remote = tmp / "remote.git"
        git(tmp, "init", "-q", "--bare", "-b", "main", str(self.remote))
        seed = tmp / "seed"
        git(tmp, "init", "-q", "-b", "main", str(seed))
        self.identity(seed, "carol")
        schema = (ROOT / "schema.yaml").read_text().replace("  pool:\n", TEAM + "  pool:\n", 1)
        (seed / "schema.yaml").write_text(schema)
        (seed / ".gitattributes").write_text(GITATTRIBUTES)
        (seed / "records").mkdir()
        for rid, owner in ((ACME, "alice"), (BOLT, "bob")):
            text = BASE_RECORD.replace("city: Hamburg\n", f"city: Hamburg\nowner: {owner}@example.com\n")
            (seed / "records" / f"{rid}.yaml").write_text(text)
        git(seed, "add", "-A")
        git(seed, "commit", "-q", "-m", "crm: new workspace")
        git(seed, "push", "-q", str(self.remote), "main")

    @staticmethod
    def identity(path: Path, name: str) -> None:
        git(path, "config", "user.name", name.title())
        git(path, "config", "user.email", f"{name}@example.com")
        git(path, "config", "commit.gpgsign", "false")

    def clone(self, name: str) -> Path:
        path = self.tmp / name
        env = {**os.environ, "GIT_SSH_COMMAND": self.sshd.ssh_command()}
        subprocess.run(["git", "clone", "-q", self.sshd.url(self.remote), str(path)], check=True, env=env, capture_output=True)
        self.identity(path, name)
        return path

    def hook(self, body: str) -> None:
        hook = self.remote / "hooks" / "pre-receive"
        hook.write_text(f"#!/bin/sh\n{body}\n")
        hook.chmod(0o755)

    def tip(self) -> str:
        return git(self.remote, "rev-parse", "main").strip()


@pytest.fixture
def team(tmp_path, sshd) -> Team:
    return Team(tmp_path, sshd)


def state(clone: Path) -> tuple[str, str, str]:
    """What "the workspace as it was" means: HEAD, uncommitted changes, the files of records/."""
    files = "".join(p.read_text() for p in sorted((clone / "records").glob("*.yaml")))
    return git(clone, "rev-parse", "HEAD"), git(clone, "status", "--porcelain"), files


def hand_edit(clone: Path, rid: str, old: str, new: str) -> None:
    path = clone / "records" / f"{rid}.yaml"
    path.write_text(path.read_text().replace(old, new))


def test_two_people_sync_through_sshd(team, sshd):
    ssh = sshd.ssh_command()
    alice, bob = team.clone("alice"), team.clone("bob")
    assert crm(alice, "grade", ACME, "B", ssh=ssh).returncode == 0
    synced = crm(alice, "sync", ssh=ssh)
    assert synced.returncode == 0, synced.stderr
    assert team.tip() == git(alice, "rev-parse", "HEAD").strip()
    hand_edit(bob, BOLT, "city: Hamburg", "city: Bremen")
    synced = crm(bob, "sync", ssh=ssh)
    assert synced.returncode == 0, synced.stderr
    assert "grade: B" in (bob / "records" / f"{ACME}.yaml").read_text()
    assert team.tip() == git(bob, "rev-parse", "HEAD").strip()


def test_the_pre_receive_hook_refuses_a_plain_git_push_over_ssh(team, sshd):
    team.hook(f"exec {sys.executable} -m tui check-permissions --pre-receive")
    alice = team.clone("alice")
    hand_edit(alice, BOLT, "city: Hamburg", "city: Bremen")
    git(alice, "commit", "-qam", "edit bob's customer")
    tip = team.tip()
    proc = subprocess.run(["git", "push", "origin", "main"], cwd=alice, capture_output=True, text=True,
                          env={**os.environ, "GIT_SSH_COMMAND": sshd.ssh_command()})
    assert proc.returncode != 0
    assert f"{BOLT}: bob@example.com's customer; alice@example.com (sales) may change only their own" in proc.stderr
    assert team.tip() == tip


def test_sync_shows_the_hooks_reason_and_leaves_the_workspace_as_it_was(team, sshd):
    """alice's clone claims to be carol (a manager), which her own check cannot see through; the server
    knows her key is alice's (CRM_PUSHER in authorized_keys) and its hook refuses."""
    team.hook(f"exec {sys.executable} -m tui check-permissions --pre-receive")
    sshd.authorize('environment="CRM_PUSHER=alice@example.com"')
    alice = team.clone("alice")
    git(alice, "config", "user.email", "carol@example.com")
    hand_edit(alice, BOLT, "city: Hamburg", "city: Bremen")
    before, tip = state(alice), team.tip()
    proc = crm(alice, "sync", ssh=sshd.ssh_command())
    assert proc.returncode == 1
    assert "origin refused the push:" in proc.stderr
    assert "(author): authored as carol@example.com but pushed with alice@example.com's key" in proc.stderr
    assert state(alice) == before
    assert team.tip() == tip


def test_a_key_the_server_does_not_know_fails_at_once_without_a_prompt(team, sshd):
    alice = team.clone("alice")
    hand_edit(alice, ACME, "city: Hamburg", "city: Kiel")
    before = state(alice)
    started = time.monotonic()
    proc = crm(alice, "sync", ssh=sshd.ssh_command(sshd.folder / "stranger_key"), timeout=30)
    assert proc.returncode == 1
    assert "origin refused our credentials" in proc.stderr
    assert time.monotonic() - started < 20
    assert state(alice) == before


def test_an_unreachable_port_is_offline_and_changes_nothing(team, sshd):
    alice = team.clone("alice")
    git(alice, "remote", "set-url", "origin", sshd.url(team.remote, port=free_port()))
    hand_edit(alice, ACME, "city: Hamburg", "city: Kiel")
    before = state(alice)
    proc = crm(alice, "sync", "--timeout", "20", ssh=sshd.ssh_command())
    assert proc.returncode == 1
    assert "offline: could not reach origin" in proc.stderr
    assert state(alice) == before


def test_a_server_that_accepts_and_hangs_is_given_up_within_the_timeout(team, sshd):
    alice = team.clone("alice")
    silent = SilentServer()
    try:
        git(alice, "remote", "set-url", "origin", sshd.url(team.remote, port=silent.port))
        hand_edit(alice, ACME, "city: Hamburg", "city: Kiel")
        before = state(alice)
        started = time.monotonic()
        proc = crm(alice, "sync", "--timeout", "2", ssh=sshd.ssh_command(), timeout=30)
        took = time.monotonic() - started
    finally:
        silent.close()
    assert proc.returncode == 1
    assert "offline: could not reach origin within 2 s" in proc.stderr
    assert took < 12  # two seconds of waiting, plus starting Python and git
    assert state(alice) == before


def test_a_push_the_server_sits_on_is_given_up_within_the_timeout(team, sshd):
    team.hook("sleep 8; exit 1")  # accepts the pack, then hangs in its hook (and refuses in the end)
    alice = team.clone("alice")
    assert crm(alice, "grade", ACME, "A", ssh=sshd.ssh_command()).returncode == 0
    before, tip = state(alice), team.tip()
    started = time.monotonic()
    proc = crm(alice, "sync", "--timeout", "2", ssh=sshd.ssh_command(), timeout=30)
    took = time.monotonic() - started
    assert proc.returncode == 1
    assert "origin did not answer the push within 2 s" in proc.stderr
    assert took < 7
    assert state(alice) == before
    assert team.tip() == tip
