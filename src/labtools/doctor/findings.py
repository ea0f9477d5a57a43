"""What the doctor reports: one :class:`Finding` per problem, each with its fix."""

from __future__ import annotations

from dataclasses import dataclass

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    """One thing the doctor noticed. ``code`` is stable for scripts."""

    code: str
    severity: str  # error | warning | info
    message: str
    fix: str


__all__ = ["SEVERITIES", "Finding"]
