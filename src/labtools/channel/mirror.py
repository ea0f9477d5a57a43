"""Mirror an environment file from PyPI: a local conda channel that satisfies it offline.

:func:`mirror_environment` reads an ``environment.yml``, asks pip which binary wheels
satisfy its conda dependencies on this interpreter and platform (conda names mapped to
PyPI projects by :mod:`labtools.channel.names`), converts each wheel to a conda package
whose ``depends`` come from its Requires-Dist (markers evaluated here, names mapped
back), adds the relocatable host ``python``, puts the wheels the ``pip:`` section needs
(local projects' build backends, pip-only requirements) into ``wheels/``, and indexes
the channel. ``versions=N`` also mirrors up to N-1 older releases of every package, so
a solver has real choices (the benchmark's large case).

Everything lands in a cache outside the project (``LABTOOLS_MIRROR_CACHE``, default
``~/.cache/labtools/mirror``): wheels by file name, converted packages by content, whole
channels by a key over the request and the converter's source. A warm run only links
the cached channel into place. The target folder is built aside and swapped in, so it
is never half-written.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from labtools.channel.names import Naming
from labtools.channel.plan import PipSection, Wanted, python_ok, split_pip, wanted
from labtools.errors import ChannelError, SpecError

MIRROR_FORMAT = "1"
CACHE_ENV = "LABTOOLS_MIRROR_CACHE"
REPORT_FILE = "labtools-mirror.json"
STALE_DAYS = 14
Progress = Callable[[str, int, int], None]  # (stage, done, total); total 0 = unknown


@dataclass(frozen=True)
class Missing:
    """A package the mirror could not provide, and why."""

    name: str
    reason: str


@dataclass(frozen=True)
class MirrorReport:
    """A mirror channel: where it is, what it holds, what is missing, how it was made."""

    path: Path
    url: str
    source: Path
    python: str
    subdir: str
    packages: int  # conda package files
    names: int  # distinct package names
    versions: int  # releases asked per package
    missing: tuple[Missing, ...]
    wheels: int  # files in wheels/ for the pip section
    pip_env: dict[str, str]  # set these when a tool runs the pip section offline
    cache_key: str
    cached: bool
    duration_s: float


def default_cache() -> Path:
    """``$LABTOOLS_MIRROR_CACHE``, else ``<user cache>/labtools/mirror``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("labtools")) / "mirror"


def _python_version() -> str:
    return ".".join(map(str, sys.version_info[:3]))


def _subdir() -> str:
    from labtools.channel.python_pkg import current_subdir

    return current_subdir()


#: the modules a converted package (or the python package) depends on, for cache keys
CONVERTER_MODULES = ("wheel.py", "condapkg.py", "names.py", "plan.py", "python_pkg.py")


def _source_digest(modules: Sequence[str] | None = None) -> str:
    """Hash of the channel package's source (or of *modules* of it)."""
    from labtools.digest import digest

    here = Path(__file__).parent
    files = [here / m for m in modules] if modules else sorted(here.glob("*.py"))
    return digest(p.read_bytes() for p in files)[:16]


def mirror_key(specs: Sequence[str], pip: PipSection, versions: int, skip_missing: bool) -> str:
    """What must be unchanged for a cached mirror to be reused."""
    from labtools.digest import digest

    return digest([MIRROR_FORMAT, _source_digest(), sys.version, sys.base_prefix, _subdir(),
                   *sorted(specs), "|pip|", *pip.requirements, *pip.fingerprint,
                   f"versions={versions}", f"skip={skip_missing}"])[:20]


