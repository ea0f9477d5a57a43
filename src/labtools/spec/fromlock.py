"""A lock file's packages for one platform, as ``env create --from-lock`` installs them.

:func:`exact_packages` reads a conda-lock.yml (v1), a pixi.lock or an ``@EXPLICIT`` file
(:func:`labtools.spec.locks.read_package_list`) and turns one platform's conda packages
into :class:`labtools.envs.exact.ExactPackage` (URL, channel, sha256/md5), plus the
lock's pip entries (each URL with its ``#sha256=``, which pip verifies). It refuses, with
the fix, what cannot be installed exactly: a source package, a platform the lock does not
have, a lock without conda packages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from labtools.envs.exact import ExactPackage
from labtools.errors import SpecError
from labtools.spec.explicit import channel_of_url
from labtools.spec.locks import PackageList, read_package_list


@dataclass(frozen=True)
class LockedInstall:
    """What ``--from-lock`` installs: exact conda packages and pip requirement lines."""

    source: str
    format: str
    platform: str
    packages: tuple[ExactPackage, ...]
    pip: tuple[str, ...]


def current_platform() -> str:
    import rattler

    return str(rattler.Subdir.current())


def as_exact(listed: PackageList, *, platform: str) -> LockedInstall:
    """One platform's package list -> :class:`LockedInstall` (pure)."""
    packages: list[ExactPackage] = []
    for pkg in listed.packages:
        if pkg.name.startswith("__"):  # a virtual package: the machine provides it
            continue
        if pkg.source_package:
            raise SpecError(f"{listed.source} locks {pkg.name!r} as a source package (built "
                            "from a path, no archive to download)",
                            hint="build it with pixi, or lock it as a binary package")
        subdir = pkg.subdir or "noarch"
        if subdir not in (platform, "noarch"):
            where = f"{listed.source}:{pkg.line}" if pkg.line else listed.source
            raise SpecError(f"{where}: {pkg.name} {pkg.version} is a {subdir} package, not "
                            f"{platform}",
                            hint=f"pass --platform {subdir}, or use the lock made for "
                                 f"{platform}")
        packages.append(ExactPackage(
            name=pkg.name, version=pkg.version, build=pkg.build, url=pkg.url,
            channel=(pkg.channel or channel_of_url(pkg.url)).rstrip("/"), subdir=subdir,
            sha256=pkg.sha256, md5=pkg.md5))
    if not packages:
        raise SpecError(f"{listed.source} has no conda packages for {platform}",
                        hint="lock at least python (or the packages you need) for "
                             "this platform")
    return LockedInstall(source=listed.source, format=listed.format, platform=platform,
                         packages=tuple(packages), pip=listed.pip_install_lines())


def exact_packages(path: Path | str, *, platform: str | None = None,
                   environment: str = "default") -> LockedInstall:
    """Read *path* and pick *platform* (default: this machine's) of *environment*."""
    wanted = platform or current_platform()
    listed = read_package_list(Path(path), environment=environment, platform=wanted)
    return as_exact(listed, platform=wanted)


__all__ = ["LockedInstall", "as_exact", "current_platform", "exact_packages"]
