"""``spec minimize``: the few specs that rebuild an environment (its dependency leaves).

Built from the package records' ``depends`` alone, so it works after ``conda clean``
(conda-minify reads the package cache and fails there); intersected with what the
user asked for (history or ``requested_specs``) when that is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from labtools.errors import UsageError
from labtools.spec.matchspec import normalize_name
from labtools.spec.records import CondaRecord, PrefixState

RELAX_LEVELS = ("major", "minor", "none")


@dataclass(frozen=True)
class Minimized:
    prefix: str
    specs: tuple[str, ...]
    pip: tuple[str, ...]
    relax: str
    source: str  # "leaves" or "leaves+history"


def relaxed(record: CondaRecord, relax: str) -> str:
    """``numpy=1.26`` (minor), ``numpy=1`` (major) or ``numpy==1.26.4`` (none)."""
    if relax not in RELAX_LEVELS:
        raise UsageError(f"unknown --relax level {relax!r}", hint="use major, minor or none")
    if relax == "none":
        return f"{record.name}=={record.version}"
    keep = 1 if relax == "major" else 2
    parts = record.version.split(".")
    return f"{record.name}={'.'.join(parts[:keep])}"


def minimize(state: PrefixState, *, relax: str = "minor") -> Minimized:
    """The leaves of the depends graph (intersected with requested specs when known)."""
    from labtools.spec.export import leaf_names, requested_from

    leaves = {normalize_name(n) for n in leaf_names(state.conda)}
    wanted, origin = requested_from(state)
    chosen = leaves
    source = "leaves"
    if origin in ("history", "requested_specs"):
        asked = set(wanted)
        chosen = (leaves & asked) | ({"python"} & asked)
        source = "leaves+history"
    specs = tuple(relaxed(r, relax) for r in state.conda if normalize_name(r.name) in chosen)
    pip = tuple(p.requirement for p in state.pip if p.requested or not any(
        q.requested for q in state.pip))
    return Minimized(prefix=str(state.prefix), specs=specs, pip=pip, relax=relax, source=source)


def minimize_env(*, prefix: Path | str, relax: str = "minor") -> Minimized:
    """Read *prefix* and minimize it."""
    from labtools.spec.records import read_prefix

    if relax not in RELAX_LEVELS:
        raise UsageError(f"unknown --relax level {relax!r}", hint="use major, minor or none")
    return minimize(read_prefix(prefix), relax=relax)
