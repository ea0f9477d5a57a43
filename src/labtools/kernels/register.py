"""``register_kernel``: make an environment selectable in Jupyter, without activation."""

from __future__ import annotations

import os
from pathlib import Path

from labtools.envs import transaction
from labtools.errors import CommandFailedError, KernelError
from labtools.kernels import spec as ks
from labtools.kernels.envref import EnvRef, env_package_hash, probe_python, resolve_env
from labtools.kernels.registry import (
    Registration,
    destination_for,
    install_spec,
    kernel_paths,
)
from labtools.profile import load_profile


def register_kernel(
    env: str | os.PathLike[str],
    *,
    name: str | None = None,
    display_name: str | None = None,
    user: bool = False,
    sys_prefix: bool = False,
    prefix: str | os.PathLike[str] | None = None,
    install_ipykernel: bool = False,
) -> Registration:
    """Register the environment *env* (a name, conda prefix or venv) as a Jupyter kernel.

    The kernel name defaults to the environment's name, the display name to
    ``Python X.Y (NAME)``. Installs for the user unless *sys_prefix* or *prefix* is given.
    Refuses an environment without ipykernel unless *install_ipykernel*.
    """
    ref = resolve_env(env)
    probe = probe_python(ref.python)
    installed = False
    if not probe.has_ipykernel:
        if not install_ipykernel:
            raise KernelError(
                f"{ref.prefix} has no ipykernel, so Jupyter cannot start a kernel in it",
                hint=f"rerun with --install-ipykernel, or install it: {_install_hint(ref)}",
            )
        _install_ipykernel(ref)
        installed = True
        probe = probe_python(ref.python)
        if not probe.has_ipykernel:
            raise KernelError(f"ipykernel is still not importable in {ref.prefix}",
                              hint=_install_hint(ref))
    kernel_name = ks.check_kernel_name(name) if name else ks.kernel_name_for(ref.name)
    shown = display_name or ks.display_name_for(probe.version, ref.name)
    package_hash = env_package_hash(ref.prefix)
    kernel_json = ks.kernelspec_for(
        ref.prefix, name=kernel_name, display_name=shown, python=ref.python, kind=ref.kind,
        python_version=probe.version, package_hash=package_hash,
    )
    as_user, target = destination_for(
        user=user, sys_prefix=sys_prefix,
        prefix=Path(prefix).expanduser() if prefix is not None else None)
    resource_dir, replaced = install_spec(kernel_json, kernel_name, user=as_user, prefix=target)
    search = {p.resolve() for p in kernel_paths()}
    return Registration(
        name=kernel_name,
        display_name=shown,
        resource_dir=resource_dir,
        env_prefix=ref.prefix,
        python=ref.python,
        python_version=probe.version,
        package_hash=package_hash,
        replaced=replaced,
        on_jupyter_path=resource_dir.parent.resolve() in search,
        installed_ipykernel=installed,
    )


def _install_hint(ref: EnvRef) -> str:
    if ref.kind == "conda":
        return f"conda install -p {ref.prefix} ipykernel"
    return f"{ref.python} -m pip install ipykernel"


def _install_ipykernel(ref: EnvRef) -> None:
    """pip for venvs and plain prefixes; a conda prefix's own backend (an install
    transaction: conda installs into what conda made) for conda prefixes."""
    from labtools import process

    if ref.kind == "conda":
        _install_into(ref.prefix, ["ipykernel"], hint=_install_hint(ref))
        return
    try:
        process.run([ref.python, "-m", "pip", "install", "--quiet", "ipykernel"], timeout=900)
    except CommandFailedError as exc:
        raise KernelError(
            f"pip could not install ipykernel into {ref.prefix}: {exc.stderr_tail}",
            hint=f"{ref.python} -m ensurepip, then rerun with --install-ipykernel",
        ) from None


def _install_into(prefix: Path, specs: list[str], *, hint: str) -> None:
    """Add *specs* to the conda prefix through its own backend, keeping the rest."""
    profile = load_profile()
    if not profile.channels:
        raise KernelError(f"cannot install {' '.join(specs)} into {prefix}: no channel "
                          "configured", hint=f"set LABTOOLS_CHANNELS, or {hint}")
    plan = transaction.plan(prefix, add=specs, channels=list(profile.channels),
                            cache_dir=profile.cache_dir, operation="install", solve=False)
    transaction.apply(plan, command=["labtools", "kernel", "register", "--install-ipykernel",
                                     str(prefix)])
