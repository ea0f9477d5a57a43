"""SSH key pairs: ed25519 by default, RSA 4096 on request, private key 0600 and secret."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from labtools import process
from labtools.errors import UsageError
from labtools.secret_registry import register_secret
from labtools.secretfile import check_target, private_dir

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
    private_dir(target.parent, tighten=False)
    for existing in (target, pub):
        if check_target(existing) and not overwrite:
            raise UsageError(
                f"{existing} already exists; refusing to overwrite a key",
                hint="pass --file with a new path, or --force to replace it",
            )
    # ssh-keygen writes into a fresh 0700 folder of ours, beside the target (same disk)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".labtools-keygen-") as work:
        tmp = Path(work) / "key"
        tmp_pub = Path(work) / "key.pub"
        argv = ["ssh-keygen", "-q", "-t", key_type, *KEY_TYPES[key_type], "-N", "", "-f",
                str(tmp)]
        argv += ["-C", comment if comment is not None else f"labtools-{key_type}"]
        process.run(argv, timeout=120)
        os.chmod(tmp, 0o600)
        register_secret(tmp.read_text(encoding="utf-8"))
        for existing in (target, pub):
            check_target(existing)  # again: nothing planted meanwhile
        os.rename(tmp, target)  # replaces a file, never writes through a link
        os.rename(tmp_pub, pub)
    done = process.run(["ssh-keygen", "-l", "-f", str(pub)], timeout=30)
    fingerprint = done.stdout.split()[1] if done.stdout.split()[1:] else ""
    return KeyPair(
        type=key_type,
        private_key=target,
        public_key=pub,
        fingerprint=fingerprint,
        public_text=pub.read_text(encoding="utf-8").strip(),
    )
