"""Build one mirror channel into a fresh folder (the cache's staging; see :mod:`.mirror`).

Resolve with pip (dropping, and recording, what has no wheel), add older releases when
asked, download every wheel once, convert each (cached by content), add the host
``python``, fill ``wheels/`` for the ``pip:`` section, and index.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

from labtools.channel import pypi
from labtools.channel.mirror import Missing, Progress, parallel, plan_request, write_report
from labtools.channel.names import Naming, normalize
from labtools.channel.plan import PipSection, depends_of_extras
from labtools.errors import ChannelError

WORKERS = 4


def build_channel(
    staging: Path,
    specs: Sequence[str],
    pip_section: PipSection,
    *,
    versions: int,
    skip_missing: bool,
    cache: Path,
    progress: Progress,
    refresh: bool = False,
) -> None:
    """Write a complete, indexed mirror channel into *staging* (which must not exist).

    *refresh* asks pip again instead of reusing a cached resolution."""
    from labtools.channel import index_channel, init_channel

    tops, missing, naming = plan_request(specs)
    progress("resolve", 0, 0)
    answers = None if refresh else cache / "resolutions"
    resolved = resolve_all({t.requirement or "": t.conda for t in tops}, missing, answers)
    # the pip: section installs with pip, offline: it needs wheels for pip-only requirements,
    # local projects' build backends, and project dependencies the conda part lacks
    have = {normalize(r.name) for r in resolved}
    extras = [*pip_section.requirements, *pip_section.build_requirements,
              *(r for r in pip_section.project_dependencies if _project(r) not in have)]
    pip_wheels = resolve_all({r: f"pip: {r}" for r in extras}, missing, answers) \
        if extras else []
    wheel_cache = cache / "wheels"
    pip_files = [Path(str(p)) for p in parallel(
        lambda r: pypi.download(r.url, r.sha256, wheel_cache), pip_wheels,
        workers=WORKERS, stage="download for pip:", progress=progress)] if pip_wheels else []
    if pip_section.projects:
        pip_files += _backend_wheels(pip_section, pip_files, wheel_cache, missing, progress,
                                     answers)
    if missing and not skip_missing:
        raise unavailable_error(missing, len(tops) + len(extras))
    files: list[tuple[str, str | None]] = [(r.url, r.sha256) for r in resolved]
    if versions > 1:
        progress("versions", 0, 0)
        files += older_releases(resolved, versions - 1, progress)
    fetched = parallel(lambda item: pypi.download(item[0], item[1], wheel_cache), files,
                       workers=WORKERS, stage="download", progress=progress)
    init_channel(staging)
    metadata = {normalize(r.name): r.requires_dist for r in resolved}
    convert = Converter(staging, cache / "pkgs", naming, metadata)
    built = parallel(convert, fetched, workers=2, stage="convert", progress=progress)
    progress("python", 0, 0)
    built.append(_python_package(staging, cache / "python"))
    if pip_files:
        pypi.copy_into(pip_files, staging / "wheels")
    progress("index", 0, len(built))
    index_channel(staging)
    names = {Path(str(p)).name.rsplit("-", 2)[0] for p in built}
    write_report(staging, packages=len(built), names=len(names), missing=missing,
                 wheels=len(pip_files))


def _backend_wheels(section: PipSection, have: list[Path], cache: Path,
                    missing: list[Missing], progress: Progress,
                    answers: Path | None) -> list[Path]:
    """Wheels the local projects' build backends add at build time (hatchling: editables)."""
    import tempfile

    from labtools.channel.buildreqs import dynamic_build_requirements

    progress("ask build backends", 0, 0)
    with tempfile.TemporaryDirectory(prefix="labtools-wheels-") as tmp:
        pypi.copy_into(have, Path(tmp))
        wanted: list[str] = []
        for project in section.projects:
            wanted += dynamic_build_requirements(project, section.build_requirements, Path(tmp))
    if not wanted:
        return []
    found = resolve_all({r: f"pip: {r}" for r in dict.fromkeys(wanted)}, missing, answers)
    return [pypi.download(r.url, r.sha256, cache) for r in found]


