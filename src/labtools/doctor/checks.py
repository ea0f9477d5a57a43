"""The doctor's checks: pure functions from collected facts to findings, each with its fix.

Nothing here reads the machine; :mod:`labtools.doctor.collect` gathers a
:class:`DoctorFacts` and tests build one by hand to describe any broken setup.
Severity ``error`` and ``warning`` make the doctor fail; ``info`` only informs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from labtools.doctor.cuda import CudaBuild, driver_too_old
from labtools.doctor.findings import SEVERITIES, Finding
from labtools.doctor.tools import ToolFact, check_tools

_KERNEL_ERRORS = frozenset({"orphan", "interpreter-missing", "cannot-start", "no-ipykernel",
                            "launch-module-missing", "exited", "no-reply", "statement-failed",
                            "malformed", "notebook-kernel-missing", "unknown-kernel"})


@dataclass(frozen=True)
class Interpreters:
    """The Pythons that can disagree: the shell's, the activated env, the running one."""

    shell_python: str | None  # `python` on PATH
    shell_prefix: str | None
    conda_prefix: str | None  # $CONDA_PREFIX
    sys_prefix: str  # the interpreter running the doctor
    in_kernel: bool  # the doctor runs inside a Jupyter kernel
    target: str | None  # the env examined
    target_source: str  # "--env" | "CONDA_PREFIX" | "shell" | "sys.prefix"


@dataclass(frozen=True)
class NotebookKernel:
    """The kernel a notebook names, and where it really runs (from ``kernel verify``)."""

    notebook: str
    kernel: str | None
    prefix: str | None
    error: str | None


@dataclass(frozen=True)
class KernelIssue:
    """A problem reported by ``kernel check`` (code, kernel, message, fix)."""

    code: str
    kernel: str | None
    message: str
    fix: str


@dataclass(frozen=True)
class DoctorFacts:
    interpreters: Interpreters
    python_version: str | None  # X.Y of the target env
    conda_packages: tuple[tuple[str, str, str], ...]  # name, version, build
    pip_packages: tuple[tuple[str, str], ...]  # installed by pip, owned by no conda record
    pythonpath: str | None
    nousersite: bool
    user_site: str | None
    user_site_packages: tuple[str, ...]
    kernel_issues: tuple[KernelIssue, ...]
    notebook: NotebookKernel | None
    nvidia_smi: str | None
    nvidia_smi_error: str | None
    driver_cuda: str | None
    cuda_builds: tuple[CudaBuild, ...]
    #: the package managers here, as each reports itself (conda: its real solver)
    tools: tuple[ToolFact, ...] = ()
    #: the conda variables that decide whether conda starts at all
    conda_env: tuple[tuple[str, str], ...] = ()


