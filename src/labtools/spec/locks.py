"""Exact package lists: ``@EXPLICIT`` files, pixi.lock (every format version rattler reads)
and conda-lock.yml (v1).

:func:`read_lock` reads every environment and platform of a lock file; pixi.lock and
conda-lock.yml go through py-rattler's ``LockFile`` after a line-numbered check of their
shape (:mod:`labtools.spec.pixilock`, :mod:`labtools.spec.condalock`), explicit files through
:mod:`labtools.spec.explicit`. :func:`read_package_list` picks one environment and platform,
which is what ``env create`` and ``spec check`` need. Nothing is dropped silently: a file is
read whole, or refused with ``file:line`` and the fix.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labtools.errors import SpecError
from labtools.spec.explicit import (
    EXPLICIT_MARKER,
    is_explicit,
    parse_archive_url,
    parse_explicit,
    render_explicit,
)
from labtools.spec.records import channel_name

if TYPE_CHECKING:
    from labtools.spec.envfile import EnvRequest

__all__ = ["EXPLICIT_MARKER", "LockContents", "LockedPackage", "LockedPip", "PackageList",
           "as_request", "is_explicit", "parse_archive_url", "parse_explicit", "read_lock",
           "read_package_list", "render_explicit"]


def canonical_pip(name: str) -> str:
    """PEP 503 normalized distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class LockedPackage:
    """One exactly pinned conda package: where to fetch it and how to verify it."""

    name: str
    version: str
    build: str
    url: str
    md5: str | None = None
    sha256: str | None = None
    channel: str | None = None
    subdir: str | None = None
    line: int | None = None
    #: a pixi source package (built from a path or repository, no archive to download)
    source_package: bool = False

    @property
    def channel_label(self) -> str:
        """The channel as a user writes it (``conda-forge``, ``defaults`` or a URL)."""
        return channel_name(self.channel, self.url, self.subdir)


@dataclass(frozen=True)
class LockedPip:
    """One pip (PyPI) package of a lock: a URL or a local path, and its version."""

    name: str  # PEP 503 normalized
    version: str
    location: str
    sha256: str | None = None
    editable: bool = False

    @property
    def is_url(self) -> bool:
        return "://" in self.location

    def requirement(self, base: Path | None = None) -> str:
        """The line pip installs: ``name @ url`` (URLs and local paths) or ``name==version``."""
        if self.is_url:
            return f"{self.name} @ {self.location}"
        if self.location:
            path = Path(self.location)
            if base is not None and not path.is_absolute():
                path = (base / path).resolve()
            return f"{self.name} @ {path.as_uri()}" if path.is_absolute() else \
                f"{self.name}=={self.version}"
        return f"{self.name}=={self.version}"

    def install_line(self, base: Path | None = None) -> str:
        """:meth:`requirement` carrying the lock's sha256 as a ``#sha256=`` URL fragment,
        which pip checks before it installs anything (a ``name==version`` line has no URL
        to carry it)."""
        line = self.requirement(base)
        if self.sha256 and " @ " in line and "#" not in line:
            line += f"#sha256={self.sha256}"
        return line


@dataclass(frozen=True)
class PackageList:
    """The exact content of an explicit or lock file for one platform."""

    kind: str  # "explicit" | "lock"
    source: str
    platform: str | None
    packages: tuple[LockedPackage, ...]
    pip: tuple[LockedPip, ...] = ()
    channels: tuple[str, ...] = ()
    environment: str | None = None
    format: str = "explicit"  # "explicit" | "pixi.lock" | "conda-lock.yml"

    def pip_requirements(self) -> tuple[str, ...]:
        base = Path(self.source).parent
        return tuple(p.requirement(base) for p in self.pip)

    def pip_install_lines(self) -> tuple[str, ...]:
        """The pip entries as installed: each URL pinned to the lock's sha256."""
        base = Path(self.source).parent
        return tuple(p.install_line(base) for p in self.pip)


@dataclass(frozen=True)
class LockContents:
    """Every environment and platform of a lock file."""

    source: str
    format: str  # "pixi.lock" | "conda-lock.yml"
    version: int
    environments: dict[str, dict[str, PackageList]] = field(default_factory=dict)
    #: conda-lock virtual packages (platform, name): locked, but never installed
    virtual: tuple[tuple[str, str], ...] = ()

    def select(self, environment: str = "default", platform: str | None = None) -> PackageList:
        import rattler

        env = self.environments.get(environment)
        if env is None:
            names = ", ".join(sorted(self.environments)) or "none"
            raise SpecError(f"{self.source} has no environment {environment!r} (it has: {names})",
                            hint="pick one with --lock-env NAME")
        wanted = platform or str(rattler.Subdir.current())
        if wanted not in env:
            have = ", ".join(sorted(env)) or "none"
            raise SpecError(f"{self.source} has no packages for platform {wanted} "
                            f"(it has: {have})",
                            hint="pass --platform P, or lock for this platform too")
        return env[wanted]


