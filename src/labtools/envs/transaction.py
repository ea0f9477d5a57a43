"""One transaction path for every change to an environment: :func:`plan`, then :func:`apply`.

``plan(prefix, add=, remove=, locked=)`` picks the backend (the one that made the env,
for an existing env; the profile's for a new one), asks it for a dry run and returns a
frozen :class:`Plan`. ``apply(plan)`` then:

1. takes the per-env lock (:mod:`labtools.envs.lock`): a second writer waits, saying
   for whom, or fails at once with ``wait=False``;
2. writes the in-progress marker beside the prefix and, for an existing env, snapshots
   its exact package set (:mod:`labtools.envs.snapshots`);
3. lets the backend do the work (a new env is built aside and renamed into place when
   the backend can relocate, else built in place), with SIGINT, SIGTERM and SIGHUP
   deferred: the signal is passed on to the tool, the tool is waited for;
4. runs the caller's *finish* step (pip, byte-compiling, history, checks);
5. removes the marker last, so an env without a marker is complete.

Any failure or signal undoes the change: a new env is removed (the name is free again),
an existing one is put back to its snapshot through its own backend. A signal then
raises :class:`~labtools.errors.Interrupted` (exit status 128 + signum). After a SIGKILL
the marker stays: listings show the env as ``incomplete`` and the next create of that
name cleans it up (:func:`clean_incomplete`).
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from labtools import process
from labtools.envs.backends import Backend, Changes, Progress, get_backend
from labtools.envs.exact import ExactPackage
from labtools.envs.history import LinkedDist, history_block
from labtools.envs.lock import env_lock
from labtools.envs.prefix import Prefix, remove_tree
from labtools.errors import EnvError, Interrupted, UsageError

if TYPE_CHECKING:
    from labtools.envs.snapshots import Snapshot

OPERATIONS = ("create", "install", "remove", "update", "rollback")
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
Finish = Callable[[Prefix, Changes], None]


@dataclass(frozen=True)
class Plan:
    """What :func:`apply` will do. ``changes`` is the backend's dry run (may be empty)."""

    operation: str
    prefix: Path
    backend: str
    backend_reason: str
    specs: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    locked: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    changes: Changes = field(default_factory=Changes)
    update_all: bool = False
    cache_dir: Path | None = None
    solver: str | None = None
    #: a create from exactly these verified packages (``env create --from-lock``): no solve
    exact: tuple[ExactPackage, ...] = ()


@dataclass(frozen=True)
class Applied:
    """What :func:`apply` did."""

    plan: Plan
    changes: Changes
    snapshot: Snapshot | None
    seconds: float


class _Deferred:
    """SIGINT/SIGTERM/SIGHUP noted (and passed on to the running tool) instead of raised.

    :meth:`undoing` stops passing signals on (the undo must finish); :meth:`commit` marks
    the change as done: a signal after it no longer turns the result into an error.
    """

    def __init__(self, notice: Callable[[int], None] | None) -> None:
        self.signum: int | None = None
        self.notice = notice
        self.saved: dict[int, Any] = {}
        self.forward = True
        self.committed = False

    def handler(self, signum: int, frame: FrameType | None) -> None:
        first = self.signum is None
        self.signum = self.signum or int(signum)
        if self.forward:
            process.signal_children(signum)
        if first and self.notice is not None and not self.committed:
            self.notice(signum)

    def check(self) -> None:
        if self.signum is not None and not self.committed:
            raise Interrupted(self.signum)

    def undoing(self) -> None:
        self.forward = False

    def commit(self) -> None:
        self.committed = True


@contextmanager
def deferred_signals(notice: Callable[[int], None] | None = None) -> Iterator[_Deferred]:
    """Run the block to its end despite signals; then raise :class:`Interrupted` if one came."""
    state = _Deferred(notice)
    main = threading.current_thread() is threading.main_thread()
    if main:
        for number in SIGNALS:
            state.saved[int(number)] = signal.signal(number, state.handler)
    try:
        yield state
    except Interrupted:
        raise
    except BaseException as exc:
        if state.signum is not None and not state.committed:  # the tool got the signal
            raise Interrupted(state.signum) from exc
        raise
    finally:
        for signum, old in state.saved.items():
            signal.signal(signum, old)
    state.check()


def _notice(prefix: Path) -> Callable[[int], None]:
    def say(signum: int) -> None:
        name = signal.Signals(signum).name
        os.write(2, f"labtools: {name}: waiting for the installer to stop, then undoing the "
                    f"change to {prefix.name}\n".encode())
    return say


