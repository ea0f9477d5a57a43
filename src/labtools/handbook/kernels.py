"""Which kernel executes a tutorial: the one its metadata names, unless the handbook maps it.

``choose_kernel(requested, mapping)`` returns a :class:`KernelChoice` or raises a one-line
:class:`MissingKernelError` naming the kernel and how to install it. ``python3`` (the
name every Python tutorial carries) means the handbook's own interpreter unless mapped:
``kernels: {python3: lab-env}`` under the labtools plugin in mkdocs.yml, or
``labtools handbook build --kernel python3=lab-env``, runs Python tutorials in the
kernel of another environment (a micromamba env made from environment.yml, say).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from labtools.errors import HandbookError
from labtools.handbook.stamp import digest

BUILTIN = "python3"

#: kernelspec name -> how to install it
INSTALL_HINTS: dict[str, str] = {
    "bash": "pip install bash_kernel && python -m bash_kernel.install --sys-prefix",
    "ir": "Debian: apt-get install r-cran-irkernel; else in R: install.packages('IRkernel'); "
    "IRkernel::installspec()",
    "julia": "in Julia: using Pkg; Pkg.add(\"IJulia\")",
    "octave": "pip install octave_kernel (needs GNU Octave; Debian: apt-get install "
    "python3-octave-kernel)",
    "xpython": "pip install xeus-python",
    "javascript": "npm install -g ijavascript && ijsinstall",
}


class MissingKernelError(HandbookError):
    """The kernel a tutorial asks for is not installed."""


@dataclass(frozen=True)
class KernelChoice:
    """The kernelspec that will run a tutorial."""

    requested: str  # the name in the notebook's metadata
    name: str  # the kernelspec actually used
    display_name: str
    language: str
    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()
    resource_dir: Path | None = None  # None: the handbook's own interpreter

    def spec(self) -> dict[str, object]:
        """The ``kernel.json`` content (``{resource_dir}`` filled in: it is a private copy)."""
        where = str(self.resource_dir) if self.resource_dir else ""
        spec: dict[str, object] = {
            "argv": [a.replace("{resource_dir}", where) for a in self.argv],
            "display_name": self.display_name,
            "language": self.language,
            "metadata": {"debugger": False},
        }
        if self.env:
            spec["env"] = dict(self.env)
        return spec

    def fingerprint(self) -> str:
        """What, if changed, re-executes the tutorials on this kernel: the spec, and the
        program it starts (a new R or bash binary counts)."""
        program = self.argv[0] if self.argv else ""
        found = program if os.sep in program else (shutil.which(program) or program)
        try:
            stat = Path(found).resolve().stat()
            identity = f"{Path(found).resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
        except OSError:
            identity = found
        return digest([json.dumps(self.spec(), sort_keys=True), identity])[:16]


def builtin_kernel() -> KernelChoice:
    """The handbook's own interpreter as a Python kernel."""
    # the environment's canonical interpreter, whichever alias (python3, pytest's shebang)
    # started this build: outputs must not depend on how the build was launched
    canonical = Path(sys.prefix) / "bin" / "python"
    python = str(canonical) if canonical.exists() else sys.executable
    return KernelChoice(
        requested=BUILTIN,
        name=BUILTIN,
        display_name="Python 3 (labtools handbook)",
        language="python",
        argv=(python, "-m", "ipykernel_launcher", "-f", "{connection_file}"),
    )


def parse_mapping(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``["python3=lab-env"]`` -> ``{"python3": "lab-env"}`` (``--kernel`` values)."""
    mapping: dict[str, str] = {}
    for item in items:
        requested, sep, used = item.partition("=")
        if not sep or not requested.strip() or not used.strip():
            raise HandbookError(
                f"bad --kernel value {item!r}", hint="write NOTEBOOK_KERNEL=KERNEL, e.g. "
                "--kernel python3=lab-env"
            )
        mapping[requested.strip()] = used.strip()
    return mapping


def choose_kernel(requested: str, mapping: Mapping[str, str] | None = None) -> KernelChoice:
    """The kernel for a notebook whose kernelspec names *requested*."""
    mapping = mapping or {}
    name = mapping.get(requested, requested)
    if name == BUILTIN and requested == BUILTIN and BUILTIN not in mapping:
        return builtin_kernel()
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        with warnings.catch_warnings():  # kernel.json keys traitlets does not know (bash)
            warnings.simplefilter("ignore", DeprecationWarning)
            spec = KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        via = f" (mapped from {requested!r})" if name != requested else ""
        hint = INSTALL_HINTS.get(name, f"install a Jupyter kernel named {name!r}")
        raise MissingKernelError(
            f"kernel {name!r}{via} is not installed",
            hint=f"{hint}; `jupyter kernelspec list` shows what is",
        ) from None
    return KernelChoice(
        requested=requested,
        name=name,
        display_name=str(spec.display_name),
        language=str(spec.language),
        argv=tuple(spec.argv),
        env=tuple(sorted((str(k), str(v)) for k, v in (spec.env or {}).items())),
        resource_dir=Path(spec.resource_dir),
    )
