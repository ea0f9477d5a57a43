"""Install packages into an environment, or remove them: one transaction each.

Both go through the env's own backend (what conda made, conda changes), show the plan
first (``confirm``), snapshot the env, and put it back exactly when the change fails or
is interrupted (:mod:`labtools.envs.transaction`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict, Unpack

from labtools.envs import specs as specmod
from labtools.envs import transaction
from labtools.envs.backends import Changes, Progress, channel_url, get_backend
from labtools.envs.listing import resolve_complete
from labtools.envs.plan import UpdatePlan, plan_of
from labtools.envs.snapshots import Snapshot
from labtools.errors import UsageError


@dataclass(frozen=True)
class ChangeResult:
    """What :func:`install_packages` / :func:`remove_packages` did (or would do)."""

    prefix: Path
    operation: str  # install | remove
    backend: str
    backend_reason: str
    specs: tuple[str, ...]
    plan: UpdatePlan
    dry_run: bool
    applied: bool
    snapshot: Snapshot | None
    seconds: float


def _channels(channels: Sequence[str]) -> list[str]:
    from labtools.profile import load_profile

    return [*dict.fromkeys(channel_url(c) for c in [*channels, *load_profile().channels])]


class ChangeOptions(TypedDict, total=False):
    """The options :func:`install_packages` and :func:`remove_packages` share."""

    channels: Sequence[str]  # before the profile's channels
    backend: str | None  # default: the tool that made the env
    dry_run: bool  # plan only
    root: Path | str | None  # envs root to resolve a name in
    confirm: Callable[[UpdatePlan], bool] | None  # shown the plan; False: change nothing
    progress: Progress | None
    wait: bool  # False: fail at once if another labtools process holds the env
    on_wait: Callable[[str], None] | None  # told whom it waits for
    cache_dir: Path | None


def _run(operation: str, env: str | Path, specs: Sequence[str], *, channels: Sequence[str] = (),
         backend: str | None = None, dry_run: bool = False, root: Path | str | None = None,
         confirm: Callable[[UpdatePlan], bool] | None = None, progress: Progress | None = None,
         wait: bool = True, on_wait: Callable[[str], None] | None = None,
         cache_dir: Path | None = None) -> ChangeResult:
    started = time.perf_counter()
    if not specs:
        what = "packages to install" if operation == "install" else "packages to remove"
        raise UsageError(f"no {what} given", hint="name them, e.g. labtools env "
                                                  f"{operation} ENV numpy")
    checked = specmod.check_specs(specs)
    prefix = resolve_complete(env, root=root)
    removing = operation == "remove"
    plan = transaction.plan(prefix.path, add=() if removing else checked,
                            remove=[specmod.spec_name(s) for s in checked] if removing else (),
                            channels=_channels(channels), backend=backend, cache_dir=cache_dir,
                            operation=operation)
    before = prefix.records()
    changes = plan.changes
    if removing:  # a removal's plan: the named packages go (the tool may take dependents)
        gone = set(plan.remove)
        changes = Changes(unlink=tuple(p for p in get_backend(plan.backend).list(
            prefix.path) if p.name in gone))
    summary = plan_of(before, changes)

    def result(applied: bool, snap: Snapshot | None, summary_: UpdatePlan) -> ChangeResult:
        return ChangeResult(prefix=prefix.path, operation=operation, backend=plan.backend,
                            backend_reason=plan.backend_reason, specs=tuple(checked),
                            plan=summary_, dry_run=dry_run, applied=applied, snapshot=snap,
                            seconds=round(time.perf_counter() - started, 3))

    if dry_run or summary.empty or (confirm is not None and not confirm(summary)):
        return result(False, None, summary)
    done = transaction.apply(plan, wait=wait, on_wait=on_wait, progress=progress,
                             command=["labtools", "env", operation, str(prefix.path), *checked])
    return result(True, done.snapshot, plan_of(before, done.changes) if not done.changes.empty
                  else summary)


def install_packages(*, env: str | Path, specs: Sequence[str],
                     **options: Unpack[ChangeOptions]) -> ChangeResult:
    """Install *specs* into *env* (name or path) through its own backend."""
    return _run("install", env, specs, **options)


def remove_packages(*, env: str | Path, names: Sequence[str],
                    **options: Unpack[ChangeOptions]) -> ChangeResult:
    """Remove the packages *names* from *env* through its own backend."""
    return _run("remove", env, names, **options)


__all__ = ["ChangeOptions", "ChangeResult", "install_packages", "remove_packages"]
