"""The sandbox's remote host: a loopback SSH server tutorials reach as ``lab-gpu``.

Started once per build. Each tutorial's HOME gets ``~/.ssh/config`` (a Host alias with an
absolute IdentityFile and UserKnownHostsFile), a client key and a known_hosts line, so
``ssh lab-gpu`` works with host-key checking on, just as on a real lab machine.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from labtools.handbook.sandbox import Service
from labtools.keys import KeyPair, generate_key
from labtools.loopback_sshd import LoopbackSshHost, SshHostInfo
from labtools.sshconfig import ssh_config_block

ALIAS = "lab-gpu"


class RemoteHostService(Service):
    """A loopback SSH host (OpenSSH sshd if installed, else asyncssh) named ``lab-gpu``."""

    name = "remote-host"

    def __init__(self, alias: str = ALIAS) -> None:
        self.alias = alias
        self._host: LoopbackSshHost | None = None
        self._info: SshHostInfo | None = None
        self._key: KeyPair | None = None

    def start(self, scratch: Path) -> None:
        self._key = generate_key(path=scratch / "client" / "id_ed25519", overwrite=True,
                                 comment="labtools-sandbox")
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
        self._host = LoopbackSshHost(remote / "sshd", authorized_keys=[self._key.public_text],
                                     setenv=setenv)
        self._info = self._host.start()

    def environ(self) -> dict[str, str]:
        if self._info is None:
            return {}
        return {"LABTOOLS_REMOTE_HOST": self.alias, "LABTOOLS_SSH_HOST_KIND": self._info.kind}

    def prepare_home(self, home: Path) -> None:
        if self._info is None or self._key is None:
            return
        ssh_dir = home / ".ssh"
        ssh_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = ssh_dir / "id_lab"
        shutil.copyfile(self._key.private_key, key)
        key.chmod(0o600)
        shutil.copyfile(self._key.public_key, key.with_name("id_lab.pub"))
        known = ssh_dir / "known_hosts"
        known.write_text(self._info.known_hosts_line(), encoding="utf-8")
        config = ssh_dir / "config"
        config.write_text(
            ssh_config_block(self.alias, hostname=self._info.host, port=self._info.port,
                             user=self._info.user, identity=key, known_hosts=known),
            encoding="utf-8",
        )
        config.chmod(0o600)

    def secrets(self) -> set[str]:
        if self._key is None:
            return set()
        return {self._key.private_key.read_text(encoding="utf-8")}

    def fingerprint(self) -> str:
        from labtools import process

        return f"{self.name}:{'sshd' if process.which('sshd') else 'asyncssh'}"

    def stop(self) -> None:
        if self._host is not None:
            self._host.stop()
            self._host = None
