"""SSH key pairs: ed25519 by default, RSA 4096 on request, private key 0600 and secret."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from labtools import process
from labtools.errors import UsageError
from labtools.secret_registry import register_secret

KEY_TYPES = {"ed25519": [], "rsa": ["-b", "4096"]}


@dataclass(frozen=True)
class KeyPair:
    """A key pair on disk. The private key's text is never part of the result."""

    type: str
    private_key: Path
    public_key: Path
    fingerprint: str
    public_text: str


def default_key_path(key_type: str) -> Path:
    return Path.home() / ".ssh" / f"id_{key_type}"


def generate_key(
    *,
    key_type: str = "ed25519",
    path: Path | None = None,
    comment: str | None = None,
    overwrite: bool = False,
) -> KeyPair:
    """Create a passphrase-less key pair with ``ssh-keygen`` (for automation; use an agent)."""
    if key_type not in KEY_TYPES:
        raise UsageError(f"unknown key type {key_type!r}", hint="use --type ed25519 or --type rsa")
    target = (path or default_key_path(key_type)).expanduser().absolute()
    pub = target.with_name(target.name + ".pub")
    if target.exists() and not overwrite:
        raise UsageError(
            f"{target} already exists; refusing to overwrite a key",
            hint="pass --file with a new path, or --force to replace it",
        )
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp_pub = tmp.with_name(tmp.name + ".pub")
    for stale in (tmp, tmp_pub):
        stale.unlink(missing_ok=True)
    argv = ["ssh-keygen", "-q", "-t", key_type, *KEY_TYPES[key_type], "-N", "", "-f", str(tmp)]
    argv += ["-C", comment if comment is not None else f"labtools-{key_type}"]
    try:
        process.run(argv, timeout=120)
        tmp.chmod(0o600)
        register_secret(tmp.read_text(encoding="utf-8"))
        tmp.replace(target)
        tmp_pub.replace(pub)
    finally:
        for stale in (tmp, tmp_pub):
            stale.unlink(missing_ok=True)
    done = process.run(["ssh-keygen", "-l", "-f", str(pub)], timeout=30)
    fingerprint = done.stdout.split()[1] if done.stdout.split()[1:] else ""
    return KeyPair(
        type=key_type,
        private_key=target,
        public_key=pub,
        fingerprint=fingerprint,
        public_text=pub.read_text(encoding="utf-8").strip(),
    )