def mirror_environment(
    env_file: Path | str,
    out: Path | str,
    *,
    versions: int = 1,
    skip_missing: bool = False,
    refresh: bool = False,
    cache_dir: Path | str | None = None,
    on_progress: Progress | None = None,
) -> MirrorReport:
    """Make the channel folder *out* able to satisfy *env_file* offline (see module doc).

    A package that cannot be mirrored (not on PyPI, no wheel for this platform) raises
    :class:`ChannelError` naming each one, unless *skip_missing*: then the report lists
    them. *refresh* ignores a cached mirror and asks PyPI again.
    """
    from labtools.spec.envfile import load_request

    started = time.monotonic()
    if versions < 1:
        raise ChannelError(f"--versions {versions}: need at least 1", hint="use --versions 1")
    source = Path(env_file).expanduser().absolute()
    request = load_request(source)
    if request.kind != "environment.yml":
        raise SpecError(f"{source} is a {request.kind}, not an environment.yml",
                        hint="mirror the environment.yml it was made from")
    target = Path(out).expanduser().absolute()
    _check_target(target)
    pip_section = split_pip(request.pip, source.parent)
    cache = Path(cache_dir).expanduser().absolute() if cache_dir else default_cache()
    key = mirror_key(request.specs, pip_section, versions, skip_missing)
    built = cache / "channels" / key
    progress = on_progress or (lambda stage, done, total: None)
    with _locked(cache / "locks" / f"{key}.lock"):
        cached = not refresh and (built / REPORT_FILE).is_file()
        if not cached:
            from labtools.channel.mirror_build import build_channel

            staging = cache / "channels" / f".{key}-{uuid.uuid4().hex[:8]}"
            try:
                build_channel(staging, request.specs, pip_section, versions=versions,
                              skip_missing=skip_missing, cache=cache, progress=progress,
                              refresh=refresh)
                if built.exists():
                    shutil.rmtree(built)
                os.rename(staging, built)
            finally:
                if staging.exists():
                    shutil.rmtree(staging, ignore_errors=True)
            _evict(cache, keep=built)
        progress("copy", 0, 0)
        _materialize(built, target)
        os.utime(built / REPORT_FILE)  # in use: eviction goes by this time
    saved = json.loads((built / REPORT_FILE).read_text(encoding="utf-8"))
    wheels = target / "wheels"
    pip_env = ({"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels)}
               if saved["wheels"] else {})
    return MirrorReport(
        path=target, url=target.as_uri(), source=source, python=saved["python"],
        subdir=saved["subdir"], packages=saved["packages"], names=saved["names"],
        versions=versions, missing=tuple(Missing(**m) for m in saved["missing"]),
        wheels=saved["wheels"], pip_env=pip_env, cache_key=key, cached=cached,
        duration_s=round(time.monotonic() - started, 2),
    )


def write_report(channel: Path, *, packages: int, names: int,
                 missing: Sequence[Missing], wheels: int) -> None:
    """The facts a cached channel keeps about itself (read back by :func:`mirror_environment`)."""
    data = {"python": _python_version(), "subdir": _subdir(), "packages": packages,
            "names": names, "missing": [asdict(m) for m in missing], "wheels": wheels}
    (channel / REPORT_FILE).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def plan_request(specs: Sequence[str]) -> tuple[list[Wanted], list[Missing], Naming]:
    """The request's conda specs as PyPI requirements, what cannot be mirrored, the naming."""
    python = _python_version()
    tops: list[Wanted] = []
    missing: list[Missing] = []
    for spec in specs:
        item = wanted(spec)
        if item.conda == "python":
            if not python_ok(spec, python):
                raise ChannelError(
                    f"the request asks for {spec} but the mirror packages this Python, "
                    f"{python}", hint="run labtools from a Python that satisfies it")
            continue
        if item.requirement is None:
            missing.append(Missing(item.conda, item.reason or "not on PyPI"))
        else:
            tops.append(item)
    if not any(t.conda == "pip" for t in tops):
        tops.append(Wanted("pip", "pip", "pip"))  # every tool asks for pip with python
    return tops, missing, Naming(t.conda for t in tops)


def _check_target(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise ChannelError(f"{target} exists and is not a folder", hint="pick another DIR")
    if target.is_dir() and any(target.iterdir()) and not (target / REPORT_FILE).is_file():
        raise ChannelError(
            f"{target} is not empty and is not a labtools mirror; refusing to replace it",
            hint="pick a new or empty DIR")


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One builder per cache key (checkouts on one machine share the cache)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _materialize(built: Path, target: Path) -> None:
    """Link the cached channel into *target*: build a sibling folder, then swap it in."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:8]
    staging = target.parent / f".{target.name}.new-{tag}"
    old = target.parent / f".{target.name}.old-{tag}"
    try:
        for root, _, files in os.walk(built):
            here = Path(root)
            dest = staging / here.relative_to(built)
            dest.mkdir(parents=True, exist_ok=True)
            for name in files:
                src = here / name
                if name.endswith((".conda", ".tar.bz2", ".whl")):
                    try:  # packages never change: share them with the cache
                        os.link(src, dest / name)
                        continue
                    except OSError:
                        pass
                shutil.copy2(src, dest / name)  # repodata may be rewritten later: a copy
        if target.exists():
            os.rename(target, old)
        try:
            os.rename(staging, target)
        except OSError:
            if old.exists():
                os.rename(old, target)  # put the previous mirror back
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


def _evict(cache: Path, *, keep: Path) -> None:
    """Drop channels unused for :data:`STALE_DAYS` (other checkouts share the cache, with
    other keys), then converted packages no channel links to any more. Wheels stay."""
    limit = time.time() - STALE_DAYS * 86400
    for channel in (cache / "channels").iterdir():
        report = channel / REPORT_FILE
        if channel != keep and channel.is_dir() and not channel.name.startswith(".") and (
                not report.is_file() or report.stat().st_mtime < limit):
            shutil.rmtree(channel, ignore_errors=True)
    for package in (cache / "pkgs").glob("*/*.conda"):
        info = package.stat()
        if info.st_nlink == 1 and info.st_mtime < limit:
            shutil.rmtree(package.parent, ignore_errors=True)


def parallel(func: Callable[..., object], items: Sequence[object], *, workers: int,
             stage: str, progress: Progress) -> list[object]:
    """``[func(i) for i in items]`` on *workers* threads, reporting progress per item."""
    done = 0
    results: list[object] = []
    progress(stage, 0, len(items))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for result in pool.map(func, items):
            results.append(result)
            done += 1
            progress(stage, done, len(items))
    return results
