"""What every package-manager backend shares: the protocol, its results, its commands.

A :class:`Backend` covers the whole life of an environment: ``create``, ``dry_run``
(the plan, nothing changes), ``install`` into it, ``remove`` packages, ``remove_env``,
``list`` its records and ``export`` its spec, plus ``version``/``info`` for the doctor.
Results are plain frozen data (:class:`SolvedPackage`, :class:`Changes`), whichever tool
produced them.

:meth:`Backend.command` is the small public API that says exactly which process an
operation runs (``labtools bench`` times those processes whole): the argv and the
variables it adds to the environment. Operations are the names in :data:`OPERATIONS`.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from labtools.envs.exact import ExactPackage

Progress = Callable[[str, int, int], None]  # (what, done, total)

#: operation name -> what it does (the keys :meth:`Backend.command` accepts)
OPERATIONS: dict[str, str] = {
    "create": "create the prefix from specs",
    "dry-run": "solve a create and print the plan; nothing is written",
    "install": "install specs into an existing prefix",
    "install-dry-run": "solve an install into an existing prefix; nothing is written",
    "update": "update the named packages of an existing prefix (the tool's `update NAME`)",
    "update-dry-run": "solve an update of the named packages; nothing is written",
    "update-all": "update every package of an existing prefix",
    "update-all-dry-run": "solve an update of every package; nothing is written",
    "remove": "remove packages (specs name them) from a prefix",
    "remove-env": "delete the whole prefix",
    "list": "list the prefix's package records",
    "export": "export the prefix's spec (every package)",
    "export-history": "export the specs the user asked for (from the prefix's history)",
}


@dataclass(frozen=True)
class SolvedPackage:
    """One package of a solution or a prefix, as plain data."""

    name: str
    version: str
    build: str
    channel: str
    subdir: str
    url: str

    @property
    def key(self) -> str:
        """``name=version=build``: what parity between tools compares."""
        return f"{self.name}={self.version}={self.build}"


@dataclass(frozen=True)
class Changes:
    """What an operation linked and unlinked (or, for a dry run, would)."""

    link: tuple[SolvedPackage, ...] = ()
    unlink: tuple[SolvedPackage, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.link and not self.unlink


@dataclass(frozen=True)
class Command:
    """One process an operation runs: its argv and the variables it adds to ``os.environ``."""

    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)

    def shell(self) -> str:
        """The command line as a person would type it."""
        prefix = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(self.env.items()))
        return (prefix + " " if prefix else "") + shlex.join(self.argv)


@dataclass(frozen=True)
class Exported:
    """A prefix's spec as its tool exports it: channels and dependency specs."""

    channels: tuple[str, ...]
    dependencies: tuple[str, ...]


@dataclass(frozen=True)
class ToolInfo:
    """What a tool says about itself (``--version``, ``info --json``, ``config --json``)."""

    name: str
    executable: str | None
    version: str | None
    solver: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None


class Backend(Protocol):
    """One package manager, driving every operation on a prefix."""

    name: str
    #: True when it can build at a temporary path that is renamed into place afterwards
    relocatable: bool
    #: True when the tool appends its own block to the env's history
    writes_history: bool

    def command(self, operation: str, *, prefix: Path, specs: Sequence[str] = (),
                channels: Sequence[str] = ()) -> Command:
        """The process *operation* runs (see :data:`OPERATIONS`)."""
        ...

    def create(self, prefix: Path, *, specs: Sequence[str], channels: Sequence[str],
               cache_dir: Path, final_prefix: Path | None = None,
               progress: Progress | None = None) -> Changes: ...

    def create_exact(self, prefix: Path, *, packages: Sequence[ExactPackage], cache_dir: Path,
                     final_prefix: Path | None = None,
                     progress: Progress | None = None) -> Changes:
        """Create *prefix* from exactly these verified packages
        (:class:`labtools.envs.exact.ExactPackage`: URL, hashes, local archive); no solve."""
        ...

    def dry_run(self, prefix: Path, *, specs: Sequence[str], channels: Sequence[str],
                cache_dir: Path, existing: bool = False, update_all: bool = False,
                update: bool = False) -> Changes:
        """The plan of a create (or, with *existing*, of an install into *prefix*; with
        *update*, of updating the named packages; with *update_all*, every package)."""
        ...

    def install(self, prefix: Path, *, specs: Sequence[str], channels: Sequence[str],
                cache_dir: Path, progress: Progress | None = None,
                update_all: bool = False, reinstall: Sequence[str] = (),
                update: bool = False) -> Changes: ...

    def remove(self, prefix: Path, *, names: Sequence[str], channels: Sequence[str],
               cache_dir: Path) -> Changes: ...

    def install_exact(self, prefix: Path, *, pins: Sequence[str], channels: Sequence[str],
                      cache_dir: Path, reinstall: Sequence[str] = (),
                      progress: Progress | None = None) -> Changes:
        """Make *prefix* hold exactly the packages *pins* select (``name==version=build``),
        relinking *reinstall*; packages not pinned are removed."""
        ...

    def remove_env(self, prefix: Path) -> None: ...

    def list(self, prefix: Path) -> tuple[SolvedPackage, ...]: ...

    def export(self, prefix: Path, *, from_history: bool = False) -> Exported: ...

    def info(self) -> ToolInfo: ...

    def cache_dirs(self) -> tuple[Path, ...]:
        """Where this tool keeps downloaded packages (as the tool reports it)."""
        ...


def channel_url(channel: str) -> str:
    """A channel as the tools want it: URLs and names pass through, folders become file://."""
    if "://" in channel:
        return channel
    path = Path(channel).expanduser()
    if path.is_dir():
        return path.resolve().as_uri()
    return channel


def unknown_operation(backend: str, operation: str) -> ValueError:
    known = ", ".join(OPERATIONS)
    return ValueError(f"{backend} has no operation {operation!r} (known: {known})")


__all__ = ["OPERATIONS", "Backend", "Changes", "Command", "Exported", "Progress",
           "SolvedPackage", "ToolInfo", "channel_url"]