def _hex(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes | bytearray):
        return value.hex()
    return str(value) or None


def _rattler_message(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]


def _convert(lock: Any, *, source: str, fmt: str) -> dict[str, dict[str, PackageList]]:
    """rattler's LockFile -> {environment: {platform: PackageList}}."""
    from rattler.lock import CondaLockedBinaryPackage, CondaLockedSourcePackage, PypiLockedPackage

    out: dict[str, dict[str, PackageList]] = {}
    for env_name, env in lock.environments():
        channels = tuple(str(getattr(c, "url", c)).rstrip("/") for c in env.channels())
        per: dict[str, PackageList] = {}
        for platform in env.platforms():
            conda: list[LockedPackage] = []
            pip: list[LockedPip] = []
            for pkg in env.packages(platform) or ():
                if isinstance(pkg, CondaLockedBinaryPackage):
                    rec = pkg.repo_data_record()
                    conda.append(LockedPackage(
                        name=rec.name.normalized, version=str(rec.version), build=str(rec.build),
                        url=str(rec.url), md5=_hex(rec.md5), sha256=_hex(rec.sha256),
                        channel=str(rec.channel).rstrip("/") if rec.channel else None,
                        subdir=str(rec.subdir)))
                elif isinstance(pkg, CondaLockedSourcePackage):
                    src = pkg.package_record
                    if src is None:
                        raise SpecError(f"{source}: source package {pkg.location} has no record",
                                        hint="regenerate the lock with pixi")
                    conda.append(LockedPackage(
                        name=src.name.normalized, version=str(src.version), build=str(src.build),
                        url=str(pkg.location), subdir=str(src.subdir), source_package=True))
                elif isinstance(pkg, PypiLockedPackage):
                    hashes = pkg.hashes
                    sha = None
                    if hashes is not None:
                        try:
                            sha = _hex(hashes.sha256)
                        except AttributeError:  # py-rattler: PackageHashes() without values
                            sha = None
                    pip.append(LockedPip(name=canonical_pip(str(pkg.name)),
                                         version=str(pkg.version), location=str(pkg.location),
                                         sha256=sha))
                else:  # pragma: no cover - a package kind py-rattler adds later
                    raise SpecError(f"{source}: {type(pkg).__name__} entries are not supported",
                                    hint="upgrade labtools")
            per[platform.name] = PackageList(
                kind="lock", source=source, platform=platform.name,
                packages=tuple(sorted(conda, key=lambda p: p.name)),
                pip=tuple(sorted(pip, key=lambda p: p.name)), channels=channels,
                environment=env_name, format=fmt)
        out[env_name] = per
    return out


def lock_format(data: Any) -> str | None:
    """"conda-lock.yml", "pixi.lock" or None for a parsed YAML document."""
    from labtools.spec.condalock import is_conda_lock

    if not isinstance(data, dict):
        return None
    if is_conda_lock(data):
        return "conda-lock.yml"
    if isinstance(data, dict) and data.get("version") in (2, 3) and "package" in data:
        return "pixi.lock"  # pixi's first formats: conda-lock's layout, its own version
    if isinstance(data, dict) and "version" in data and "environments" in data:
        return "pixi.lock"
    return None


def _rattler_read(text: str, name: str) -> Any:
    import rattler

    with tempfile.TemporaryDirectory(prefix="labtools-lock-") as tmp:
        target = Path(tmp) / name
        target.write_text(text, encoding="utf-8")
        return rattler.LockFile.from_path(target)