def backend_for(prefix: Prefix, requested: str | None, *, solver: str | None = None
                ) -> tuple[Backend, str]:
    """The backend that changes an existing env: its maker's, unless one is requested."""
    if requested and requested != "auto":
        return get_backend(requested, solver=solver), f"requested with --backend {requested}"
    owner = prefix.owner()
    if owner != "rattler" and process.which(owner) is None:
        raise EnvError(f"{prefix.path} was made by {owner}, which is not on PATH here",
                       hint=f"install {owner}, or pass --backend rattler to change it with "
                            "the built-in engine")
    why = "the built-in engine made it" if owner == "rattler" else f"{owner} made it"
    return get_backend(owner, solver=solver), why


def plan(prefix: Path | str, *, add: Sequence[str] = (), remove: Sequence[str] = (),
         locked: Sequence[str] = (), channels: Sequence[str] = (), backend: str | None = None,
         backend_reason: str = "", cache_dir: Path | None = None, update_all: bool = False,
         solve: bool = True, operation: str | None = None, solver: str | None = None,
         exact: Sequence[ExactPackage] = ()) -> Plan:
    """The plan of a change to *prefix* (a new env when it does not exist yet).

    *exact* (a create only) installs exactly those packages, already fetched and verified
    (:func:`labtools.envs.exact.fetch_verified`); its changes are the packages themselves.
    """
    env = Prefix(prefix)
    op = operation or ("create" if not env.exists() else "remove" if remove else "install")
    if op not in OPERATIONS:
        raise UsageError(f"unknown operation {op!r}", hint=f"use one of {', '.join(OPERATIONS)}")
    if op == "create":
        chosen = get_backend(backend or "rattler", solver=solver)
        why = backend_reason or f"requested with --backend {chosen.name}"
    else:
        chosen, why = backend_for(env, backend, solver=solver)
        why = backend_reason or why
    wanted = (*add, *locked) if op != "rollback" else ()
    cache = cache_dir or _profile_cache()
    changes = Changes()
    if exact and op != "create":
        raise UsageError("an exact package list can only create a new environment",
                         hint=f"remove {env.path} first, or create another name")
    if exact:
        changes = Changes(link=tuple(p.solved() for p in exact))
    elif solve and op in ("create", "install", "update") and (wanted or update_all):
        changes = chosen.dry_run(env.path, specs=wanted, channels=channels, cache_dir=cache,
                                 existing=op != "create", update_all=update_all,
                                 update=op == "update")
    return Plan(operation=op, prefix=env.path, backend=chosen.name, backend_reason=why,
                specs=tuple(add), remove=tuple(remove), locked=tuple(locked),
                channels=tuple(channels), changes=changes, update_all=update_all,
                cache_dir=cache, solver=solver, exact=tuple(exact))


def _profile_cache() -> Path:
    from labtools.profile import load_profile

    return load_profile().cache_dir


def clean_incomplete(prefix: Prefix) -> bool:
    """Remove what an interrupted create left (its build folder and prefix); True if any.

    Call with the env's lock held: then the marker's writer is gone.
    """
    marker = prefix.incomplete()
    if marker is None:
        return False
    if marker.get("operation") == "create":
        build = marker.get("build")
        if build and Path(build).parent == prefix.path.parent:
            remove_tree(Path(build))
        remove_tree(prefix.path)
    prefix.clear_marker()
    return marker.get("operation") == "create"


def _history(env: Prefix, plan_: Plan, changes: Changes, command: Sequence[str]) -> None:
    """Append labtools' block to the history (the CLI tools write their own)."""
    from labtools import __version__

    def dists(packages: Sequence[Any]) -> list[LinkedDist]:
        return [LinkedDist(p.channel.rstrip("/") or "local", p.name, p.version, p.build)
                for p in packages]

    specs = [*plan_.specs, *plan_.locked] if plan_.operation != "rollback" else []
    env.append_history(history_block(
        when=datetime.now(), command=list(command) or ["labtools", "env", plan_.operation,
                                                        str(env.path), *specs],
        linked=dists(changes.link), unlinked=dists(changes.unlink), update_specs=specs,
        remove_specs=list(plan_.remove), tool_version=__version__))


def apply(plan_: Plan, *, wait: bool = True, on_wait: Callable[[str], None] | None = None,
          progress: Progress | None = None, finish: Finish | None = None,
          command: Sequence[str] = ()) -> Applied:
    """Carry out *plan_* (see the module docs); undone on any failure or signal."""
    started = time.perf_counter()
    target = plan_.prefix
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EnvError(f"cannot create {target.parent}: {exc.strerror}",
                       hint="pass --root DIR you can write to, or set LABTOOLS_ENVS_ROOT"
                       ) from None
    with env_lock(target, wait=wait, on_wait=on_wait):
        if plan_.operation == "create":
            changes, snap = _create(plan_, progress, finish, command), None
        else:
            changes, snap = _change(plan_, progress, finish, command)
    return Applied(plan=plan_, changes=changes, snapshot=snap,
                   seconds=round(time.perf_counter() - started, 3))


