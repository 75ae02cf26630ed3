"""A real OpenSSH server on localhost for sync tests and benchmarks: its own host key, one authorised test
key, a free port, and `GIT_SSH_COMMAND` that never prompts and trusts nothing of the user's ssh set-up.

`Sshd.start(folder)` returns None, with the reason in `Sshd.why_not`, when sshd cannot start here (not
installed, no privilege-separation folder); the fixtures skip with that reason."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

SSHD = shutil.which("sshd") or next((p for p in ("/usr/sbin/sshd", "/usr/local/sbin/sshd") if os.path.exists(p)), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)], check=True,
                   capture_output=True)


class Sshd:
    why_not = ""

    def __init__(self, folder: Path, port: int, proc: subprocess.Popen, user: str):
        self.folder, self.port, self.proc, self.user = folder, port, proc, user
        self.key = folder / "client_key"

    @classmethod
    def start(cls, folder: Path) -> Sshd | None:
        if not SSHD or not shutil.which("ssh") or not shutil.which("ssh-keygen"):
            cls.why_not = "OpenSSH (server and client) is not installed: apt-get install openssh-server openssh-client"
            return None
        if os.geteuid() == 0 and not os.path.isdir("/run/sshd"):
            try:
                os.makedirs("/run/sshd", mode=0o755)
            except OSError as exc:
                cls.why_not = f"sshd needs /run/sshd and it cannot be made ({exc})"
                return None
        folder.mkdir(parents=True, exist_ok=True)
        _keygen(folder / "host_key")
        _keygen(folder / "client_key")
        _keygen(folder / "stranger_key")  # a key the server does not know
        (folder / "authorized_keys").write_text((folder / "client_key.pub").read_text())
        user = getpass.getuser()
        port = free_port()
        config = folder / "sshd_config"
        config.write_text("\n".join([
            f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {folder / 'host_key'}", f"PidFile {folder / 'sshd.pid'}",
            f"AuthorizedKeysFile {folder / 'authorized_keys'}", "PubkeyAuthentication yes", "PasswordAuthentication no",
            "KbdInteractiveAuthentication no", "UsePAM no", "StrictModes no", "PermitRootLogin prohibit-password",
            f"AllowUsers {user}", "PermitUserEnvironment yes", "LogLevel ERROR", "",
        ]))
        log = open(folder / "sshd.log", "wb")
        proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                cls.why_not = f"sshd exited at start: {(folder / 'sshd.log').read_text(errors='replace').strip()[:300]}"
                return None
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return cls(folder, port, proc, user)
            except OSError:
                time.sleep(0.05)
        proc.kill()
        cls.why_not = "sshd did not listen within 10 s"
        return None

    def url(self, path: Path, port: int | None = None) -> str:
        return f"ssh://{self.user}@127.0.0.1:{port or self.port}{Path(path).resolve()}"

    def ssh_command(self, key: Path | None = None) -> str:
        """`GIT_SSH_COMMAND`: our key only, no user config, no prompt, a throwaway known_hosts."""
        return (f"ssh -F /dev/null -i {key or self.key} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no "
                f"-o UserKnownHostsFile={self.folder / 'known_hosts'} -o LogLevel=ERROR")

    def authorize(self, options: str = "") -> None:
        """Re-write authorized_keys with `options` before the test key (e.g. environment="CRM_PUSHER=...")."""
        key = (self.folder / "client_key.pub").read_text()
        (self.folder / "authorized_keys").write_text(f"{options} {key}" if options else key)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class SilentServer:
    """A TCP port that accepts connections and never says a word: a server that hangs."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]

    def close(self) -> None:
        self.sock.close()
