"""What is installed in a prefix, by origin: conda records vs pip dist-info.

A dist-info directory listed in some package record belongs to conda;
any other one was installed by pip (or another installer) on top. Mixing the two is
a classic breakage, so :func:`packages_of` warns about it, and :func:`why_in_env`
explains, from the files alone, whether a module is importable in another env.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from labtools.envs.prefix import Prefix


@dataclass(frozen=True)
class InstalledPackage:
    name: str
    version: str
    origin: str  # "conda" | "pip"
    build: str | None = None
    channel: str | None = None
    installer: str | None = None


@dataclass(frozen=True)
class PackageReport:
    prefix: Path
    packages: tuple[InstalledPackage, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class WhyReport:
    """Whether ``import module`` would work in the env at ``prefix``, and why."""

    module: str
    prefix: Path
    found: bool
    origin: Path | None
    owner: str | None
    explanation: str


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def packages_of(prefix: Path) -> PackageReport:
    """Packages of *prefix* by origin, with warnings about mixed installs."""
    env = Prefix(prefix)
    records = env.records() if env.is_env() else ()
    packages = [InstalledPackage(name=r.name, version=r.version, origin="conda", build=r.build,
                                 channel=r.channel or None) for r in records]
    conda_names = {_norm(p.name): p for p in packages}
    warnings: list[str] = []
    pip = env.dists(records)
    for dist in pip:
        packages.append(InstalledPackage(name=dist.name, version=dist.version, origin="pip",
                                         installer=dist.installer))
        twin = conda_names.get(_norm(dist.name))
        if twin is not None:
            warnings.append(
                f"{dist.name} is installed twice: conda {twin.version} and pip {dist.version}; "
                f"pip overwrote conda's files (reinstall it one way only)")
    if records and pip:
        warnings.append(
            f"{len(pip)} package(s) were installed with pip on top of conda; conda does not "
            "track their dependencies (prefer conda packages, or a pip: list in environment.yml)"
        )
    return PackageReport(prefix=prefix, packages=tuple(packages), warnings=tuple(warnings))


def why_in_env(prefix: Path, module: str) -> WhyReport:
    """Explain from the prefix's files whether ``import module`` works there."""
    env = Prefix(prefix)
    top = module.split(".")[0]
    site = env.site_packages()
    places: list[tuple[Path, str]] = []
    if site is not None:
        places.append((site, "site-packages"))
    for _, pydir in env.python_dirs()[:1]:
        places += [(pydir, "stdlib"), (pydir / "lib-dynload", "stdlib")]
    for folder, where in places:
        for candidate in [folder / top, folder / f"{top}.py", *folder.glob(f"{top}.*.so")]:
            if candidate.exists():
                rel = candidate.relative_to(prefix).as_posix()
                record = env.owner_of_file(rel) if env.is_env() else None
                owner = (f"conda package {record.name} {record.version}" if record else
                         "pip (no conda record lists it)" if where == "site-packages" else None)
                return WhyReport(module, prefix, True, candidate, owner,
                                 f"importable: {where} has {candidate.name}"
                                 + (f", installed by {owner}" if owner else ""))
    searched = site or prefix
    return WhyReport(
        module, prefix, False, None, None,
        f"not importable: no {top} in {searched}; install it into this env "
        f"(add it to the env's specs and recreate, or pip install with {prefix}/bin/python)",
    )
