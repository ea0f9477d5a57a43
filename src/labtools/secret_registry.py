"""The registry of secrets labtools made, and ``redact``: mask them (and secret-shaped text).

Whatever labtools generates (tokens, passwords, private keys) is registered here. When
``LABTOOLS_SECRETS_FILE`` is set (the handbook sandbox sets it), each secret is also
appended to that file so the build can scrub it from executed notebooks and the site.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable
from pathlib import Path

MASK = "[REDACTED]"
SECRETS_FILE_ENV = "LABTOOLS_SECRETS_FILE"
_MIN_LEN = 6

_lock = threading.Lock()
_secrets: set[str] = set()

# Patterns that look secret whoever produced them.
PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?-----END [A-Z0-9 ]*PRIVATE KEY-----", re.S
    ),
    re.compile(r"(?<=[?&]token=)[A-Za-z0-9_\-]{8,}"),
    re.compile(r"(?<=Authorization: token )[A-Za-z0-9_\-]{8,}"),
    re.compile(r"argon2:\$argon2[a-z]*\$[^\s\"']+"),
    re.compile(r"sha1:[0-9a-f]{4,}:[0-9a-f]{40}"),
)


def register_secret(secret: str) -> str:
    """Remember *secret* so :func:`redact` masks it; returns it unchanged."""
    if len(secret) < _MIN_LEN:
        return secret
    with _lock:
        _secrets.add(secret)
    path = os.environ.get(SECRETS_FILE_ENV)
    if path:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(secret.replace("\n", "\\n") + "\n")
    return secret


def known_secrets() -> frozenset[str]:
    """Every secret registered in this process."""
    with _lock:
        return frozenset(_secrets)


def read_secrets_file(path: Path) -> frozenset[str]:
    """Secrets recorded in a sandbox's secrets file (one per line, newlines escaped)."""
    if not path.exists():
        return frozenset()
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.replace("\\n", "\n") for line in lines if line)


def redact(text: str, extra: Iterable[str] = ()) -> str:
    """Mask every secret-shaped pattern, every known secret and every secret in *extra*."""
    for pattern in PATTERNS:
        text = pattern.sub(MASK, text)
    secrets = sorted(known_secrets() | {s for s in extra if len(s) >= _MIN_LEN}, key=len)
    for secret in reversed(secrets):
        if secret in text:
            text = text.replace(secret, MASK)
        if "\n" in secret:
            # multi-line secrets (keys) also appear line by line; their BEGIN/END marker
            # lines are the same for every key and say nothing secret
            for line in secret.splitlines():
                if len(line) >= 16 and not line.startswith("-----") and line in text:
                    text = text.replace(line, MASK)
    return text