def resolve_all(tops: dict[str, str], missing: list[Missing],
                cache: Path | None = None) -> list[pypi.Resolved]:
    """pip's resolution of *tops* (requirement -> label); unavailable ones are dropped into
    *missing* with the reason, and the rest resolved again. A resolution is kept in
    *cache* keyed by the requirements and the interpreter (``--refresh`` passes None)."""
    active = dict(tops)
    while active:
        try:
            return _resolve_cached(list(active), cache)
        except pypi.Unavailable as exc:
            culprits = _culprits(active, exc)
            reason = pypi.explain_unavailable(exc.requirement)
            for requirement in culprits:
                label = active.pop(requirement)
                own = _same_project(requirement, exc.requirement)
                missing.append(Missing(label, reason if own else
                                       f"needs {exc.requirement}: {reason}"))
    return []


def _resolve_cached(requirements: list[str], cache: Path | None) -> list[pypi.Resolved]:
    import json
    from dataclasses import asdict

    from labtools.channel.python_pkg import current_subdir
    from labtools.digest import digest

    if cache is None:
        return pypi.resolve(requirements)
    key = digest([sys.version, sys.base_prefix, current_subdir(), *sorted(requirements)])[:20]
    saved = cache / f"{key}.json"
    if saved.is_file():
        return [pypi.Resolved(**{**item, "requires_dist": tuple(item["requires_dist"])})
                for item in json.loads(saved.read_text(encoding="utf-8"))]
    found = pypi.resolve(requirements)
    cache.mkdir(parents=True, exist_ok=True)
    partial = cache / f".{key}-{uuid.uuid4().hex[:8]}"
    partial.write_text(json.dumps([asdict(r) for r in found]), encoding="utf-8")
    os.replace(partial, saved)
    return found


def _project(requirement: str) -> str:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return normalize(Requirement(requirement).name)
    except InvalidRequirement:
        return normalize(requirement)


def _same_project(a: str, b: str) -> bool:
    return _project(a) == _project(b)


def _culprits(active: dict[str, str], exc: pypi.Unavailable) -> list[str]:
    direct = [r for r in active if _same_project(r, exc.requirement)]
    if direct:
        return direct
    if exc.parent:
        parents = [r for r in active if _same_project(r, exc.parent)]
        if parents:
            return parents
    # a deeper dependency: find the requested packages whose own resolution hits it
    found = []
    for requirement in active:
        try:
            pypi.resolve([requirement])
        except pypi.Unavailable as inner:
            if _same_project(inner.requirement, exc.requirement):
                found.append(requirement)
    if not found:
        raise ChannelError(f"pip found no wheel for {exc.requirement} but no requested "
                           "package alone needs it", hint="run pip install --dry-run to see why")
    return found


def unavailable_error(missing: Sequence[Missing], asked: int) -> ChannelError:
    """One line naming every package that cannot be mirrored, and why."""
    listing = "; ".join(f"{m.name}: {m.reason}" for m in missing)
    what = "1 package" if len(missing) == 1 else f"{len(missing)} of {asked} packages"
    return ChannelError(f"cannot mirror {what}: {listing}",
                        hint="drop or rename them in the environment file, or pass "
                             "--skip-missing to mirror the rest")


def older_releases(resolved: Sequence[pypi.Resolved], extra: int,
                   progress: Progress) -> list[tuple[str, str | None]]:
    """Up to *extra* releases older than the resolved one, per package, that have a wheel here."""
    from packaging.version import Version

    def listing(item: pypi.Resolved) -> list[tuple[str, str | None]]:
        files = pypi.project_files(item.name) or []
        wheels = pypi.compatible_wheels(files)
        current = Version(item.version)
        older = sorted((Version(v) for v in wheels if Version(v) < current), reverse=True)
        return [(wheels[str(v)].url, wheels[str(v)].sha256) for v in older[:extra]]

    chosen: list[tuple[str, str | None]] = []
    for found in parallel(listing, list(resolved), workers=8, stage="list releases",
                          progress=progress):
        assert isinstance(found, list)
        chosen += found
    return chosen


