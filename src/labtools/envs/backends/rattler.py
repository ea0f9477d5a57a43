"""The built-in engine: solve and link with py-rattler in this process, no external tool.

It follows conda where conda has a rule: pip comes along with python while conda's
``add_pip_as_python_dependency`` is on (rattler's own solver option), installed packages
are preferred on an install into an env (``locked_packages``), and the requested specs
are recorded in each record (``requested_specs``). rattler's rough edges in 0.28 are
hidden here: ``requested_specs`` needs the private ``MatchSpec._match_spec``, a new
prefix gets a ``CACHEDIR.TAG`` and 0600 records (:func:`finish_prefix` undoes both).
rattler's exception classes decide what a failure is (a conflict, a channel, a link).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence, Set
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from labtools.aio import run_sync
from labtools.envs import specs as specmod
from labtools.envs.backends.base import (
    Changes,
    Command,
    Exported,
    Progress,
    SolvedPackage,
    ToolInfo,
    channel_url,
    unknown_operation,
)
from labtools.envs.plan import requested_specs_after, solve_request
from labtools.envs.prefix import Prefix, remove_tree
from labtools.errors import ChannelError, SolveError

if TYPE_CHECKING:
    from labtools.envs.exact import ExactPackage


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


def solved(records: Sequence[Any]) -> list[SolvedPackage]:
    """rattler records -> plain data."""
    return [
        SolvedPackage(
            name=str(r.name.normalized), version=str(r.version), build=str(r.build),
            channel=str(r.channel or "").rstrip("/").removesuffix("/" + str(r.subdir)),
            subdir=str(r.subdir), url=str(r.url),
        )
        for r in records
    ]


def solve(specs: Sequence[str], channels: Sequence[str], *, cache_dir: Path,
          locked: Sequence[Any] = (), platform: str | None = None) -> list[Any]:
    """Solve *specs* against *channels*; rattler ``RepoDataRecord`` objects."""
    import rattler
    from rattler import Channel, Gateway
    from rattler.exceptions import SolverError

    if not channels:
        raise ChannelError("no channel to install from",
                           hint="pass --channel DIR|URL or set LABTOOLS_CHANNELS "
                                "(labtools profile show)")
    parsed = specmod.match_specs(specs)
    urls = [channel_url(c) for c in channels]
    for url in urls:
        if url.startswith("file://") and not Path(url[7:]).is_dir():
            raise ChannelError(f"channel {url} does not exist",
                               hint="check --channel (a folder made by labtools channel init)")
    subdir = platform or str(rattler.Subdir.current())
    try:
        # CONDA_OVERRIDE_CUDA (GLIBC, OSX...) as conda, mamba and micromamba read them: a
        # login node without a GPU solves for the GPU nodes, and "" means no CUDA
        virtual = rattler.VirtualPackage.detect(rattler.VirtualPackageOverrides.from_env())
    except Exception:  # detection is best effort (containers without /proc details)
        virtual = []

    async def run() -> list[Any]:
        return await rattler.solve(
            sources=[Channel(u) for u in urls], specs=parsed,
            gateway=Gateway(cache_dir=cache_dir / "repodata"),
            platforms=cast(Any, [subdir, "noarch"]), locked_packages=list(locked) or None,
            virtual_packages=virtual,
            add_pip_as_python_dependency=specmod.pip_with_python())

    try:
        return run_sync(run())
    except SolverError as exc:
        raise SolveError(f"no solution for {' '.join(specs)}: {_solver_reason(exc)}",
                         hint="check the names and versions against the channels "
                              "(labtools profile show), or relax the pins") from None
    except Exception as exc:  # rattler's gateway/fetch errors: the channel is unusable
        remote = any(not u.startswith("file://") for u in urls)
        raise ChannelError(
            f"cannot read channel(s) {', '.join(urls)}: {_first_line(exc)}",
            # offline or behind a proxy: the newcomer's way out (issue 19)
            hint="offline or behind a proxy? make a local channel: labtools channel demo DIR, "
                 "then export LABTOOLS_CHANNELS=DIR" if remote else
                 "check that the channel is reachable and indexed (labtools channel index DIR)",
        ) from None


def link(records: Sequence[Any], prefix: Path, *, cache_dir: Path, requested: Sequence[str],
         final_prefix: Path | None = None, installed: Sequence[Any] | None = None,
         reinstall: Sequence[str] = (), progress: Progress | None = None) -> None:
    """Make *prefix* hold exactly *records* (paths patched for *final_prefix*)."""
    import rattler

    reporter = _reporter(len(records), progress) if progress else None
    wanted = [getattr(s, "_match_spec", s) for s in specmod.match_specs(requested)]

    async def run() -> None:
        await rattler.install(
            list(records), target_prefix=prefix, cache_dir=cache_dir / "pkgs",
            installed_packages=list(installed) if installed is not None else None,
            reinstall_packages=set(reinstall) or None, requested_specs=wanted,
            alternative_target_prefix=final_prefix if final_prefix not in (None, prefix)
            else None, show_progress=False, reporter=reporter)

    try:
        run_sync(run())
    except Exception as exc:  # rattler's installer errors: mostly an unreadable package
        raise ChannelError(f"installing into {final_prefix or prefix} failed: "
                           f"{_first_line(exc)}",
                           hint="check the channel and the package cache (labtools clean)"
                           ) from None
    finish_prefix(prefix)


def exact_records(packages: Sequence[ExactPackage]) -> list[Any]:
    """Verified archives -> rattler ``RepoDataRecord`` objects: each package's own
    ``info/index.json``, with the lock's URL and channel and the verified hashes."""
    import tempfile

    from rattler import PackageRecord, RepoDataRecord
    from rattler.package_streaming import PackageArchive

    from labtools.envs.exact import shown

    async def index(path: Path) -> bytes | None:
        archive = await PackageArchive.from_path(path)
        return await archive.read_file("info/index.json")

    records: list[Any] = []
    with tempfile.TemporaryDirectory(prefix="labtools-index-") as tmp:
        for pkg in packages:
            if pkg.archive is None:
                raise ValueError(f"{pkg.label} was not fetched")  # a caller's mistake
            try:
                text = run_sync(index(pkg.archive))
            except Exception as exc:  # rattler's archive errors
                raise ChannelError(f"{pkg.label}: {shown(pkg.url)} is not a readable conda "
                                   f"package: {_first_line(exc)}",
                                   hint="regenerate the lock") from None
            if text is None:
                raise ChannelError(f"{pkg.label}: {shown(pkg.url)} has no info/index.json",
                                   hint="regenerate the lock from a proper channel")
            index_json = Path(tmp) / f"{len(records)}.json"
            index_json.write_bytes(text)
            record = PackageRecord.from_index_json(index_json, size=pkg.archive.stat().st_size,
                                                   sha256=pkg.sha256, md5=pkg.md5)
            records.append(RepoDataRecord(record, pkg.file_name, pkg.url, pkg.channel))
    return records


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
    """Undo rattler's quirks: drop CACHEDIR.TAG, make the records world-readable."""
    tag = prefix / "CACHEDIR.TAG"
    if tag.is_file():
        tag.unlink()
    Prefix(prefix).make_records_readable()


