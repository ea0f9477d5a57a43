"""The pure core of a change to an environment: what moves, and what to warn about.

:func:`plan_changes` sorts a before/after package map into added, removed, up-, down-
graded and rebuilt packages and warns about downgrades and major-version jumps;
:func:`solve_request` and :func:`requested_specs_after` say what an update asks the
solver for and what the env records as requested afterwards; :func:`top_level_modules`
finds what to import to check that an env still works. No I/O here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from labtools.envs.backends.base import Changes
from labtools.envs.specs import spec_name

_MODULE = re.compile(
    r"(?:^|/)site-packages/([A-Za-z_][A-Za-z0-9_]*)(?:/__init__\.py|\.py|\.[^/]*\.so)$")


@dataclass(frozen=True)
class PlanItem:
    """One package the update touches. ``kind``: added|removed|upgraded|downgraded|rebuilt."""

    name: str
    kind: str
    before: str | None  # version=build
    after: str | None


@dataclass(frozen=True)
class UpdatePlan:
    items: tuple[PlanItem, ...]
    warnings: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.items

    def count(self, kind: str) -> int:
        return sum(item.kind == kind for item in self.items)


def _version_key(version: str) -> tuple[Any, ...]:
    """A fallback ordering key for versions rattler cannot parse."""
    parts: list[Any] = []
    for piece in re.findall(r"\d+|[A-Za-z]+", version):
        parts.append((1, int(piece), "") if piece.isdigit() else (0, 0, piece.lower()))
    return tuple(parts)


def compare_versions(a: str, b: str) -> int:
    """-1, 0 or 1 as conda orders versions *a* and *b*."""
    try:
        from rattler import Version

        va, vb = Version(a), Version(b)
        return (va > vb) - (va < vb)
    except Exception:  # rattler rejects the string: fall back to a simple key
        ka, kb = _version_key(a), _version_key(b)
        return (ka > kb) - (ka < kb)


def major_of(version: str) -> str:
    match = re.match(r"\s*(?:\d+!)?(\d+)", version)
    return match.group(1) if match else version


def plan_changes(
    before: Mapping[str, tuple[str, str]], after: Mapping[str, tuple[str, str]]
) -> UpdatePlan:
    """name -> (version, build) before and after -> the plan and its warnings (pure)."""
    items: list[PlanItem] = []
    warnings: list[str] = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if old is None and new is not None:
            items.append(PlanItem(name, "added", None, "=".join(new)))
            continue
        if new is None and old is not None:
            items.append(PlanItem(name, "removed", "=".join(old), None))
            continue
        assert old is not None and new is not None
        order = compare_versions(new[0], old[0])
        kind = "upgraded" if order > 0 else "downgraded" if order < 0 else "rebuilt"
        items.append(PlanItem(name, kind, "=".join(old), "=".join(new)))
        if kind == "downgraded":
            warnings.append(f"{name} goes DOWN from {old[0]} to {new[0]}; something in the "
                            "request or the channels forces an older version")
        elif kind == "upgraded" and major_of(old[0]) != major_of(new[0]):
            warnings.append(f"{name} jumps a major version ({old[0]} -> {new[0]}); read its "
                            "changelog for breaking changes")
    return UpdatePlan(items=tuple(items), warnings=tuple(warnings))


def top_level_modules(files: Iterable[str]) -> tuple[str, ...]:
    """Top-level importable modules among a package's files (pure), sorted."""
    found = set()
    for path in files:
        match = _MODULE.search(path)
        if match and not match.group(1).startswith("_") and match.group(1) not in (
                "test", "tests"):
            found.add(match.group(1))
    return tuple(sorted(found))


def solve_request(
    installed: Mapping[str, Sequence[str]], specs: Sequence[str], *, everything: bool
) -> tuple[list[str], set[str]]:
    """What to ask the solver for, and which installed packages may move (pure).

    *installed* maps each installed name to the specs it was requested with (empty when it
    came in as a dependency). ``--all`` asks for every installed name, unpinned; otherwise
    the requested specs stay (the named ones replaced by *specs*) and only the named
    packages are free to move (the others are locked to their installed build where the
    solver can keep them).
    """
    named = {spec_name(s) for s in specs}
    if everything:
        return [*(n for n in sorted(installed) if n not in named), *specs], set(installed)
    requested = [s for name, specs_ in sorted(installed.items()) if name not in named
                 for s in specs_]
    if not requested:  # no record says what was asked for: keep every package
        requested = [n for n in sorted(installed) if n not in named]
    return [*dict.fromkeys(requested), *specs], named


def requested_specs_after(
    installed: Mapping[str, Sequence[str]], specs: Sequence[str], *, everything: bool
) -> list[str]:
    """What the env records as requested after the update (pure): the old requests, with
    the named packages' replaced by *specs*; ``--all`` drops the old version pins."""
    named = {spec_name(s) for s in specs}
    kept = [spec_name(s) if everything else s for name, specs_ in sorted(installed.items())
            if name not in named for s in specs_]
    return [*dict.fromkeys([*kept, *specs])]


def plan_of(before: Iterable[Any], changes: Changes) -> UpdatePlan:
    """The plan of *changes* applied to the packages *before* (``SolvedPackage``-like)."""
    old = {p.name: (p.version, p.build) for p in before}
    new = dict(old)
    for gone in changes.unlink:
        new.pop(gone.name, None)
    for came in changes.link:
        new[came.name] = (came.version, came.build)
    return plan_changes(old, new)


__all__ = ["PlanItem", "UpdatePlan", "compare_versions", "plan_changes", "plan_of",
           "requested_specs_after", "solve_request", "spec_name", "top_level_modules"]
