"""Update an environment without breaking it: snapshot, plan, apply, verify, roll back.

``update_env`` asks the env's own backend (conda updates what conda made) for the plan
(added, removed, up- and downgraded; downgrades and major-version jumps are warned
about) and, once confirmed, applies it as one transaction
(:mod:`labtools.envs.transaction`), which snapshots the env first. Afterwards the env
must still import its top-level packages with its own interpreter (isolated mode), and
pass every extra *check* the caller gives (``labtools env update`` adds "every kernel
registered for it still starts", see :mod:`labtools.lifecycle`); if not, the snapshot
is put back exactly. :func:`rollback` restores a snapshot on request.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labtools import process
from labtools.envs import transaction
from labtools.envs.backends import Progress, channel_url
from labtools.envs.listing import resolve_env
from labtools.envs.plan import UpdatePlan, plan_of, top_level_modules
from labtools.envs.prefix import Prefix
from labtools.envs.snapshots import Snapshot, find_snapshot, list_snapshots
from labtools.errors import LabtoolsError, UsageError

_IMPORT_PROBE = (
    "import importlib, json, sys\n"
    "bad = {}\n"
    "for name in sys.argv[1:]:\n"
    "    try:\n"
    "        importlib.import_module(name)\n"
    "    except BaseException as exc:\n"
    "        bad[name] = (type(exc).__name__ + ': ' + str(exc)).splitlines()[0][:200]\n"
    "print(json.dumps(bad))\n"
)


def env_channels(urls: Iterable[str | None]) -> list[str]:
    """Channels the installed packages came from (file:// ones only when still there)."""
    found: list[str] = []
    for url in urls:
        if not url or "/" not in url:
            continue
        channel = url.rsplit("/", 2)[0]
        if channel.startswith("file://") and not Path(channel[7:]).is_dir():
            continue
        if channel not in found:
            found.append(channel)
    return found


def failed_imports(python: Path, modules: Sequence[str], *, timeout: float = 300) -> dict[str, str]:
    """module -> error for each of *modules* the interpreter cannot import (isolated mode)."""
    if not modules:
        return {}
    done = process.run([python, "-I", "-c", _IMPORT_PROBE, *modules], check=False,
                       timeout=timeout)
    lines = done.stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1]) if lines else None
    except ValueError:
        result = None
    if not isinstance(result, dict):
        said = process.tail(done.stderr) or f"exit status {done.returncode}"
        return {"<interpreter>": f"{python} crashed while importing packages: {said}"}
    return {str(k): str(v) for k, v in result.items()}


@dataclass(frozen=True)
class CheckResult:
    """One verification after a change: what was checked and what failed."""

    what: str  # "modules" | "kernels" | ...
    checked: tuple[str, ...]
    problems: tuple[str, ...]


#: called before a change with the prefix; the function it returns checks after the change
Check = Callable[[Path], Callable[[], CheckResult]]


@dataclass(frozen=True)
class UpdateResult:
    """What ``update_env`` did. ``ok`` is False when verification failed (and it rolled back)."""

    prefix: Path
    backend: str
    specs: tuple[str, ...]
    plan: UpdatePlan
    dry_run: bool
    snapshot: Snapshot | None
    applied: bool
    modules_checked: tuple[str, ...]
    kernels_checked: tuple[str, ...]
    problems: tuple[str, ...]
    rolled_back: bool
    restored_exactly: bool | None
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class RestoreResult:
    """What :func:`rollback` put back."""

    prefix: Path
    backend: str
    snapshot: Snapshot
    packages: tuple[str, ...]  # name=version=build, sorted


class _VerificationFailed(LabtoolsError):
    def __init__(self, results: Sequence[CheckResult]) -> None:
        self.results = tuple(results)
        super().__init__("; ".join(p for r in results for p in r.problems))


def _modules_of(records: Iterable[Any]) -> list[str]:
    found: set[str] = set()
    for record in records:
        found.update(top_level_modules(record.files))
    return sorted(found)


def import_check(prefix: Path) -> Callable[[], CheckResult]:
    """Every top-level module of the env still imports (those broken before are skipped)."""
    env = Prefix(prefix)
    python = env.python()
    baseline = set(failed_imports(python, _modules_of(env.records()))) if python else set()

    def after() -> CheckResult:
        python_now = env.python()
        if python_now is None:
            return CheckResult("modules", (), (f"{prefix} has no bin/python any more",))
        modules = [m for m in _modules_of(env.records()) if m not in baseline]
        bad = failed_imports(python_now, modules)
        return CheckResult("modules", tuple(modules),
                           tuple(f"import {m} fails: {e}" for m, e in bad.items()))
    return after