def _diff(before: Sequence[SolvedPackage], after: Sequence[SolvedPackage]) -> Changes:
    old = {p.name: p for p in before}
    new = {p.name: p for p in after}
    return Changes(
        link=tuple(p for n, p in sorted(new.items()) if old.get(n) is None
                   or old[n].key != p.key),
        unlink=tuple(p for n, p in sorted(old.items()) if n not in new or new[n].key != p.key))


class RattlerBackend:
    """The built-in engine (py-rattler, in-process)."""

    name = "rattler"
    writes_history = False
    relocatable = True

    def command(self, operation: str, *, prefix: Path, specs: Sequence[str] = (),
                channels: Sequence[str] = ()) -> Command:
        """``labtools env create`` itself, for create and dry-run (the engine has no CLI)."""
        if operation not in ("create", "dry-run"):
            raise unknown_operation(self.name, operation)
        argv = [sys.executable, "-m", "labtools", "env", "create", prefix.name, *specs,
                "--root", str(prefix.parent), "--backend", "rattler", "--force-name",
                "--json", *(a for c in channels for a in ("--channel", channel_url(c)))]
        if operation == "dry-run":
            argv.append("--dry-run")
        return Command(tuple(argv))

    def create(self, prefix: Path, *, specs: Sequence[str], channels: Sequence[str],
               cache_dir: Path, final_prefix: Path | None = None,
               progress: Progress | None = None) -> Changes:
        records = solve(specs, channels, cache_dir=cache_dir)
        link(records, prefix, cache_dir=cache_dir, requested=specs, final_prefix=final_prefix,
             progress=progress)
        return Changes(link=tuple(solved(records)))

    def create_exact(self, prefix: Path, *, packages: Sequence[ExactPackage], cache_dir: Path,
                     final_prefix: Path | None = None,
                     progress: Progress | None = None) -> Changes:
        records = exact_records(packages)
        link(records, prefix, cache_dir=cache_dir,
             requested=[f"{p.name}=={p.version}={p.build}" for p in packages],
             final_prefix=final_prefix, progress=progress)
        return Changes(link=tuple(p.solved() for p in packages))

    def _request(self, prefix: Path, specs: Sequence[str], *, update_all: bool,
                 drop: Set[str] = frozenset()) -> tuple[list[str], list[str], list[Any]]:
        """(what to solve, what the records list as requested after, locked records)."""
        env = Prefix(prefix)
        asked = env.requested()
        installed = {n: ([asked[n]] if n in asked else []) for n in sorted(env.package_names())
                     if n not in drop}
        request, free = solve_request(installed, specs, everything=update_all)
        requested = requested_specs_after(installed, specs, everything=update_all)
        locked = [] if update_all else [r for r in env.rattler_records()
                                        if r.name.normalized not in set(free) | set(drop)]
        return request, requested, locked

    def dry_run(self, prefix: Path, *, specs: Sequence[str], channels: Sequence[str],
                cache_dir: Path, existing: bool = False, update_all: bool = False,
                update: bool = False) -> Changes:
        # *update*: the named specs are freed from their installed records, as for install
        if not existing and not update_all:
            return Changes(link=tuple(solved(solve(specs, channels, cache_dir=cache_dir))))
        request, _, locked = self._request(prefix, specs, update_all=update_all)
        after = solved(solve(request, channels, cache_dir=cache_dir, locked=locked))
        return _diff(self.list(prefix), after)

    def install(self, prefix: Path, *, specs: Sequence[str], channels: Sequence[str],
                cache_dir: Path, progress: Progress | None = None,
                update_all: bool = False, reinstall: Sequence[str] = (),
                update: bool = False) -> Changes:
        before = self.list(prefix)
        request, requested, locked = self._request(prefix, specs, update_all=update_all)
        records = solve(request, channels, cache_dir=cache_dir, locked=locked)
        link(records, prefix, cache_dir=cache_dir, requested=requested or request,
             installed=Prefix(prefix).rattler_records(), reinstall=reinstall,
             progress=progress)
        return _diff(before, solved(records))

    def remove(self, prefix: Path, *, names: Sequence[str], channels: Sequence[str],
               cache_dir: Path) -> Changes:
        before = self.list(prefix)
        gone = {specmod.normalize_name(n) for n in names}
        request, requested, locked = self._request(prefix, [], update_all=False, drop=gone)
        records = solve(request, channels, cache_dir=cache_dir, locked=locked) if request \
            else []
        still = sorted(gone & {r.name.normalized for r in records})
        if still:
            raise SolveError(f"cannot remove {', '.join(still)} from {prefix}: other requested "
                             "packages need it", hint="remove those packages too")
        link(records, prefix, cache_dir=cache_dir, requested=requested,
             installed=Prefix(prefix).rattler_records())
        return _diff(before, solved(records))

    def install_exact(self, prefix: Path, *, pins: Sequence[str], channels: Sequence[str],
                      cache_dir: Path, reinstall: Sequence[str] = (),
                      progress: Progress | None = None) -> Changes:
        before = self.list(prefix)
        asked = set(Prefix(prefix).requested())
        records = solve(pins, channels, cache_dir=cache_dir)
        requested = [p for p in pins if specmod.spec_name(p) in asked] or list(pins)
        link(records, prefix, cache_dir=cache_dir, requested=requested,
             installed=Prefix(prefix).rattler_records(), reinstall=reinstall,
             progress=progress)
        return _diff(before, solved(records))

    def remove_env(self, prefix: Path) -> None:
        remove_tree(prefix)

    def list(self, prefix: Path) -> tuple[SolvedPackage, ...]:
        return tuple(
            SolvedPackage(r.name, r.version, r.build, r.channel, r.subdir, r.url or "")
            for r in Prefix(prefix).records())

    def export(self, prefix: Path, *, from_history: bool = False) -> Exported:
        env = Prefix(prefix)
        records = env.records()
        channels = tuple(dict.fromkeys(r.channel for r in records if r.channel))
        if from_history:
            return Exported(channels, tuple(env.requested().values()))
        return Exported(channels, tuple(f"{r.name}={r.version}={r.build}" for r in records))

    def info(self) -> ToolInfo:
        return ToolInfo(self.name, None, self.version(), solver="resolvo",
                        details={"add_pip_as_python_dependency": specmod.pip_with_python()})

    def cache_dirs(self) -> tuple[Path, ...]:
        from labtools.profile import load_profile

        return (load_profile().cache_dir,)

    def version(self) -> str | None:
        # start-up: importlib.metadata (email, zipfile, csv...) loads only when a version is
        # asked for, not on every create (measured: the largest import left on that path)
        import importlib.metadata

        return importlib.metadata.version("py-rattler")


__all__ = ["RattlerBackend", "exact_records", "finish_prefix", "link", "solve", "solved"]
