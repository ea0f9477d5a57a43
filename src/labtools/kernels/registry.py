"""Install, list and remove kernelspecs on the Jupyter data paths.

Installation goes through ``jupyter_client.kernelspec.KernelSpecManager`` into a hidden
staging name, then the directory is made world-readable (the manager copies the 0700 mode
of a temp dir) and renamed into place, so a failure never leaves a half-written kernel.
Listing reads the ``kernel.json`` files directly: it is what ``jupyter kernelspec list``
shows, plus the environment each kernel points at and the definitions it shadows.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labtools.errors import KernelError, LabtoolsError, SpecError, UsageError
from labtools.kernels import spec as ks

log = logging.getLogger("labtools.kernels")

DIR_MODE = 0o755
FILE_MODE = 0o644
NATIVE_KERNEL = "python3"


@dataclass(frozen=True)
class KernelEntry:
    """One kernelspec directory on one Jupyter path."""

    name: str
    resource_dir: Path
    path_index: int
    display_name: str | None = None
    language: str | None = None
    argv: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    env_prefix: str | None = None
    env_exists: bool | None = None
    labtools: bool = False
    package_hash: str | None = None
    python_version: str | None = None
    shadowed_by: Path | None = None
    error: str | None = None

    @property
    def active(self) -> bool:
        return self.shadowed_by is None

    @property
    def python(self) -> str | None:
        return self.argv[0] if self.argv else None


@dataclass(frozen=True)
class KernelListing:
    """Every kernelspec found, in Jupyter's lookup order; shadowed ones included."""

    paths: tuple[Path, ...]
    kernels: tuple[KernelEntry, ...]

    def get(self, name: str) -> KernelEntry | None:
        """The definition Jupyter uses for *name*, or None."""
        for entry in self.kernels:
            if entry.name == name.lower() and entry.active:
                return entry
        return None

    def definitions(self, name: str) -> list[KernelEntry]:
        return [e for e in self.kernels if e.name == name.lower()]


@dataclass(frozen=True)
class Registration:
    """The outcome of :func:`register_kernel`."""

    name: str
    display_name: str
    resource_dir: Path
    env_prefix: Path
    python: Path
    python_version: str
    package_hash: str
    replaced: bool
    on_jupyter_path: bool
    installed_ipykernel: bool


@dataclass(frozen=True)
class Removal:
    name: str
    resource_dir: Path
    now_active: Path | None


def kernel_paths() -> list[Path]:
    """The kernels/ folders Jupyter searches, first wins (honours JUPYTER_PATH etc.).

    A folder named twice (JUPYTER_PATH and the data dir, or a symlink to it) is listed
    once, at its first place: its kernels are not "shadowed" by themselves.
    """
    from jupyter_core.paths import jupyter_path

    seen: set[str] = set()
    paths: list[Path] = []
    for raw in jupyter_path("kernels"):
        real = os.path.realpath(raw)
        if real not in seen:
            seen.add(real)
            paths.append(Path(raw))
    return paths


def read_entry(resource_dir: Path, index: int) -> KernelEntry:
    """Read one kernelspec directory; a broken kernel.json gives an entry with ``error``."""
    name = resource_dir.name.lower()
    path = resource_dir / "kernel.json"
    try:
        data = ks.parse_kernel_json(path.read_text(encoding="utf-8"), source=str(path))
    except (OSError, UnicodeDecodeError, SpecError) as exc:
        message = exc.message if isinstance(exc, LabtoolsError) else f"{path}: {exc}"
        return KernelEntry(name=name, resource_dir=resource_dir, path_index=index,
                           error=message)
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    lab = meta.get("labtools") if isinstance(meta, dict) else None
    lab = lab if isinstance(lab, dict) else {}
    prefix = ks.env_prefix_of(data)
    return KernelEntry(
        name=name,
        resource_dir=resource_dir,
        path_index=index,
        display_name=str(data.get("display_name", "")),
        language=str(data.get("language", "")) or None,
        argv=tuple(data["argv"]),
        env={str(k): str(v) for k, v in data.get("env", {}).items()},
        env_prefix=prefix,
        env_exists=Path(prefix).is_dir() if prefix else None,
        labtools=bool(lab),
        package_hash=lab.get("package_hash"),
        python_version=lab.get("python_version"),
    )


def _native_entry(index: int) -> KernelEntry | None:
    """The ``python3`` kernel jupyter_client adds when ipykernel is importable here."""
    import importlib.util

    found = importlib.util.find_spec("ipykernel")
    if found is None or found.origin is None:
        return None
    resources = Path(found.origin).parent / "resources"
    return KernelEntry(
        name=NATIVE_KERNEL, resource_dir=resources, path_index=index,
        display_name="Python 3 (ipykernel)", language="python",
        argv=(sys.executable, *ks.LAUNCHER_ARGS), env_prefix=sys.prefix, env_exists=True,
    )