def _channels(env: Prefix, channels: Sequence[str]) -> list[str]:
    """The channels given, then those the env's packages came from; the profile's (its
    default is conda-forge) only for an env that names none, so an offline env never goes
    online."""
    from labtools.profile import load_profile

    own = [*channels, *env_channels(r.url for r in env.records())]
    return list(dict.fromkeys(channel_url(c).rstrip("/")
                              for c in (own or load_profile().channels)))


def update_env(
    *,
    env: str | Path,
    specs: Sequence[str] = (),
    all_packages: bool = False,
    dry_run: bool = False,
    channels: Sequence[str] = (),
    cache_dir: Path | str | None = None,
    verify: bool = True,
    root: Path | str | None = None,
    progress: Progress | None = None,
    confirm: Callable[[UpdatePlan], bool] | None = None,
    backend: str | None = None,
    checks: Sequence[Check] = (),
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
) -> UpdateResult:
    """Update *env* (name or path): plan, apply, verify, roll back on failure.

    *confirm* is shown the plan before anything changes; returning False stops there.
    *checks* run after the import check (see :data:`Check`); *backend* overrides the
    env's own (its maker's).
    """
    started = time.perf_counter()
    if not specs and not all_packages:
        raise UsageError("nothing to update", hint="name packages (SPEC...) or pass --all")
    prefix = Prefix(resolve_env(env, root=root))
    cache = Path(cache_dir) if cache_dir else None
    plan = transaction.plan(prefix.path, add=list(specs), channels=_channels(prefix, channels),
                            backend=backend, cache_dir=cache, update_all=all_packages,
                            operation="update")
    before = Prefix(prefix.path).records()
    summary = plan_of(before, plan.changes)

    def result(**kw: Any) -> UpdateResult:
        values: dict[str, Any] = dict(
            prefix=prefix.path, backend=plan.backend, specs=tuple(specs), plan=summary,
            dry_run=dry_run, snapshot=None, applied=False, modules_checked=(),
            kernels_checked=(), problems=(), rolled_back=False, restored_exactly=None)
        values.update(kw)
        return UpdateResult(seconds=round(time.perf_counter() - started, 3), **values)

    if dry_run or summary.empty or (confirm is not None and not confirm(summary)):
        return result()
    keys_before = prefix.package_keys()
    afters = [check(prefix.path) for check in ((import_check, *checks) if verify else ())]

    def finish(env_: Prefix, changes: Any) -> None:
        results = [after() for after in afters]
        if any(r.problems for r in results):
            raise _VerificationFailed(results)
        state["results"] = results

    state: dict[str, Any] = {}
    try:
        applied = transaction.apply(
            plan, wait=wait, on_wait=on_wait, progress=progress, finish=finish,
            command=["labtools", "env", "update", str(prefix.path), *specs,
                     *(["--all"] if all_packages else [])])
    except _VerificationFailed as failed:
        snaps = list_snapshots(prefix.path)
        return result(snapshot=snaps[-1] if snaps else None, applied=True,
                      **_checked(failed.results),
                      problems=tuple(p for r in failed.results for p in r.problems),
                      rolled_back=True, restored_exactly=prefix.package_keys() == keys_before)
    return result(snapshot=applied.snapshot, applied=True, **_checked(state.get("results", [])))


def _checked(results: Sequence[CheckResult]) -> dict[str, tuple[str, ...]]:
    by = {r.what: r.checked for r in results}
    return {"modules_checked": by.get("modules", ()), "kernels_checked": by.get("kernels", ())}


def rollback(prefix: Path | str, *, to: str | None = None, cache_dir: Path | None = None,
             progress: Progress | None = None, backend: str | None = None,
             channels: Sequence[str] = (), wait: bool = True,
             on_wait: Callable[[str], None] | None = None) -> RestoreResult:
    """Put back exactly the package set of snapshot *to* (default: the newest), through
    the env's own backend; also repairs an env whose update was interrupted."""
    env = Prefix(prefix)
    snap = find_snapshot(env.path, to)
    plan = transaction.plan(env.path, locked=[snap.id], channels=list(channels),
                            backend=backend, cache_dir=cache_dir, operation="rollback",
                            solve=False)
    transaction.apply(plan, wait=wait, on_wait=on_wait, progress=progress,
                      command=["labtools", "env", "rollback", str(env.path), "--to", snap.id])
    return RestoreResult(prefix=env.path, backend=plan.backend, snapshot=snap,
                         packages=env.package_keys())


def restore_snapshot(prefix: Path | str, *, to: str | None = None,
                     cache_dir: Path | None = None,
                     progress: Progress | None = None) -> RestoreResult:
    """Alias of :func:`rollback` (the name of labtools' public API)."""
    return rollback(prefix, to=to, cache_dir=cache_dir, progress=progress)


__all__ = ["Check", "CheckResult", "RestoreResult", "UpdateResult", "failed_imports",
           "import_check", "restore_snapshot", "rollback", "update_env"]
