"""``verify_kernel``: start a kernel, run code in it, report which interpreter it really is.

The start is :mod:`labtools.kernels.launch`'s: stderr to a private file, one deadline,
jupyter_client's logging kept quiet, the kernel's process group always killed at the end.
A kernel that cannot start, dies or hangs is one :class:`KernelError` line saying why.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from labtools.errors import EnvError, KernelError
from labtools.kernels.launch import stderr_tail

__all__ = ["Verification", "stderr_tail", "verify_kernel"]


@dataclass(frozen=True)
class Verification:
    """What the running kernel reported about itself."""

    name: str
    executable: str
    prefix: str
    version: str
    expected_prefix: str | None
    matches: bool | None
    seconds: float


def _expected(expect_prefix: str | os.PathLike[str] | None) -> Path | None:
    if expect_prefix is None:
        return None
    from labtools.kernels.envref import resolve_env

    try:
        return resolve_env(expect_prefix).prefix.resolve()
    except EnvError:
        return Path(expect_prefix).expanduser().resolve()


def verify_kernel(
    name: str,
    *,
    expect_prefix: str | os.PathLike[str] | None = None,
    timeout: float = 60.0,
) -> Verification:
    """Start kernel *name*, run code in it and report sys.executable, sys.prefix, version.

    ``matches`` says whether ``sys.prefix`` is *expect_prefix* (an env name or path).
    Raises :class:`KernelError` when the kernel is malformed, cannot start, dies, or does
    not answer within *timeout* seconds.
    """
    from labtools.kernels.launch import launch_kernel
    from labtools.kernels.registry import get_kernel

    expected = _expected(expect_prefix)
    entry = get_kernel(name)
    if entry.error:
        raise KernelError(entry.error, hint=f"fix it, or `labtools kernel remove {name}`")
    launch = launch_kernel(entry, timeout=timeout)
    if not launch.ok:
        raise KernelError(launch.message, hint=f"run `labtools kernel check {name}`")
    if launch.executable is None or launch.prefix is None:
        raise KernelError(f"kernel {name!r} started but did not report sys.executable and "
                          f"sys.prefix (language {launch.language or 'unknown'})",
                          hint="verify works on Python (ipykernel) kernels")
    matches = None
    if expected is not None:
        matches = Path(launch.prefix).resolve() == expected
    return Verification(
        name=entry.name, executable=launch.executable, prefix=launch.prefix,
        version=launch.language_version or "", expected_prefix=str(expected) if expected
        else None, matches=matches, seconds=launch.seconds,
    )
