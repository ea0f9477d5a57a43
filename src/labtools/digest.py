"""One content hash for cache keys (handbook stamps, channel mirrors): pure, stdlib only."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def digest(parts: Iterable[str | bytes]) -> str:
    """A sha256 hex digest over *parts*, each length-prefixed so boundaries count."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


__all__ = ["digest"]
