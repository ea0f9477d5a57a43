"""``spec check``: has an environment drifted from its environment.yml?"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from labtools.spec.lockcheck import LockReport
from labtools.spec.matchspec import normalize_name
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
    """Does an installed ``version`` (and ``build``) satisfy the conda spec text?

    The spec is read by rattler's MatchSpec (``six >= 1.16``, ``numpy=1.26`` = 1.26.*).
    """
    from labtools.spec.condaspec import parse_conda_spec

    return parse_conda_spec(spec_text, where=repr(spec_text)).matches(version, build)


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


def is_lock_file(path: Path) -> bool:
    """An @EXPLICIT file, pixi.lock or conda-lock.yml (exact records), not a spec file."""
    from labtools.spec.locks import _read_text, detect_lock, is_explicit

    text = _read_text(path)
    return is_explicit(text) or detect_lock(path, text)


def check_env(*, env: str | Path, against: Path | str, environment: str = "default",
              platform: str | None = None) -> DriftReport | LockReport:
    """Drift between the environment *env* (name or prefix) and the file *against*.

    A lock file (explicit, pixi.lock, conda-lock.yml) is compared record by record
    (:mod:`labtools.spec.lockcheck`); a spec file (environment.yml...) spec by spec.
    """
    from labtools.spec.export import leaf_names
    from labtools.spec.lockcheck import check_against_lock
    from labtools.spec.records import read_prefix

    file = Path(against).expanduser()
    prefix = resolve_env(env)
    if file.is_file() and is_lock_file(file):
        return check_against_lock(env=env, prefix=prefix, lock=file, environment=environment,
                                  platform=platform)
    state = read_prefix(prefix)
    current = SpecSet(
        label=str(env),
        conda={normalize_name(r.name): r.version for r in state.conda},
        pip={canonical_pip(p.name): (p.direct_url or p.version) for p in state.pip},
    )
    builds = {normalize_name(r.name): r.build for r in state.conda}
    leaves = {normalize_name(n) for n in leaf_names(state.conda)}
    return drift(current, builds, from_file(file), leaves)