def _create(plan_: Plan, progress: Progress | None, finish: Finish | None,
            command: Sequence[str]) -> Changes:
    env = Prefix(plan_.prefix)
    clean_incomplete(env)
    if env.path.exists() or env.path.is_symlink():
        raise EnvError(f"an environment already exists at {env.path}",
                       hint=f"pick another name or remove it: labtools env remove {env.name}")
    backend = get_backend(plan_.backend, solver=plan_.solver)
    build = env.path.with_name(f".{env.name}.partial-{uuid.uuid4().hex[:8]}") \
        if backend.relocatable else env.path
    with deferred_signals(_notice(env.path)) as pending:
        env.write_marker({"operation": "create", "pid": os.getpid(), "build": str(build),
                          "backend": backend.name, "started": datetime.now().isoformat()})
        try:
            if plan_.exact:
                changes = backend.create_exact(build, packages=plan_.exact,
                                               cache_dir=_cache(plan_), final_prefix=env.path,
                                               progress=progress)
            else:
                changes = backend.create(build, specs=(*plan_.specs, *plan_.locked),
                                         channels=plan_.channels, cache_dir=_cache(plan_),
                                         final_prefix=env.path, progress=progress)
            pending.check()
            if build != env.path:
                build.rename(env.path)
            if not backend.writes_history:
                _history(env, plan_, changes, command)
            if finish is not None:
                finish(env, changes)
            pending.check()
        except BaseException:
            pending.undoing()
            remove_tree(build)
            remove_tree(env.path)
            env.clear_marker()
            raise
        env.clear_marker()
        pending.commit()
    return changes


def _cache(plan_: Plan) -> Path:
    return plan_.cache_dir or _profile_cache()


def _change(plan_: Plan, progress: Progress | None, finish: Finish | None,
            command: Sequence[str]) -> tuple[Changes, Snapshot | None]:
    # start-up: snapshots and rollback load only to change an existing env, never on a
    # create (measured: part of what a warm create imported without using)
    from labtools.envs.rollback import restore
    from labtools.envs.snapshots import take_snapshot

    env = Prefix(plan_.prefix)
    if not env.is_env():
        raise EnvError(f"no environment at {env.path}", hint="see labtools env list")
    marker = env.incomplete()
    if marker is not None and plan_.operation != "rollback":
        raise EnvError(f"{env.name} is incomplete: a {marker.get('operation', 'change')} was "
                       "interrupted", hint=f"restore it: labtools env rollback {env.path}")
    backend = get_backend(plan_.backend, solver=plan_.solver)
    with deferred_signals(_notice(env.path)) as pending:
        snap = None if plan_.operation == "rollback" else take_snapshot(
            env.path, reason=f"before labtools env {plan_.operation} "
                             f"{' '.join((*plan_.specs, *plan_.remove)) or '--all'}")
        env.write_marker({"operation": plan_.operation, "pid": os.getpid(),
                          "backend": backend.name, "snapshot": snap.id if snap else None,
                          "started": datetime.now().isoformat()})
        try:
            changes = _work(env, plan_, backend, progress)
            pending.check()
            if not backend.writes_history and not changes.empty:
                _history(env, plan_, changes, command)
            if finish is not None:
                finish(env, changes)
            pending.check()
        except BaseException:
            pending.undoing()
            if snap is not None:
                restore(env, snap, backend=backend, channels=plan_.channels,
                        cache_dir=_cache(plan_))
            env.clear_marker()
            raise
        env.clear_marker()
        pending.commit()
    return changes, snap


def _work(env: Prefix, plan_: Plan, backend: Backend, progress: Progress | None) -> Changes:
    """The backend's part of a change to an existing env."""
    if plan_.operation == "rollback":
        from labtools.envs.rollback import restore  # start-up: see _change
        from labtools.envs.snapshots import find_snapshot

        return restore(env, find_snapshot(env.path, plan_.locked[0] if plan_.locked else None),
                       backend=backend, channels=plan_.channels, cache_dir=_cache(plan_),
                       progress=progress)
    if plan_.remove:
        return backend.remove(env.path, names=plan_.remove, channels=plan_.channels,
                              cache_dir=_cache(plan_))
    return backend.install(env.path, specs=(*plan_.specs, *plan_.locked),
                           channels=plan_.channels, cache_dir=_cache(plan_), progress=progress,
                           update_all=plan_.update_all, update=plan_.operation == "update")


__all__ = ["OPERATIONS", "Applied", "Plan", "apply", "backend_for", "clean_incomplete",
           "deferred_signals", "plan"]
