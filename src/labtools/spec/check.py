"""``spec check``: has an environment drifted from its environment.yml?"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

from labtools.errors import SpecError
from labtools.spec.matchspec import normalize_name, parse_spec
from labtools.spec.sources import SpecSet, canonical_pip, from_file, resolve_env


@dataclass(frozen=True)
class Mismatch:
    name: str
    wanted: str
    installed: str


@dataclass(frozen=True)
class DriftReport:
    """Packages the file asks for but the env lacks or has in another version, and extras."""

    env: str
    file: str
    missing: tuple[str, ...]
    mismatched: tuple[Mismatch, ...]
    extra: tuple[str, ...]
    pip_missing: tuple[str, ...]
    pip_mismatched: tuple[Mismatch, ...]
    pip_extra: tuple[str, ...]
    drifted: bool


def conda_satisfies(spec_text: str, version: str, build: str | None = None) -> bool:
    """Does an installed ``version`` (and ``build``) satisfy the conda spec text?"""
    from rattler import Version, VersionSpec

    parts = parse_spec(spec_text)
    if parts.build and build is not None and not fnmatch.fnmatchcase(build, parts.build):
        return False
    if not parts.version:
        return True
    constraint = parts.version
    if constraint[0] not in "<>=!~" and "*" not in constraint and "," not in constraint \
            and "|" not in constraint:
        constraint = f"={constraint}"  # environment.yml's name=1.26 means 1.26.*
    try:
        return bool(VersionSpec(constraint).matches(Version(version)))
    except Exception as exc:  # rattler's parse errors
        raise SpecError(f"cannot read version constraint {spec_text!r}: {exc}",
                        hint="write e.g. numpy=1.26 or numpy>=1.26,<2") from None


def pip_satisfies(wanted: str, installed: str) -> bool:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    if not wanted:
        return True
    if "://" in wanted or "://" in installed:
        return wanted == installed
    if wanted[0] not in "<>=!~":
        wanted = f"=={wanted}"
    try:
        return SpecifierSet(wanted).contains(installed, prereleases=True)
    except InvalidSpecifier:
        return wanted == installed


def drift(env: SpecSet, builds: dict[str, str], file: SpecSet, leaves: set[str]) -> DriftReport:
    """Compare an env (versions, builds, leaf names) with a file's specs (pure but for rattler)."""
    missing, mismatched = [], []
    for name, spec in sorted(file.conda_specs.items()):
        if name not in env.conda:
            missing.append(spec)
        elif not conda_satisfies(spec, env.conda[name], builds.get(name)):
            mismatched.append(Mismatch(name, spec, env.conda[name]))
    extra = sorted(n for n in leaves if n not in file.conda)
    pip_missing, pip_mismatched = [], []
    for name, wanted in sorted(file.pip.items()):
        if name not in env.pip:
            pip_missing.append(name if not wanted else f"{name} {wanted}")
        elif not pip_satisfies(wanted, env.pip[name]):
            pip_mismatched.append(Mismatch(name, wanted, env.pip[name]))
    pip_extra = sorted(n for n in env.pip if n not in file.pip)
    drifted = bool(missing or mismatched or extra or pip_missing or pip_mismatched or pip_extra)
    return DriftReport(env=env.label, file=file.label, missing=tuple(missing),
                       mismatched=tuple(mismatched), extra=tuple(extra),
                       pip_missing=tuple(pip_missing), pip_mismatched=tuple(pip_mismatched),
                       pip_extra=tuple(pip_extra), drifted=drifted)


def check_env(*, env: str | Path, against: Path | str) -> DriftReport:
    """Drift between the environment *env* (name or prefix) and the file *against*."""
    from labtools.spec.export import leaf_names
    from labtools.spec.records import read_prefix

    state = read_prefix(resolve_env(env))
    current = SpecSet(
        label=str(env),
        conda={normalize_name(r.name): r.version for r in state.conda},
        pip={canonical_pip(p.name): (p.direct_url or p.version) for p in state.pip},
    )
    builds = {normalize_name(r.name): r.build for r in state.conda}
    leaves = {normalize_name(n) for n in leaf_names(state.conda)}
    return drift(current, builds, from_file(Path(against).expanduser()), leaves)
