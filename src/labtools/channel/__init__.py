"""An offline conda channel a team can carry to an air-gapped cluster.

``init_channel`` lays out ``noarch/`` and the host subdir, ``add_packages`` copies
``.conda``/``.tar.bz2`` files in, ``add_wheels`` converts wheels, ``add_python``
packages the host interpreter, ``index_channel`` writes ``repodata.json`` with
rattler's indexer, and ``serve_channel`` serves the folder over HTTP on 127.0.0.1.
:func:`labtools.channel.mirror.mirror_environment` makes a whole channel that satisfies
an ``environment.yml`` offline, from PyPI wheels (``labtools channel mirror``).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from labtools.aio import run_sync
from labtools.errors import ChannelError

PACKAGE_SUFFIXES = (".conda", ".tar.bz2")


@dataclass(frozen=True)
class ChannelReport:
    """A channel folder and the packages it holds, per subdir."""

    path: Path
    url: str
    packages: dict[str, tuple[str, ...]]
    added: tuple[str, ...] = ()


def _subdir() -> str:
    from labtools.channel.python_pkg import current_subdir

    return current_subdir()


def package_files(channel: Path) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for sub in sorted(p for p in channel.iterdir() if p.is_dir() and not p.name.startswith(".")):
        found[sub.name] = tuple(
            sorted(f.name for f in sub.iterdir() if f.name.endswith(PACKAGE_SUFFIXES))
        )
    return found


def _report(channel: Path, added: Sequence[Path] = ()) -> ChannelReport:
    return ChannelReport(
        path=channel, url=channel.resolve().as_uri(), packages=package_files(channel),
        added=tuple(p.name for p in added),
    )


def _require_channel(channel: Path) -> Path:
    channel = Path(channel).expanduser()
    if not (channel / "noarch").is_dir():
        raise ChannelError(
            f"{channel} is not a channel folder (no noarch/ inside)",
            hint=f"create it with: labtools channel init {channel}",
        )
    return channel


def init_channel(channel: Path | str) -> ChannelReport:
    """Create an empty channel folder with ``noarch/`` and this machine's subdir."""
    root = Path(channel).expanduser()
    try:
        for sub in ("noarch", _subdir()):
            (root / sub).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ChannelError(f"cannot create channel at {root}: {exc.strerror}") from None
    return _report(root)


def add_packages(channel: Path | str, files: Sequence[Path | str]) -> ChannelReport:
    """Copy conda package files into the channel's subdir named by their index.json."""
    import json
    import tarfile
    import zipfile

    root = _require_channel(Path(channel))
    added: list[Path] = []
    for item in map(Path, files):
        if not item.name.endswith(PACKAGE_SUFFIXES) or not item.is_file():
            raise ChannelError(
                f"{item} is not a conda package file", hint="pass .conda or .tar.bz2 files"
            )
        try:
            if item.name.endswith(".conda"):
                subdir = _conda_subdir(item)
            else:
                with tarfile.open(item, "r:bz2") as tar:
                    member = tar.extractfile("info/index.json")
                    subdir = json.load(member)["subdir"] if member else "noarch"
        except (zipfile.BadZipFile, tarfile.TarError, KeyError, ValueError) as exc:
            raise ChannelError(f"{item} is not a readable conda package: {exc}") from None
        (root / subdir).mkdir(exist_ok=True)
        added.append(Path(shutil.copy2(item, root / subdir / item.name)))
    return _report(root, added)


def _conda_subdir(path: Path) -> str:
    import io
    import json
    import tarfile
    import zipfile

    import zstandard

    with zipfile.ZipFile(path) as zf:
        info = next(n for n in zf.namelist() if n.startswith("info-"))
        raw = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(zf.read(info)))
        with tarfile.open(fileobj=raw, mode="r|") as tar:
            for member in tar:
                if member.name == "info/index.json":
                    handle = tar.extractfile(member)
                    assert handle is not None
                    return str(json.load(handle)["subdir"])
    raise KeyError("info/index.json")


def add_wheels(
    channel: Path | str, wheels: Sequence[Path | str], *, python_version: str | None = None
) -> ChannelReport:
    """Convert wheels into conda packages in the channel (see :mod:`labtools.channel.wheel`)."""
    from labtools.channel.wheel import wheel_to_conda

    root = _require_channel(Path(channel))
    version = python_version or f"{sys.version_info.major}.{sys.version_info.minor}"
    added = [
        wheel_to_conda(Path(w), root, python_version=version, subdir=_subdir()) for w in wheels
    ]
    return _report(root, added)


def add_python(channel: Path | str, *, with_pip: bool = True) -> ChannelReport:
    """Package the host interpreter as a relocatable ``python`` package in the channel.

    With *with_pip* (the default) the channel also gets ``pip``, converted from the wheel
    that CPython bundles for ``ensurepip`` (no network): conda adds pip to every python
    request (``add_pip_as_python_dependency``) and mamba/micromamba always do, so a channel
    with python but no pip cannot be used by them. A pip already in the channel is kept.
    """
    from labtools.channel.python_pkg import add_python as build
    from labtools.channel.python_pkg import bundled_pip_wheel

    root = _require_channel(Path(channel))
    added = [build(root)]
    if with_pip and not any(root.glob("noarch/pip-*")):
        from labtools.channel.wheel import wheel_to_conda

        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        added.append(wheel_to_conda(bundled_pip_wheel(), root, python_version=version,
                                    subdir=_subdir()))
    return _report(root, added)


def index_channel(channel: Path | str) -> ChannelReport:
    """Write ``repodata.json`` for every subdir with rattler's indexer."""
    from rattler.index import index_fs

    root = _require_channel(Path(channel))
    try:
        run_sync(index_fs(root, write_zst=False, write_shards=False, force=True))
    except Exception as exc:  # rattler raises its own exception types
        raise ChannelError(f"indexing {root} failed: {exc}") from None
    return _report(root)


@contextmanager
def serve_channel(channel: Path | str, *, port: int = 0) -> Iterator[str]:
    """Serve the channel over HTTP on 127.0.0.1; yields its URL; stops on exit."""
    from labtools.httpserve import serve_directory

    root = _require_channel(Path(channel)).resolve()
    with serve_directory(root, port=port, error=ChannelError) as url:
        yield url
