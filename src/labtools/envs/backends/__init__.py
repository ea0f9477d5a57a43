"""Package-manager backends: one module per tool, one protocol for all of them.

- :mod:`~labtools.envs.backends.rattler`: the built-in engine (py-rattler, in-process);
- :mod:`~labtools.envs.backends.conda`, :mod:`~labtools.envs.backends.mamba`,
  :mod:`~labtools.envs.backends.micromamba`: the real tools, driven through
  :mod:`labtools.process` with ``--json``; each tool's flags live in its own module.

pixi has no adapter: pixi cannot be built on the lab's machines, so an adapter could not
be tested against the real tool, and pixi's environments belong to a project manifest
(renaming one breaks its entry points' shebangs). Use pixi directly for pixi projects.

Public API (used by ``labtools env``, the transaction and ``labtools bench``):

- :func:`get_backend` (name -> :class:`~.base.Backend`), :func:`choose_backend` (``auto``
  -> the first installed of mamba, micromamba, conda, else the engine, with the reason);
- :func:`command` -> :class:`~.base.Command`: the exact process an operation runs
  (argv + the variables it adds), e.g.
  ``command("micromamba", "create", prefix=p, specs=["python"], channels=[chan])``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from labtools import process
from labtools.envs.backends.base import (
    OPERATIONS,
    Backend,
    Changes,
    Command,
    Exported,
    Progress,
    SolvedPackage,
    ToolInfo,
    channel_url,
)
from labtools.errors import UsageError

#: the external tools ``auto`` tries, in order
AUTO_ORDER = ("mamba", "micromamba", "conda")
#: every backend name ``--backend`` accepts
NAMES = ("rattler", *AUTO_ORDER)


@dataclass(frozen=True)
class Choice:
    """The backend picked, and why."""

    backend: str
    reason: str


def get_backend(name: str, *, solver: str | None = None,
                extra_env: Mapping[str, str] | None = None) -> Backend:
    """The backend called *name* (``rattler``, ``conda``, ``mamba``, ``micromamba``).

    *solver* (conda only: ``classic`` or ``libmamba``) pins conda's solver; *extra_env*
    is added to the environment the tool runs in.
    """
    if name == "rattler":
        from labtools.envs.backends.rattler import RattlerBackend

        return RattlerBackend()
    if name == "conda":
        from labtools.envs.backends.conda import CondaBackend

        return CondaBackend(solver=solver, extra_env=extra_env)
    if name == "mamba":
        from labtools.envs.backends.mamba import MambaBackend

        return MambaBackend(extra_env)
    if name == "micromamba":
        from labtools.envs.backends.micromamba import MicromambaBackend

        return MicromambaBackend(extra_env)
    raise UsageError(f"unknown backend {name!r}", hint=f"use one of: auto, {', '.join(NAMES)}")


def choose_backend(requested: str = "auto", *, origin: str | None = None) -> Choice:
    """Resolve ``auto``; an explicitly requested external tool must be installed.

    *origin* says where the request came from (default: ``--backend NAME``).
    """
    said = origin or f"requested with --backend {requested}"
    if requested == "rattler":
        return Choice("rattler", said)
    if requested in AUTO_ORDER:
        process.require(requested)
        return Choice(requested, said)
    if requested != "auto":
        raise UsageError(f"unknown backend {requested!r}",
                         hint=f"use one of: auto, {', '.join(NAMES)}")
    for tool in AUTO_ORDER:
        if process.which(tool):
            return Choice(tool, f"auto: {tool} is on PATH")
    return Choice("rattler", "auto: no mamba, micromamba or conda on PATH; "
                  "using the built-in engine")


def requested_by_owner(prefix: Path) -> dict[str, str] | None:
    """name -> spec the user asked for, as the env's maker reports it (``conda env export
    --from-history --json``); None for envs the built-in engine made, or when that tool
    is not installed here (the history on disk is then the answer)."""
    from labtools.envs.prefix import Prefix
    from labtools.envs.specs import spec_name

    owner = Prefix(prefix).owner()
    if owner == "rattler" or process.which(owner) is None:
        return None
    exported = get_backend(owner).export(prefix, from_history=True)
    return {spec_name(d): d for d in exported.dependencies}


def command(tool: str, operation: str, *, prefix: Path, specs: Sequence[str] = (),
            channels: Sequence[str] = (), solver: str | None = None) -> Command:
    """The process *tool* runs for *operation* (see :data:`~.base.OPERATIONS`)."""
    return get_backend(tool, solver=solver).command(operation, prefix=prefix, specs=specs,
                                                    channels=channels)


__all__ = ["AUTO_ORDER", "NAMES", "OPERATIONS", "Backend", "Changes", "Choice", "Command",
           "Exported", "Progress", "SolvedPackage", "ToolInfo", "channel_url",
           "choose_backend", "command", "get_backend", "requested_by_owner"]
