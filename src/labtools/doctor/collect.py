"""The doctor's thin I/O shell: gather :class:`DoctorFacts` from explicit inputs.

Everything the checks depend on comes in as an argument (the environment variables,
the running prefix, the home folder), so tests describe a broken machine in a tmp
folder instead of breaking the real one. Packages, kernels and notebooks are read with
the environments and kernels modules' own readers.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from labtools.doctor.checks import DoctorFacts, Interpreters, KernelIssue, NotebookKernel
from labtools.doctor.cuda import cuda_builds, driver_cuda_version
from labtools.doctor.tools import tool_facts
from labtools.errors import LabtoolsError


def shell_python(environ: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(`python` on *environ*'s PATH, its prefix), as the shell would find it."""
    from labtools import process

    path = environ.get("PATH", "")
    for name in ("python", "python3"):
        found = process.which(name, path=path) if path else None
        if found:
            bin_dir = os.path.realpath(os.path.dirname(found))
            return found, os.path.dirname(bin_dir)
    return None, None


def user_site_of(environ: Mapping[str, str], home: Path, version: str | None) -> Path | None:
    """``~/.local/lib/pythonX.Y/site-packages`` (or under $PYTHONUSERBASE)."""
    if version is None:
        return None
    base = Path(environ.get("PYTHONUSERBASE") or home / ".local")
    return base / "lib" / f"python{version}" / "site-packages"


def _listed(site: Path | None) -> tuple[str, ...]:
    if site is None or not site.is_dir():
        return ()
    names = set()
    for child in site.iterdir():
        if child.name.endswith((".dist-info", ".egg-info")):
            names.add(child.name.split("-")[0])
        elif child.suffix == ".py" or (child / "__init__.py").is_file():
            names.add(child.stem)
    return tuple(sorted(names))


def _target(env: str | Path | None, environ: Mapping[str, str], shell_prefix: str | None,
            sys_prefix: str) -> tuple[str | None, str]:
    if env is not None:
        from labtools.envs.listing import resolve_env

        return str(resolve_env(env)), "--env"
    if environ.get("CONDA_PREFIX"):
        return environ["CONDA_PREFIX"], "CONDA_PREFIX"
    if shell_prefix is not None:
        return shell_prefix, "shell"
    return sys_prefix, "sys.prefix"


def _packages(prefix: str | None) -> tuple[tuple[tuple[str, str, str], ...],
                                           tuple[tuple[str, str], ...]]:
    if prefix is None or not Path(prefix).is_dir():
        return (), ()
    from labtools.envs.packages import packages_of

    report = packages_of(Path(prefix))
    conda = tuple((p.name, p.version, p.build or "") for p in report.packages
                  if p.origin == "conda")
    pip = tuple((p.name, p.version) for p in report.packages if p.origin == "pip")
    return conda, pip


def _kernel_issues(notebook: Path | None) -> tuple[KernelIssue, ...]:
    from labtools.kernels.check import check_kernels

    problems = list(check_kernels().problems)  # every kernel on the Jupyter path
    if notebook is not None:
        problems += check_kernels(notebooks=[notebook]).problems
    issues = (KernelIssue(p.code, p.kernel, p.message, p.fix) for p in problems)
    return tuple(dict.fromkeys(issues))


def _notebook_kernel(notebook: Path | None) -> NotebookKernel | None:
    if notebook is None:
        return None
    from labtools.kernels.check import read_notebook_metadata
    from labtools.kernels.registry import list_kernels
    from labtools.kernels.verify import verify_kernel

    spec = read_notebook_metadata(notebook).get("kernelspec")
    name = spec.get("name") if isinstance(spec, Mapping) else None
    if not isinstance(name, str) or list_kernels().get(name) is None:
        return NotebookKernel(str(notebook), None, None, None)  # kernel check reports it
    try:
        verified = verify_kernel(name, timeout=60)
    except LabtoolsError as exc:
        return NotebookKernel(str(notebook), name, None, exc.message)
    return NotebookKernel(str(notebook), name, verified.prefix, None)


def _nvidia(environ: Mapping[str, str]) -> tuple[str | None, str | None, str | None]:
    """(nvidia-smi path, error, driver CUDA version)."""
    from labtools import process

    path = environ.get("PATH", "")
    smi = process.which("nvidia-smi", path=path) if path else None
    if smi is None:
        return None, None, None
    try:
        done = process.run([smi], env=dict(environ), check=False, timeout=30)
    except LabtoolsError as exc:
        return smi, exc.message, None
    if done.returncode != 0:
        return smi, process.tail(done.stdout + done.stderr) or f"exit {done.returncode}", None
    return smi, None, driver_cuda_version(done.stdout)


def collect_facts(
    *,
    environ: Mapping[str, str],
    home: Path,
    sys_prefix: str,
    in_kernel: bool = False,
    env: str | Path | None = None,
    notebook: Path | None = None,
    kernels: bool = True,
    tools: bool = True,
) -> DoctorFacts:
    """Gather what the checks need; nothing is read from ``os.environ`` or ``sys``."""
    from labtools.envs.inspect import python_dirs

    python, shell_prefix = shell_python(environ)
    target, source = _target(env, environ, shell_prefix, sys_prefix)
    dirs = python_dirs(Path(target)) if target else []
    version = ".".join(map(str, dirs[0][0])) if dirs else None
    conda, pip = _packages(target)
    site = user_site_of(environ, home, version)
    smi, smi_error, driver = _nvidia(environ)
    conda_env = tuple((k, environ[k]) for k in ("CONDA_ENVS_DIRS", "CONDA_ENVS_PATH")
                      if environ.get(k))
    return DoctorFacts(
        interpreters=Interpreters(
            shell_python=python, shell_prefix=shell_prefix,
            conda_prefix=environ.get("CONDA_PREFIX") or None, sys_prefix=sys_prefix,
            in_kernel=in_kernel, target=target, target_source=source),
        python_version=version, conda_packages=conda, pip_packages=pip,
        pythonpath=environ.get("PYTHONPATH") or None,
        nousersite=bool(environ.get("PYTHONNOUSERSITE")),
        user_site=str(site) if site else None, user_site_packages=_listed(site),
        kernel_issues=_kernel_issues(notebook) if kernels else (),
        notebook=_notebook_kernel(notebook) if kernels else None,
        nvidia_smi=smi, nvidia_smi_error=smi_error, driver_cuda=driver,
        cuda_builds=cuda_builds(conda, pip),
        tools=tool_facts(environ) if tools else (), conda_env=conda_env,
    )


def in_kernel() -> bool:
    """True inside a running Jupyter kernel (ipykernel merely imported does not count)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def running_facts() -> dict[str, object]:
    """The defaults for :func:`collect_facts` from the running process."""
    return {"environ": dict(os.environ), "home": Path.home(), "sys_prefix": sys.prefix,
            "in_kernel": in_kernel()}