class Converter:
    """Wheel -> conda package in the channel, reusing a conversion cached by content."""

    def __init__(self, channel: Path, cache: Path, naming: Naming,
                 metadata: dict[str, tuple[str, ...]]) -> None:
        from packaging.markers import default_environment

        from labtools.channel.mirror import CONVERTER_MODULES, _source_digest

        self.channel = channel
        self.cache = cache
        self.naming = naming
        self.metadata = metadata
        self.environment = {str(k): str(v) for k, v in default_environment().items()}
        self.environment["extra"] = ""
        self.python = f"{sys.version_info.major}.{sys.version_info.minor}"
        self.salt = _source_digest(CONVERTER_MODULES) + sys.version

    def __call__(self, wheel: object) -> Path:
        import zipfile

        from labtools.channel.python_pkg import current_subdir
        from labtools.channel.wheel import read_wheel, wheel_to_conda
        from labtools.digest import digest

        path = Path(str(wheel))
        try:
            with zipfile.ZipFile(path) as zf:
                info = read_wheel(zf)
        except (zipfile.BadZipFile, KeyError, UnicodeDecodeError) as exc:
            raise ChannelError(f"{path.name} is a broken wheel: {exc}",
                               hint=f"delete {path} and run the mirror again") from None
        extra = depends_of_extras(info.requires, self.metadata, self.environment, self.naming)
        key = digest([self.salt, path.name, str(path.stat().st_size), self.naming(info.name),
                      *info.requires, "|", *extra])[:24]
        done = self.cache / key
        hits = sorted(done.glob("*.conda")) if done.is_dir() else []
        if not hits:
            tmp = self.cache / f".{key}-{uuid.uuid4().hex[:8]}"
            shutil.rmtree(tmp, ignore_errors=True)
            for sub in ("noarch", current_subdir()):
                (tmp / sub).mkdir(parents=True, exist_ok=True)
            made = wheel_to_conda(path, tmp, python_version=self.python,
                                  subdir=current_subdir(), naming=self.naming,
                                  environment=self.environment, extra_depends=extra)
            (tmp / made.parent.name / made.name).rename(tmp / made.name)
            for sub in ("noarch", current_subdir()):
                shutil.rmtree(tmp / sub, ignore_errors=True)
            (tmp / "subdir").write_text(made.parent.name)
            try:
                os.rename(tmp, done)
            except OSError:
                shutil.rmtree(tmp, ignore_errors=True)  # a concurrent build won
            hits = sorted(done.glob("*.conda"))
        subdir = (done / "subdir").read_text().strip()
        dest = self.channel / subdir / hits[0].name
        try:
            os.link(hits[0], dest)
        except OSError:
            shutil.copy2(hits[0], dest)
        return dest


def _python_package(channel: Path, cache: Path) -> Path:
    """The relocatable host python, built once per interpreter (and converter source)."""
    from labtools.channel.mirror import _source_digest
    from labtools.channel.python_pkg import add_python, current_subdir
    from labtools.digest import digest

    key = digest([sys.version, sys.base_prefix,
                  _source_digest(("python_pkg.py", "condapkg.py"))])[:20]
    done = cache / key
    hits = sorted(done.glob("python-*.conda")) if done.is_dir() else []
    if not hits:
        tmp = cache / f".{key}-{uuid.uuid4().hex[:8]}"
        shutil.rmtree(tmp, ignore_errors=True)
        (tmp / current_subdir()).mkdir(parents=True)
        made = add_python(tmp)
        made.rename(tmp / made.name)
        shutil.rmtree(tmp / current_subdir())
        try:
            os.rename(tmp, done)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
        hits = sorted(done.glob("python-*.conda"))
    dest = channel / current_subdir() / hits[0].name
    try:
        os.link(hits[0], dest)
    except OSError:
        shutil.copy2(hits[0], dest)
    return dest

