"""``labtools channel demo DIR``: a small local conda channel for a machine without one.

Where conda-forge is unreachable (an air-gapped cluster, a proxy that lets PyPI through
but no conda channel), a newcomer still needs python and ipykernel to follow the
handbook. This builds them into DIR: this machine's Python as a relocatable ``python``
package, pip, ipykernel and its dependencies converted from wheels, and the two tiny
``labdemo`` packages the tutorials use. The wheels come from ``--wheels DIR`` (fully
offline) or are downloaded once from PyPI into the profile's cache and reused.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from labtools import process
from labtools.errors import ChannelError, CommandFailedError

MARKER = ".labtools-demo-channel"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class DemoChannel:
    """A demo channel that :func:`make_demo_channel` built (or found already built)."""

    path: Path
    url: str
    python: str  # the packaged interpreter's version
    packages: tuple[str, ...]  # package names in the channel
    wheels_from: str  # the wheel folder used
    reused: bool  # the channel was already there, built from the same inputs
    seconds: float


def _requirements() -> tuple[str, ...]:
    from labtools.channel.lab import LAB_REQUIREMENTS

    return LAB_REQUIREMENTS


def pip_argv() -> list[str]:
    """How to run pip here: this interpreter's pip, else the wheel CPython bundles.

    ``uv tool install`` makes environments without pip; pip runs from its wheel file.
    """
    probe = process.run([sys.executable, "-m", "pip", "--version"], check=False, timeout=60)
    if probe.returncode == 0:
        return [sys.executable, "-m", "pip"]
    from labtools.channel.python_pkg import bundled_pip_wheel

    return [sys.executable, str(bundled_pip_wheel() / "pip")]


def download_wheels(wheelhouse: Path, requirements: Sequence[str]) -> list[Path]:
    """Fill *wheelhouse* with wheels for this Python from PyPI (once; reused after)."""
    marker = wheelhouse / ".complete"
    wanted = "\n".join(requirements) + "\n"
    if marker.is_file() and marker.read_text(encoding="utf-8") == wanted:
        return sorted(wheelhouse.glob("*.whl"))
    staging = wheelhouse.with_name(f".{wheelhouse.name}-{uuid.uuid4().hex[:8]}")
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    try:
        staging.mkdir(parents=True)
        process.run([*pip_argv(), "download", "--quiet", "--only-binary", ":all:",
                     "--python-version", version, "--disable-pip-version-check",
                     "--dest", staging, *requirements], timeout=900)
        (staging / ".complete").write_text(wanted, encoding="utf-8")
        shutil.rmtree(wheelhouse, ignore_errors=True)
        os.replace(staging, wheelhouse)
    except CommandFailedError as exc:
        raise ChannelError(
            f"cannot download the demo channel's wheels from PyPI: {exc.stderr_tail or exc}",
            hint="on a machine without PyPI, copy a folder of wheels here and pass "
                 "--wheels DIR (pip download -d DIR ipykernel on a connected machine)",
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sorted(wheelhouse.glob("*.whl"))


def _local_wheels(folder: Path) -> list[Path]:
    wheels = sorted(folder.glob("*.whl"))
    if not any(w.name.lower().startswith("ipykernel-") for w in wheels):
        raise ChannelError(f"no ipykernel wheel in {folder} ({len(wheels)} wheels found)",
                           hint="fill it with: pip download -d DIR ipykernel")
    return wheels


def _fingerprint(wheels: Sequence[Path]) -> str:
    digest = hashlib.sha256(f"{sys.version}|{sys.base_prefix}".encode())
    for wheel in wheels:
        digest.update(f"{wheel.name}:{wheel.stat().st_size}\n".encode())
    return digest.hexdigest()[:16]


def _check_target(target: Path, fingerprint: str, force: bool) -> bool:
    """True when *target* already holds this very channel; raises if it holds anything else."""
    if not target.exists():
        return False
    marker = target / MARKER
    if marker.is_file() and marker.read_text(encoding="utf-8").strip() == fingerprint:
        return not force
    if not target.is_dir():
        raise ChannelError(f"{target} exists and is not a folder", hint="choose another DIR")
    if any(target.iterdir()) and not marker.is_file():
        raise ChannelError(f"{target} is not empty and is not a demo channel; nothing "
                           "was written", hint="choose a new or empty DIR")
    return False


def make_demo_channel(
    directory: Path | str,
    *,
    wheels: Path | str | None = None,
    force: bool = False,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> DemoChannel:
    """Build the demo channel in *directory* (atomically), or reuse it when it is there."""
    from labtools.channel import add_python, add_wheels, index_channel, init_channel
    from labtools.channel.lab import demo_wheels

    say = progress or (lambda _: None)
    started = time.monotonic()
    target = Path(directory).expanduser().absolute()
    if wheels is not None:
        folder = Path(wheels).expanduser()
        found = _local_wheels(folder)
    else:
        if cache_dir is None:
            from labtools.profile import load_profile

            cache_dir = load_profile().cache_dir
        folder = cache_dir / "demo-wheelhouse"
        say(f"downloading wheels from PyPI into {folder} (once)")
        found = download_wheels(folder, _requirements())
    fingerprint = _fingerprint(found)
    python = ".".join(map(str, sys.version_info[:3]))
    if _check_target(target, fingerprint, force):
        return _result(target, python, folder, reused=True, started=started)
    staging = target.with_name(f".{target.name}-{uuid.uuid4().hex[:8]}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        init_channel(staging)
        say(f"packaging this machine's Python {python}")
        has_pip = any(w.name.lower().startswith("pip-") for w in found)
        add_python(staging, with_pip=not has_pip)
        say(f"converting {len(found)} wheels to conda packages")
        add_wheels(staging, [*found, *demo_wheels(staging / ".demo-wheels")])
        shutil.rmtree(staging / ".demo-wheels")
        say("indexing")
        index_channel(staging)
        (staging / MARKER).write_text(fingerprint + "\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return _result(target, python, folder, reused=False, started=started)


def _result(target: Path, python: str, folder: Path, *, reused: bool,
            started: float) -> DemoChannel:
    import json

    names: set[str] = set()
    for repodata in target.glob("*/repodata.json"):
        data = json.loads(repodata.read_text(encoding="utf-8"))
        for table in ("packages", "packages.conda"):
            names.update(record["name"] for record in data.get(table, {}).values())
    return DemoChannel(path=target, url=target.as_uri(), python=python,
                       packages=tuple(sorted(names)), wheels_from=str(folder), reused=reused,
                       seconds=round(time.monotonic() - started, 2))
