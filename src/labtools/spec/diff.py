"""``spec diff``: what differs between two environments or spec files (pure core)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from labtools.spec.sources import SpecSet, load_side


@dataclass(frozen=True)
class Change:
    name: str
    before: str
    after: str


@dataclass(frozen=True)
class SideDiff:
    """Added, removed and changed packages of one manager (conda or pip)."""

    added: tuple[Change, ...]
    removed: tuple[Change, ...]
    changed: tuple[Change, ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


@dataclass(frozen=True)
class SpecDiff:
    a: str
    b: str
    conda: SideDiff
    pip: SideDiff
    identical: bool


def compare(a: dict[str, str], b: dict[str, str]) -> SideDiff:
    """Two name -> version maps -> :class:`SideDiff` (names sorted)."""
    added = tuple(Change(n, "", b[n]) for n in sorted(b.keys() - a.keys()))
    removed = tuple(Change(n, a[n], "") for n in sorted(a.keys() - b.keys()))
    changed = tuple(Change(n, a[n], b[n]) for n in sorted(a.keys() & b.keys()) if a[n] != b[n])
    return SideDiff(added=added, removed=removed, changed=changed)


def diff_sets(a: SpecSet, b: SpecSet) -> SpecDiff:
    conda, pip = compare(a.conda, b.conda), compare(a.pip, b.pip)
    return SpecDiff(a=a.label, b=b.label, conda=conda, pip=pip,
                    identical=conda.empty and pip.empty)


def diff_specs(*, a: str | Path, b: str | Path) -> SpecDiff:
    """Compare *a* and *b*, each an env name, a prefix or a spec file."""
    return diff_sets(load_side(a), load_side(b))