def parse_lock(text: str, *, source: str, path: Path | None = None) -> LockContents:
    """Read a pixi.lock or conda-lock.yml from its text (rattler does the reading)."""
    from labtools.spec.condalock import check_document, normalized
    from labtools.spec.pixilock import check_pixi
    from labtools.spec.yamlsrc import YamlSource

    doc = YamlSource(text, source=source)
    fmt = lock_format(doc.data)
    if fmt is None:
        raise SpecError(f"{source}:1: neither a pixi.lock (version + environments) nor a "
                        "conda-lock.yml (version: 1 + metadata + package)",
                        hint="give a pixi.lock, a conda-lock.yml or an @EXPLICIT file")
    tool = "pixi" if fmt == "pixi.lock" else "conda-lock"
    virtual: tuple[tuple[str, str], ...] = ()
    attempts = [text]
    if "package" in doc.data:  # conda-lock v1 and pixi.lock v2/v3
        checked = check_document(doc)
        virtual = checked.virtual
        if checked.text is not None:
            attempts = [checked.text]
        else:  # rattler may still refuse a valid file: retry once in the form it reads
            attempts.append("")
    else:
        check_pixi(doc)
    lock = None
    error: Exception | None = None
    for attempt in attempts:
        try:
            lock = _rattler_read(attempt or normalized(doc), Path(source).name or fmt)
            break
        except SpecError:
            raise
        except Exception as exc:  # rattler raises its own exception types
            error = exc
    if lock is None:
        raise SpecError(f"{source}: not a valid {fmt}: {_rattler_message(error or Exception())}",
                        hint=f"regenerate it with {tool}")
    return LockContents(source=source, format=fmt, version=int(doc.data["version"]),
                        environments=_convert(lock, source=source, fmt=fmt), virtual=virtual)


def _read_text(file: Path) -> str:
    from labtools.textfile import read_text

    return read_text(file, what="a lock or spec file", error=SpecError,
                     hint="give a pixi.lock, conda-lock.yml, @EXPLICIT or environment.yml")


def read_lock(path: Path | str) -> LockContents:
    """Every environment and platform of a pixi.lock or conda-lock.yml."""
    file = Path(path).expanduser()
    return parse_lock(_read_text(file), source=str(file), path=file)


def read_package_list(path: Path | str, *, environment: str = "default",
                      platform: str | None = None) -> PackageList:
    """An explicit file, pixi.lock or conda-lock.yml -> exact package list (URLs + hashes)."""
    file = Path(path).expanduser()
    text = _read_text(file)
    if is_explicit(text):
        listed = parse_explicit(text, source=str(file))
        if platform and listed.platform and listed.platform != platform:
            raise SpecError(f"{file} is for {listed.platform}, not {platform}",
                            hint="use the explicit file made on that platform")
        return listed
    return parse_lock(text, source=str(file), path=file).select(environment, platform)


def read_lock_file(path: Path, *, environment: str = "default",
                   platform: str | None = None) -> PackageList:
    """pixi.lock or conda-lock.yml -> the packages for one platform (compatibility name)."""
    return read_lock(path).select(environment, platform)


def lock_env(*, prefix: Path | str) -> str:
    """The ``@EXPLICIT`` text that recreates the environment at *prefix* exactly."""
    from labtools.spec.export import platform_of
    from labtools.spec.records import read_conda_records

    records = read_conda_records(Path(prefix).expanduser().absolute())
    return render_explicit(records, platform=platform_of(records))


def as_request(listed: PackageList, *, name: str | None = None) -> EnvRequest:
    """A package list -> ``env create``'s request: exact pins, their channels, the URLs."""
    from labtools.spec.envfile import EnvRequest

    source_pkgs = [p.name for p in listed.packages if p.source_package]
    if source_pkgs:
        raise SpecError(f"{listed.source} locks {source_pkgs[0]!r} as a source package "
                        "(built from a path, no archive to download)",
                        hint="build it with pixi, or install the others and that one apart")
    channels: list[str] = [*listed.channels]
    for pkg in listed.packages:
        channel = pkg.channel_label
        if channel not in channels:
            channels.append(channel)
    return EnvRequest(
        name=name, channels=tuple(channels),
        specs=tuple(f"{p.name}=={p.version}={p.build}" for p in listed.packages),
        pip=listed.pip_requirements(), source=Path(listed.source), kind=listed.kind,
        urls=tuple(p.url + (f"#{p.md5}" if p.md5 else f"#sha256:{p.sha256}" if p.sha256 else "")
                   for p in listed.packages),
    )


def detect_explicit(path: Path, text: str) -> bool:
    return is_explicit(text)


def read_explicit_request(path: Path, text: str) -> EnvRequest:
    return as_request(parse_explicit(text, source=str(path)))


def detect_lock(path: Path, text: str) -> bool:
    """pixi.lock or conda-lock.yml: top-level ``version:`` plus ``package:``/``environments:``."""
    head = {line.split(":", 1)[0].strip().strip('"')
            for line in text.splitlines() if line and (line[0].isalpha() or line[0] in " \"{")}
    return "version" in head and ("package" in head or "environments" in head)


def read_lock_request(path: Path, text: str) -> EnvRequest:
    return as_request(parse_lock(text, source=str(path), path=path).select())


def register_readers() -> None:
    """Teach ``env create --file`` explicit files and lock files."""
    from labtools.spec.envfile import register_reader

    register_reader("explicit", detect_explicit, read_explicit_request)
    register_reader("lock", detect_lock, read_lock_request)