def _same(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return False
    return os.path.realpath(a) == os.path.realpath(b)


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def check_interpreters(py: Interpreters) -> list[Finding]:
    found: list[Finding] = []
    if py.shell_python is None:
        found.append(Finding("no-python-on-path", "info", "there is no `python` on PATH",
                             "activate an environment (conda activate ENV) first"))
    elif py.conda_prefix and not _same(py.shell_prefix, py.conda_prefix):
        found.append(Finding(
            "python-not-activated", "error",
            f"`python` on PATH is {py.shell_python}, not the one of the activated env "
            f"$CONDA_PREFIX={py.conda_prefix}",
            "run `hash -r`, or re-run `conda activate` so $CONDA_PREFIX/bin comes first on PATH"))
    if py.in_kernel and py.target and not _same(py.sys_prefix, py.target):
        found.append(Finding(
            "kernel-not-env", "error",
            f"this kernel runs {py.sys_prefix}, not the env {py.target} ({py.target_source})",
            "switch the notebook to the env's kernel, or `labtools kernel register "
            f"{py.target}`"))
    if (py.target_source == "--env" and py.shell_python is not None
            and not _same(py.shell_prefix, py.target)):
        found.append(Finding(
            "env-not-active", "info",
            f"the env {py.target} is not the one your shell runs (`python` is "
            f"{py.shell_python})",
            f"activate it, or call {py.target}/bin/python explicitly"))
    return found


def check_notebook(nb: NotebookKernel | None, py: Interpreters) -> list[Finding]:
    if nb is None or nb.kernel is None:
        return []
    if nb.error is not None:
        return [Finding("notebook-kernel-broken", "error",
                        f"kernel {nb.kernel!r} of {nb.notebook} does not start: {nb.error}",
                        f"run `labtools kernel check {nb.kernel}` and re-register it")]
    expected = py.target or py.shell_prefix
    if nb.prefix is not None and expected is not None and not _same(nb.prefix, expected):
        return [Finding(
            "notebook-kernel-elsewhere", "error",
            f"{nb.notebook} runs kernel {nb.kernel!r} in {nb.prefix}, but your shell's env "
            f"is {expected}: the notebook does not see what you installed",
            f"`labtools kernel register {expected} --name {nb.kernel}`, or pick that env's "
            "kernel in Jupyter")]
    return []


def check_shadowing(facts: DoctorFacts) -> list[Finding]:
    """pip-installed packages over conda ones of the same name, in the target env."""
    conda = {_norm(name): version for name, version, _ in facts.conda_packages}
    where = facts.interpreters.target or "the env"
    found = []
    for name, version in facts.pip_packages:
        if _norm(name) in conda:
            found.append(Finding(
                "pip-shadows-conda", "error",
                f"{name} in {where} is pip's {version} on top of conda's {conda[_norm(name)]}: "
                "imports get pip's files, and conda no longer knows what is installed",
                f"`{where}/bin/python -m pip uninstall -y {name}`, then relink conda's copy: "
                f"`labtools env rollback {where}` (if it has a snapshot) or recreate the env"))
    return found


def check_user_site(facts: DoctorFacts) -> list[Finding]:
    if not facts.user_site or not facts.user_site_packages:
        return []
    names = ", ".join(facts.user_site_packages[:5]) + (
        ", ..." if len(facts.user_site_packages) > 5 else "")
    if facts.nousersite:
        return [Finding("user-site-disabled", "info",
                        f"{facts.user_site} holds {names}, ignored because PYTHONNOUSERSITE "
                        "is set", "nothing to do")]
    return [Finding(
        "user-site-leak", "warning",
        f"{facts.user_site} holds {names}; every Python {facts.python_version} env and kernel "
        "imports them before its own packages",
        "export PYTHONNOUSERSITE=1 (e.g. in the kernel's env), or `pip uninstall --user` them")]


def check_pythonpath(facts: DoctorFacts) -> list[Finding]:
    if not facts.pythonpath:
        return []
    return [Finding(
        "pythonpath-set", "warning",
        f"PYTHONPATH is set ({facts.pythonpath}): those folders come first in every env and "
        "kernel, whatever is installed there",
        "unset PYTHONPATH (and drop it from your shell rc); `pip install -e` the code instead")]


def check_kernels(issues: Sequence[KernelIssue]) -> list[Finding]:
    return [Finding(f"kernel-{issue.code}",
                    "error" if issue.code in _KERNEL_ERRORS else "warning",
                    issue.message, issue.fix) for issue in issues]


def check_cuda(facts: DoctorFacts) -> list[Finding]:
    builds = facts.cuda_builds
    listed = ", ".join(f"{b.package} (CUDA {b.version})" for b in builds)
    if facts.nvidia_smi is None:
        extra = f"; {listed} will find no GPU" if builds else ""
        return [Finding("no-gpu", "info", f"no NVIDIA driver here (no nvidia-smi on PATH){extra}",
                        "run GPU work on a GPU node" if builds else "nothing to do")]
    if facts.nvidia_smi_error is not None or facts.driver_cuda is None:
        return [Finding("gpu-driver-broken", "warning",
                        f"{facts.nvidia_smi} does not report a CUDA version: "
                        f"{facts.nvidia_smi_error or 'no CUDA Version in its output'}",
                        "check the driver: `nvidia-smi` must list the GPUs (reboot after a "
                        "driver update)")]
    found = []
    for build in builds:
        older = driver_too_old(facts.driver_cuda, build.version)
        if older is None:
            continue
        found.append(Finding(
            "cuda-mismatch", "error" if older == "major" else "warning",
            f"{build.package} was built for CUDA {build.version}, but the driver supports only "
            f"CUDA {facts.driver_cuda}"
            + (" (same major: minor-version compatibility may cover it)"
               if older == "minor" else ""),
            f"install a {build.package} build for CUDA <= {facts.driver_cuda} "
            "(e.g. pin cuda-version), or update the NVIDIA driver"))
    if not found:
        found.append(Finding("cuda-ok", "info",
                             f"driver supports CUDA {facts.driver_cuda}"
                             + (f"; {listed} fit" if builds else "; no CUDA packages here"),
                             "nothing to do"))
    return found


def diagnose(facts: DoctorFacts) -> tuple[Finding, ...]:
    """Every finding for *facts*, errors first."""
    found = [
        *check_interpreters(facts.interpreters),
        *check_notebook(facts.notebook, facts.interpreters),
        *check_shadowing(facts),
        *check_user_site(facts),
        *check_pythonpath(facts),
        *check_kernels(facts.kernel_issues),
        *check_cuda(facts),
        *check_tools(facts.tools, dict(facts.conda_env)),
    ]
    return tuple(sorted(found, key=lambda f: SEVERITIES.index(f.severity)))
