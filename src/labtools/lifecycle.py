"""An environment's life with the features around it: environment files and kernels.

The environment core (:mod:`labtools.envs`) knows nothing of spec files or Jupyter; this
module joins them for ``labtools env create --file`` and ``labtools env update``:

- :func:`create_env` also reads an environment file (environment.yml, an ``@EXPLICIT``
  list, a lock file: :func:`labtools.spec.envfile.load_request`);
- :func:`update_env` also checks that every kernel registered for the env still starts
  after the update, and rolls back when one does not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from labtools.envs import create as envcreate
from labtools.envs import update as envupdate
from labtools.errors import LabtoolsError, UsageError


def create_env(*, name: str | None = None, specs: Sequence[str] = (),
               file: Path | str | None = None, channels: Sequence[str] = (),
               from_lock: Path | str | None = None, platform: str | None = None,
               **options: Any) -> envcreate.CreateResult:
    """:func:`labtools.envs.create.create_env`, with specs, channels, a ``pip:`` list and
    the name also read from *file* (the command line's specs come after the file's).

    *from_lock* (conda-lock.yml, pixi.lock or ``@EXPLICIT``) installs exactly the lock's
    URLs for *platform* (default: this machine's), each verified against its hash first.
    """
    pip: Sequence[str] = options.pop("pip", ())
    if from_lock is not None:
        if file is not None or specs or channels:
            raise UsageError("--from-lock installs exactly what the lock lists",
                             hint="drop SPECs, --file and --channel (or drop --from-lock)")
        # start-up: the lock readers load only for --from-lock (~40 ms)
        from labtools.spec.fromlock import exact_packages

        locked = exact_packages(from_lock, platform=platform)
        return envcreate.create_env(name=name, exact=locked.packages, pip=[*locked.pip, *pip],
                                    **options)
    if platform is not None:
        raise UsageError("--platform picks a platform of a lock file",
                         hint="pass it with --from-lock FILE")
    if file is not None:
        # start-up: ruamel and the lock readers load only for --file (~40 ms)
        from labtools.spec.envfile import load_request

        request = load_request(file)
        specs = [*request.specs, *specs]
        pip = [*request.pip, *pip]
        channels = list(channels) or list(request.channels)
        name = name or request.name
    return envcreate.create_env(name=name, specs=specs, pip=pip, channels=channels, **options)


def kernels_for(prefix: Path) -> list[str]:
    """Names of the active kernels registered for the env at *prefix*."""
    # start-up: jupyter_client loads only when an update runs its checks (~150 ms)
    from labtools.kernels.registry import list_kernels

    names = []
    for entry in list_kernels().kernels:
        if entry.active and entry.env_prefix and not entry.error:
            try:
                if Path(entry.env_prefix).resolve() == prefix.resolve():
                    names.append(entry.name)
            except OSError:
                continue
    return names


def kernel_check(prefix: Path) -> Callable[[], envupdate.CheckResult]:
    """The kernels registered for *prefix* now must still start, in it, afterwards."""
    names = kernels_for(prefix)

    def after() -> envupdate.CheckResult:
        # start-up: as above, the kernel machinery loads only when it is needed
        from labtools.kernels.verify import verify_kernel

        problems: list[str] = []
        for name in names:
            try:
                verified = verify_kernel(name, expect_prefix=str(prefix), timeout=60)
            except LabtoolsError as exc:
                problems.append(f"kernel {name!r} no longer starts: {exc.message}")
                continue
            if verified.matches is False:
                problems.append(f"kernel {name!r} runs {verified.prefix}, not {prefix}")
        return envupdate.CheckResult("kernels", tuple(names), tuple(problems))
    return after


def update_env(**options: Any) -> envupdate.UpdateResult:
    """:func:`labtools.envs.update.update_env`, also verifying the env's kernels."""
    checks = (*options.pop("checks", ()), kernel_check)
    return envupdate.update_env(checks=checks, **options)


__all__ = ["create_env", "kernel_check", "kernels_for", "update_env"]
