"""What is installed in a prefix, by origin: conda records vs pip dist-info.

A dist-info directory listed in some ``conda-meta/*.json`` record belongs to conda;
any other one was installed by pip (or another installer) on top. Mixing the two is
a classic breakage, so :func:`packages_of` warns about it, and :func:`why_in_env`
explains, from the files alone, whether a module is importable in another env.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from labtools.envs.inspect import python_dirs, site_packages_of


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


def conda_records(prefix: Path) -> list[dict[str, object]]:
    records = []
    for path in sorted((prefix / "conda-meta").glob("*.json")):
        try:
            records.append(json.loads(path.read_text()))
        except (OSError, ValueError):
            continue
    return records


def _dist_name(dist: Path) -> tuple[str, str]:
    meta = dist / "METADATA"
    name, _, version = dist.name[: -len(".dist-info")].partition("-")
    if meta.is_file():
        for line in meta.read_text(errors="replace").splitlines()[:20]:
            if line.startswith("Name:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("Version:"):
                version = line.split(":", 1)[1].strip()
    return name, version


def packages_of(prefix: Path) -> PackageReport:
    """Packages of *prefix* by origin, with warnings about mixed installs."""
    records = conda_records(prefix)
    owned: dict[str, str] = {}
    packages: list[InstalledPackage] = []
    for rec in records:
        name = str(rec.get("name"))
        packages.append(InstalledPackage(
            name=name, version=str(rec.get("version")), origin="conda",
            build=str(rec.get("build")), channel=str(rec.get("channel") or "") or None,
        ))
        for file in rec.get("files", []) or []:  # type: ignore[attr-defined]
            if ".dist-info/" in str(file):
                owned[str(file).split(".dist-info/")[0].rsplit("/", 1)[-1]] = name
    site = site_packages_of(prefix)
    conda_names = {_norm(p.name): p for p in packages}
    warnings: list[str] = []
    pip_count = 0
    for dist in sorted(site.glob("*.dist-info")) if site else []:
        if dist.name[: -len(".dist-info")] in owned:
            continue
        name, version = _dist_name(dist)
        installer_file = dist / "INSTALLER"
        installer = installer_file.read_text().strip() if installer_file.is_file() else None
        packages.append(InstalledPackage(name=name, version=version, origin="pip",
                                         installer=installer))
        pip_count += 1
        twin = conda_names.get(_norm(name))
        if twin is not None:
            warnings.append(
                f"{name} is installed twice: conda {twin.version} and pip {version}; "
                f"pip overwrote conda's files (reinstall it one way only)"
            )
    if records and pip_count:
        warnings.append(
            f"{pip_count} package(s) were installed with pip on top of conda; conda does not "
            "track their dependencies (prefer conda packages, or a pip: list in environment.yml)"
        )
    return PackageReport(prefix=prefix, packages=tuple(packages), warnings=tuple(warnings))


def _owner(prefix: Path, rel: str) -> str | None:
    for rec in conda_records(prefix):
        files = rec.get("files", []) or []
        if any(str(f) == rel or str(f).startswith(rel + "/") for f in files):  # type: ignore[attr-defined]
            return f"conda package {rec.get('name')} {rec.get('version')}"
    return None


def why_in_env(prefix: Path, module: str) -> WhyReport:
    """Explain from the prefix's files whether ``import module`` works there."""
    top = module.split(".")[0]
    site = site_packages_of(prefix)
    places: list[tuple[Path, str]] = []
    if site is not None:
        places.append((site, "site-packages"))
    for _, pydir in python_dirs(prefix)[:1]:
        places += [(pydir, "stdlib"), (pydir / "lib-dynload", "stdlib")]
    for folder, where in places:
        for candidate in [folder / top, folder / f"{top}.py", *folder.glob(f"{top}.*.so")]:
            if candidate.exists():
                rel = candidate.relative_to(prefix).as_posix()
                owner = _owner(prefix, rel) or (
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
