"""The sandbox's remote host: a loopback SSH server tutorials reach as ``lab-gpu``.

Started once per build. Each tutorial's HOME gets ``~/.ssh/config`` (a Host alias with an
absolute IdentityFile and UserKnownHostsFile), a client key and a known_hosts line, so
``ssh lab-gpu`` works with host-key checking on, just as on a real lab machine.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from labtools.handbook.services.ssh_login import SshLoginService
from labtools.loopback_sshd import LoopbackSshHost

ALIAS = "lab-gpu"


class RemoteHostService(SshLoginService):
    """A loopback SSH host (OpenSSH sshd if installed, else asyncssh) named ``lab-gpu``."""

    name = "remote-host"

    def __init__(self, alias: str = ALIAS) -> None:
        super().__init__(alias)
        self._host: LoopbackSshHost | None = None

    def start(self, scratch: Path) -> None:
        key = self._new_key(scratch, "labtools-sandbox")
        remote = scratch / "remote"
        remote_home = remote / "home"
        remote_home.mkdir(parents=True, exist_ok=True)
        # the "remote" has the project's Python/Jupyter on PATH and its own Jupyter dirs
        bin_dir = str(Path(sys.executable).parent)
        setenv = {
            "PATH": os.pathsep.join([bin_dir, "/usr/local/bin", "/usr/bin", "/bin"]),
            "JUPYTER_RUNTIME_DIR": str(remote / "jupyter-runtime"),
            "JUPYTER_CONFIG_DIR": str(remote_home / ".jupyter"),
            "JUPYTER_DATA_DIR": str(remote_home / ".local" / "share" / "jupyter"),
            "IPYTHONDIR": str(remote_home / ".ipython"),
        }
        self._host = LoopbackSshHost(remote / "sshd", authorized_keys=[key.public_text],
                                     setenv=setenv)
        self._info = self._host.start()

    def environ(self) -> dict[str, str]:
        if self._info is None:
            return {}
        return {"LABTOOLS_REMOTE_HOST": self.alias, "LABTOOLS_SSH_HOST_KIND": self._info.kind}

    def prepare_home(self, home: Path) -> None:
        block = self._client_files(home, "id_lab", "known_hosts", public=True)
        if block is None:
            return
        config = home / ".ssh" / "config"
        config.write_text(block, encoding="utf-8")
        config.chmod(0o600)

    def fingerprint(self) -> str:
        from labtools import process

        return f"{self.name}:{'sshd' if process.which('sshd') else 'asyncssh'}"

    def stop(self) -> None:
        if self._host is not None:
            self._host.stop()
            self._host = None