def list_kernels() -> KernelListing:
    """Every kernelspec on every Jupyter path, with shadowing resolved."""
    paths = kernel_paths()
    found: list[KernelEntry] = []
    for index, directory in enumerate(paths):
        if not directory.is_dir():
            continue
        for child in sorted(directory.iterdir()):
            if (child.is_dir() and ks.KERNEL_NAME_RE.match(child.name)
                    and not child.name.startswith(".labtools-")
                    and (child / "kernel.json").is_file()):
                found.append(read_entry(child, index))
    if not any(e.name == NATIVE_KERNEL for e in found):
        native = _native_entry(len(paths))
        if native is not None:
            found.append(native)
    losers = ks.shadowed([(e.name, e.path_index) for e in found])
    winners = {e.name: e.resource_dir for e in found if (e.name, e.path_index) not in losers}
    kernels = tuple(
        _replace(e, shadowed_by=winners[e.name]) if (e.name, e.path_index) in losers else e
        for e in sorted(found, key=lambda e: (e.name, e.path_index))
    )
    return KernelListing(paths=tuple(paths), kernels=kernels)


def _replace(entry: KernelEntry, **changes: Any) -> KernelEntry:
    import dataclasses

    return dataclasses.replace(entry, **changes)


def get_kernel(name: str) -> KernelEntry:
    """The active definition of kernel *name*; raise :class:`KernelError` if there is none."""
    entry = list_kernels().get(name)
    if entry is None:
        raise KernelError(f"no kernel named {name!r} on the Jupyter path",
                          hint="see `labtools kernel list`, or register one with "
                               "`labtools kernel register ENV`")
    return entry


def _fix_modes(root: Path) -> None:
    os.chmod(root, DIR_MODE)
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), DIR_MODE)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), FILE_MODE)


def install_spec(
    kernel_json: dict[str, Any], name: str, *, user: bool = True, prefix: Path | None = None
) -> tuple[Path, bool]:
    """Atomically install *kernel_json* as kernel *name*; returns (directory, replaced)."""
    from jupyter_client.kernelspec import KernelSpecManager

    manager = KernelSpecManager(log=log)
    token = secrets.token_hex(4)
    staging_name = f".labtools-new-{name}-{token}"
    staged: Path | None = None
    with tempfile.TemporaryDirectory(prefix="labtools-kernel-") as tmp:
        source = Path(tmp) / name
        source.mkdir()
        (source / "kernel.json").write_text(json.dumps(kernel_json, indent=1) + "\n",
                                            encoding="utf-8")
        try:
            staged = Path(manager.install_kernel_spec(
                str(source), kernel_name=staging_name, user=user,
                prefix=str(prefix) if prefix is not None else None))
            _fix_modes(staged)
        except OSError as exc:
            if staged is not None:
                shutil.rmtree(staged, ignore_errors=True)
            raise KernelError(f"could not install kernel {name!r}: {exc}",
                              hint="use --user, or --prefix with a writable folder") from None
    final = staged.with_name(name)
    old = staged.with_name(f".labtools-old-{name}-{token}")
    replaced = final.exists()
    try:
        if replaced:
            os.rename(final, old)
        os.rename(staged, final)
    except OSError as exc:
        shutil.rmtree(staged, ignore_errors=True)
        if replaced and old.exists() and not final.exists():
            os.rename(old, final)
        raise KernelError(f"could not move kernel {name!r} into {final.parent}: {exc}",
                          hint="check the folder's permissions") from None
    finally:
        shutil.rmtree(old, ignore_errors=True)
    return final, replaced


def remove_kernel(name: str) -> Removal:
    """Remove the active definition of kernel *name* (a shadowed one may take over)."""
    listing = list_kernels()
    entry = listing.get(name)
    if entry is None:
        raise KernelError(f"no kernel named {name!r} on the Jupyter path",
                          hint="see `labtools kernel list`")
    if entry.path_index >= len(listing.paths):
        raise KernelError(f"{name!r} is the built-in kernel of {sys.prefix}; it has no folder",
                          hint="pick another kernel name")
    aside = entry.resource_dir.with_name(f".labtools-old-{entry.name}-{secrets.token_hex(4)}")
    try:
        os.rename(entry.resource_dir, aside)
    except OSError as exc:
        raise KernelError(f"could not remove {entry.resource_dir}: {exc}",
                          hint="check the folder's permissions (system kernels need root)"
                          ) from None
    shutil.rmtree(aside, ignore_errors=True)
    rest = [e for e in listing.definitions(name) if e.resource_dir != entry.resource_dir]
    return Removal(name=entry.name, resource_dir=entry.resource_dir,
                   now_active=rest[0].resource_dir if rest else None)


def destination_for(
    *, user: bool, sys_prefix: bool, prefix: Path | None
) -> tuple[bool, Path | None]:
    """Map the CLI's --user / --sys-prefix / --prefix choice to KernelSpecManager's arguments."""
    chosen = sum([user, sys_prefix, prefix is not None])
    if chosen > 1:
        raise UsageError("choose one of --user, --sys-prefix and --prefix",
                       hint="drop the extra option")
    if sys_prefix:
        return False, Path(sys.prefix)
    if prefix is not None:
        return False, prefix.absolute()
    return True, None
