"""What the sandbox's SSH hosts share (``lab-gpu``, the Slurm login node ``lab-cluster``).

A client key made for the build, and in each tutorial's HOME that key, the host's
known_hosts line and a ``Host`` block naming both, so ``ssh ALIAS`` works with host-key
checking on. Each service decides where its block goes (``~/.ssh/config`` or an included
file).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from labtools.handbook.sandbox import Service
from labtools.keys import KeyPair, generate_key
from labtools.loopback_sshd import SshHostInfo
from labtools.sshconfig import ssh_config_block


class SshLoginService(Service):
    """A sandbox service tutorials log in to over SSH as *alias*."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self._info: SshHostInfo | None = None
        self._key: KeyPair | None = None

    def _new_key(self, scratch: Path, comment: str) -> KeyPair:
        """The build's client key (under *scratch*), replacing any earlier build's."""
        self._key = generate_key(path=scratch / "client" / "id_ed25519", overwrite=True,
                                 comment=comment)
        return self._key

    def _client_files(self, home: Path, key_name: str, known_name: str, *,
                      public: bool = False) -> str | None:
        """Put the key (``~/.ssh/KEY_NAME``, 0600; its ``.pub`` too if *public*) and the
        known_hosts line (``~/.ssh/KNOWN_NAME``) into *home*; return the ``Host`` block
        naming them, or None when the host is not running."""
        if self._info is None or self._key is None:
            return None
        ssh_dir = home / ".ssh"
        ssh_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = ssh_dir / key_name
        shutil.copyfile(self._key.private_key, key)
        key.chmod(0o600)
        if public:
            shutil.copyfile(self._key.public_key, key.with_name(f"{key_name}.pub"))
        known = ssh_dir / known_name
        known.write_text(self._info.known_hosts_line(), encoding="utf-8")
        return ssh_config_block(self.alias, hostname=self._info.host, port=self._info.port,
                                user=self._info.user, identity=key, known_hosts=known)

    def secrets(self) -> set[str]:
        if self._key is None:
            return set()
        return {self._key.private_key.read_text(encoding="utf-8")}
