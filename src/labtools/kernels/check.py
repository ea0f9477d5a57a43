"""``check_kernels``: find kernels that cannot start or are not what they claim to be.

A kernel is healthy when it starts: each one is launched through jupyter_client
(:mod:`labtools.kernels.launch`), answers ``kernel_info``, runs one statement and is shut
down, within a timeout. Pure diagnosis (:func:`diagnose_entry`, :func:`diagnose_notebook`)
turns those launches into problems, each with the fix.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labtools.errors import EnvError
from labtools.kernels import spec as ks
from labtools.kernels.launch import Launch, launch_kernels
from labtools.kernels.registry import KernelEntry, KernelListing, list_kernels

DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Problem:
    """One thing wrong, with the fix. ``code`` is stable for scripts."""

    code: str
    kernel: str | None
    message: str
    fix: str
    notebook: Path | None = None
    resource_dir: Path | None = None


@dataclass(frozen=True)
class CheckReport:
    kernels: tuple[str, ...]
    notebooks: tuple[Path, ...]
    problems: tuple[Problem, ...]
    launches: tuple[Launch, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def _reregister(name: str) -> str:
    return f"re-register it: `labtools kernel register ENV --name {name}`"


def diagnose_entry(entry: KernelEntry, launch: Launch | None) -> list[Problem]:
    """Problems of one kernelspec definition, given how its launch went (None: not started)."""
    where = entry.resource_dir
    name = entry.name
    if entry.error:
        return [Problem("malformed", name, entry.error,
                        f"fix {where / 'kernel.json'} or `labtools kernel remove {name}`",
                        resource_dir=where)]
    if entry.shadowed_by is not None:
        return [Problem(
            "shadowed", name,
            f"kernel {name!r} in {where} is hidden by {entry.shadowed_by}, which comes first "
            "on the Jupyter path",
            f"remove one of them (`labtools kernel remove {name}` removes the one in use) "
            "or register under another --name", resource_dir=where)]
    if launch is None or launch.ok:
        return []
    code, fix = launch.code, _reregister(name)
    if code == "interpreter-missing" and entry.env_prefix and entry.env_exists is False:
        return [Problem("orphan", name,
                        f"kernel {name!r} points at {entry.env_prefix}, which no longer exists",
                        f"`labtools kernel remove {name}`, or re-create the environment and "
                        f"`labtools kernel register ENV --name {name}`", resource_dir=where)]
    if code == "no-ipykernel":
        prefix = entry.env_prefix or "ENV"
        fix = f"`labtools kernel register {prefix} --name {name} --install-ipykernel`"
    elif code == "launch-module-missing":
        fix = f"install that module into the kernel's environment, or {_reregister(name)}"
    elif code == "no-reply":
        fix = (f"start it by hand (`jupyter console --kernel {name}`) to see where it stops, "
               "or raise --timeout")
    elif code == "exited":
        fix = f"run {entry.argv[0]} with the kernel's arguments by hand to see the whole " \
              f"error, or {_reregister(name)}"
    return [Problem(code, name, launch.message, fix, resource_dir=where)]


def diagnose_notebook(
    notebook: Path,
    metadata: Mapping[str, Any],
    listing: KernelListing,
    versions: Mapping[str, str],
) -> list[Problem]:
    """Problems between a notebook's metadata and the kernels that exist.

    *versions* maps kernel names to the Python version their interpreter reported.
    """
    kernelspec = metadata.get("kernelspec")
    name = kernelspec.get("name") if isinstance(kernelspec, Mapping) else None
    if not isinstance(name, str) or not name:
        return [Problem("notebook-no-kernel", None,
                        f"{notebook} names no kernel (metadata.kernelspec.name is missing)",
                        "open it in Jupyter and pick a kernel, then save",
                        notebook=notebook)]
    if listing.get(name) is None:
        known = ", ".join(sorted({e.name for e in listing.kernels})) or "none"
        return [Problem("notebook-kernel-missing", name,
                        f"{notebook} asks for kernel {name!r}, which is not installed "
                        f"(known: {known})",
                        f"`labtools kernel register ENV --name {name}`, or change the "
                        "notebook's kernel", notebook=notebook)]
    info = metadata.get("language_info")
    recorded = info.get("version") if isinstance(info, Mapping) else None
    have = versions.get(name.lower())
    want_mm, have_mm = ks.major_minor(recorded), ks.major_minor(have)
    if want_mm and have_mm and want_mm != have_mm:
        return [Problem("version-mismatch", name,
                        f"{notebook} was last run with Python {recorded}, but kernel "
                        f"{name!r} runs Python {have}",
                        f"attach it to a kernel with Python {want_mm}, or re-run it on "
                        f"Python {have_mm} and check its results", notebook=notebook)]
    return []


def read_notebook_metadata(path: Path) -> dict[str, Any]:
    """Notebook metadata from an .ipynb (JSON) or a Jupytext text notebook."""
    from labtools.textfile import MAX_NOTEBOOK_BYTES, read_text

    text = read_text(path, what="a notebook", error=EnvError, limit=MAX_NOTEBOOK_BYTES,
                     hint="give an .ipynb or a Jupytext notebook")
    if path.suffix == ".ipynb":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise EnvError(f"cannot read notebook {path}: {exc}",
                           hint="check the path and that it is a notebook") from None
        meta = data.get("metadata", {}) if isinstance(data, dict) else {}
        return dict(meta) if isinstance(meta, dict) else {}
    import jupytext

    try:
        return dict(jupytext.reads(text, fmt=path.suffix.lstrip(".")).metadata)
    except Exception as exc:
        raise EnvError(f"cannot read notebook {path}: {exc}",
                       hint="give an .ipynb or a Jupytext notebook") from None


def check_kernels(
    names: Sequence[str] = (),
    *,
    notebooks: Iterable[str | os.PathLike[str]] = (),
    timeout: float = DEFAULT_TIMEOUT,
) -> CheckReport:
    """Start and check the named kernels (all, when none are named and no notebook is given).

    Each kernel in use is launched (a few at a time), each within *timeout* seconds.
    """
    listing = list_kernels()
    books = [Path(nb) for nb in notebooks]
    metas = {nb: read_notebook_metadata(nb) for nb in books}
    wanted = [n.lower() for n in names]
    for meta in metas.values():
        spec = meta.get("kernelspec")
        if isinstance(spec, Mapping) and isinstance(spec.get("name"), str):
            wanted.append(spec["name"].lower())
    if not names and not books:
        wanted = [e.name for e in listing.kernels]
    problems: list[Problem] = []
    checked: list[str] = []
    entries: list[KernelEntry] = []
    for name in dict.fromkeys(wanted):
        definitions = listing.definitions(name)
        if not definitions:
            if name in (n.lower() for n in names):
                problems.append(Problem("unknown-kernel", name,
                                        f"no kernel named {name!r} on the Jupyter path",
                                        "see `labtools kernel list`"))
            continue
        checked.append(name)
        entries += definitions
    startable = [e for e in entries if e.active and not e.error]
    launches = {e.resource_dir: launch for e, launch in
                zip(startable, launch_kernels(startable, timeout=timeout), strict=True)}
    versions: dict[str, str] = {}
    for entry in entries:
        launch = launches.get(entry.resource_dir)
        if launch is not None and launch.ok and launch.language_version:
            versions[entry.name] = launch.language_version
        problems += diagnose_entry(entry, launch)
    for nb in books:
        problems += diagnose_notebook(nb, metas[nb], listing, versions)
    return CheckReport(kernels=tuple(checked), notebooks=tuple(books), problems=tuple(problems),
                       launches=tuple(launches.values()))
