"""The built-in engine: solve and install with py-rattler, then finish the prefix.

rattler is asynchronous and has a few rough edges in 0.28 that this module hides in
one place: ``requested_specs`` needs the private ``MatchSpec._match_spec``; the prefix
gets a ``CACHEDIR.TAG`` and 0600 ``conda-meta`` records; ``conda-meta/history`` stays
empty and nothing is byte-compiled. :func:`finish_prefix` fixes all of that.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from labtools.aio import run_sync
from labtools.errors import ChannelError, SolveError, SpecError

Progress = Callable[[str, int, int], None]  # (what, done, total)


@dataclass(frozen=True)
class SolvedPackage:
    """One package of a solution, as plain data."""

    name: str
    version: str
    build: str
    channel: str
    subdir: str
    url: str


def match_specs(specs: Sequence[str]) -> list[Any]:
    """Parse conda match specs with rattler; a bad one is a one-line :class:`SpecError`."""
    from rattler import MatchSpec

    parsed = []
    for text in specs:
        try:
            parsed.append(MatchSpec(text))
        except Exception as exc:
            raise SpecError(
                f"invalid package spec {text!r}: {_first_line(exc)}",
                hint="write specs like python=3.11 or 'numpy >=1.26'",
            ) from None
    return parsed


def requested_for_install(specs: Sequence[Any]) -> list[Any]:
    """The one place that works around rattler 0.28's install(requested_specs=) type check."""
    return [getattr(spec, "_match_spec", spec) for spec in specs]


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _solver_reason(exc: BaseException) -> str:
    """The most telling line of a solver failure (the one naming a missing package)."""
    lines = [line.strip(" │├└─") for line in str(exc).splitlines() if line.strip()]
    for line in lines:
        if "cannot be installed" in line or "No candidates" in line or "not exist" in line:
            return line
    return lines[-1] if lines else type(exc).__name__


def channel_url(channel: str) -> str:
    """A channel as rattler wants it: URLs pass through, folders become file:// URLs."""
    if "://" in channel:
        return channel
    path = Path(channel).expanduser()
    if path.is_dir():
        return path.resolve().as_uri()
    return channel


def solve(
    specs: Sequence[str], channels: Sequence[str], *, platform: str, cache_dir: Path
) -> list[Any]:
    """Solve *specs* against *channels*; returns rattler ``RepoDataRecord`` objects."""
    import rattler
    from rattler import Channel, Gateway

    if not channels:
        raise ChannelError(
            "no channel to install from",
            hint="pass --channel DIR|URL or set LABTOOLS_CHANNELS (labtools profile show)",
        )
    parsed = match_specs(specs)
    urls = [channel_url(c) for c in channels]
    for url in urls:
        if url.startswith("file://") and not Path(url[7:]).is_dir():
            raise ChannelError(f"channel {url} does not exist", hint="check --channel")
    gateway = Gateway(cache_dir=cache_dir / "repodata")
    try:
        virtual = rattler.VirtualPackage.detect()
    except Exception:
        virtual = []

    async def run() -> list[Any]:
        return await rattler.solve(
            sources=[Channel(u) for u in urls],
            specs=parsed,
            gateway=gateway,
            platforms=cast(Any, [platform, "noarch"]),
            virtual_packages=virtual,
        )

    try:
        return run_sync(run())
    except Exception as exc:
        name = type(exc).__name__
        if "Solver" in name:
            raise SolveError(
                f"no solution for {' '.join(specs)}: {_solver_reason(exc)}",
                hint="check the spelling and versions, and the channels (labtools profile show)",
            ) from None
        remote = any(not u.startswith("file://") for u in urls)
        raise ChannelError(
            f"cannot read channel(s) {', '.join(urls)}: {_first_line(exc)}",
            # offline or behind a proxy: the newcomer's way out (issue 19)
            hint="offline or behind a proxy? make a local channel: labtools channel demo DIR, "
                 "then export LABTOOLS_CHANNELS=DIR" if remote else
                 "check that the channel is reachable and indexed (labtools channel index DIR)",
        ) from None


def solved(records: Sequence[Any]) -> list[SolvedPackage]:
    return [
        SolvedPackage(
            name=str(r.name.normalized), version=str(r.version), build=str(r.build),
            channel=str(r.channel or ""), subdir=str(r.subdir), url=str(r.url),
        )
        for r in records
    ]


def install(
    records: Sequence[Any],
    prefix: Path,
    *,
    final_prefix: Path,
    cache_dir: Path,
    requested: Sequence[str],
    progress: Progress | None = None,
) -> None:
    """Link *records* into *prefix*, with paths patched for *final_prefix*."""
    import rattler

    reporter = _reporter(len(records), progress) if progress else None

    async def run() -> None:
        await rattler.install(
            list(records),
            target_prefix=prefix,
            cache_dir=cache_dir / "pkgs",
            requested_specs=requested_for_install(match_specs(requested)),
            alternative_target_prefix=final_prefix if final_prefix != prefix else None,
            show_progress=False,
            reporter=reporter,
        )

    try:
        run_sync(run())
    except Exception as exc:
        raise ChannelError(
            f"installing into {final_prefix} failed: {_first_line(exc)}",
            hint="check the channel and the package cache (labtools clean)",
        ) from None


def _reporter(total: int, progress: Progress) -> Any:
    from rattler.install import InstallerReporter

    class Reporter(InstallerReporter):
        done = 0

        def on_link_start(self, operation: int, package_name: str) -> int:
            progress(package_name, self.done, total)
            return operation

        def on_link_complete(self, index: int) -> None:
            self.done += 1
            progress("linked", self.done, total)

    return Reporter()  # type: ignore[abstract]


def finish_prefix(prefix: Path) -> None:
    """Undo rattler's quirks: drop CACHEDIR.TAG, make conda-meta records world-readable."""
    tag = prefix / "CACHEDIR.TAG"
    if tag.is_file():
        tag.unlink()
    meta = prefix / "conda-meta"
    for record in meta.glob("*.json"):
        os.chmod(record, 0o644)
