"""``check_kernels``: find kernels that cannot start or are not what they claim to be.

Pure diagnosis (:func:`diagnose_entry`, :func:`diagnose_notebook`) over facts gathered
by a thin I/O shell (:func:`check_kernels`), which runs each kernel's interpreter once.
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
from labtools.kernels.envref import PythonProbe, probe_python
from labtools.kernels.registry import KernelEntry, KernelListing, list_kernels


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
class KernelFacts:
    """What the I/O shell learnt about a kernel's interpreter."""

    argv0: str | None
    exists: bool
    probe: PythonProbe | None = None
    probe_error: str | None = None


@dataclass(frozen=True)
class CheckReport:
    kernels: tuple[str, ...]
    notebooks: tuple[Path, ...]
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _is_python(entry: KernelEntry) -> bool:
    return (entry.language or "").lower().startswith("python") or any(
        "ipykernel" in a for a in entry.argv)


def diagnose_entry(entry: KernelEntry, facts: KernelFacts | None) -> list[Problem]:
    """Problems of one kernelspec definition, given the facts about its interpreter."""
    where = entry.resource_dir
    name = entry.name
    if entry.error:
        return [Problem("malformed", name, entry.error,
                        f"fix {where / 'kernel.json'} or `labtools kernel remove {name}`",
                        resource_dir=where)]
    found: list[Problem] = []
    if entry.shadowed_by is not None:
        found.append(Problem(
            "shadowed", name,
            f"kernel {name!r} in {where} is hidden by {entry.shadowed_by}, which comes first "
            "on the Jupyter path",
            f"remove one of them (`labtools kernel remove {name}` removes the one in use) "
            "or register under another --name", resource_dir=where))
        return found
    if facts is None:
        return found
    if not facts.exists:
        if entry.env_prefix and entry.env_exists is False:
            found.append(Problem(
                "orphan", name,
                f"kernel {name!r} points at {entry.env_prefix}, which no longer exists",
                f"`labtools kernel remove {name}`, or re-create the environment and "
                f"`labtools kernel register ENV --name {name}`", resource_dir=where))
        else:
            found.append(Problem(
                "argv0-missing", name,
                f"kernel {name!r} starts {entry.python!r}, which does not exist",
                f"`labtools kernel register ENV --name {name}` to point it at a real "
                "interpreter", resource_dir=where))
        return found
    if not _is_python(entry):
        return found
    if facts.probe is None:
        found.append(Problem(
            "not-python", name,
            f"kernel {name!r} starts {facts.argv0}, which is not a working Python "
            f"({facts.probe_error or 'no answer'})",
            f"re-register it: `labtools kernel register ENV --name {name}`",
            resource_dir=where))
    elif not facts.probe.has_ipykernel:
        found.append(Problem(
            "no-ipykernel", name,
            f"kernel {name!r} starts {facts.argv0} (Python {facts.probe.version}), "
            "which has no ipykernel",
            f"`labtools kernel register {facts.probe.prefix} --name {name} "
            "--install-ipykernel`", resource_dir=where))
    return found


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
    if path.suffix == ".ipynb":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise EnvError(f"cannot read notebook {path}: {exc}",
                           hint="check the path and that it is a notebook") from None
        meta = data.get("metadata", {}) if isinstance(data, dict) else {}
        return dict(meta) if isinstance(meta, dict) else {}
    import jupytext

    try:
        return dict(jupytext.read(path).metadata)
    except Exception as exc:
        raise EnvError(f"cannot read notebook {path}: {exc}",
                       hint="give an .ipynb or a Jupytext notebook") from None


def gather_facts(entry: KernelEntry) -> KernelFacts:
    """Resolve argv[0] the way the kernel launch would, and probe it if it is a Python."""
    from labtools import process

    argv0 = entry.python
    if not argv0:
        return KernelFacts(None, False)
    import sys

    argv0 = ks.launch_executable(argv0, sys.executable, sys.version_info[:2])
    environ = ks.expand_env(entry.env, os.environ)
    resolved = argv0 if os.sep in argv0 else process.which(argv0, path=environ.get("PATH"))
    if resolved is None or not os.path.exists(resolved):
        return KernelFacts(argv0, False)
    if not _is_python(entry):
        return KernelFacts(resolved, True)
    try:
        return KernelFacts(resolved, True, probe=probe_python(resolved, env=environ))
    except EnvError as exc:
        return KernelFacts(resolved, True, probe_error=exc.message)


def check_kernels(
    names: Sequence[str] = (), *, notebooks: Iterable[str | os.PathLike[str]] = ()
) -> CheckReport:
    """Check the named kernels (all, when none are named and no notebook is given)."""
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
    versions: dict[str, str] = {}
    checked: list[str] = []
    for name in dict.fromkeys(wanted):
        definitions = listing.definitions(name)
        if not definitions:
            if name in (n.lower() for n in names):
                problems.append(Problem("unknown-kernel", name,
                                        f"no kernel named {name!r} on the Jupyter path",
                                        "see `labtools kernel list`"))
            continue
        checked.append(name)
        for entry in definitions:
            facts = gather_facts(entry) if entry.active and not entry.error else None
            if facts is not None and facts.probe is not None:
                versions[name] = facts.probe.version
            problems += diagnose_entry(entry, facts)
    for nb in books:
        problems += diagnose_notebook(nb, metas[nb], listing, versions)
    return CheckReport(kernels=tuple(checked), notebooks=tuple(books), problems=tuple(problems))
