"""Update an environment without breaking it: snapshot, plan, apply, verify, roll back.

``update_env`` saves the env's exact package set first (:mod:`labtools.envs.snapshots`),
solves the update with the built-in engine, and shows the plan (added, removed, up- and
downgraded; downgrades and major-version jumps are warned about). After linking, the env
must still import its top-level packages with its own interpreter (in isolated mode) and
every kernel registered for it must still start; if not, the previous package set is put
back exactly. The plan and the module list are pure functions, unit-tested on their own.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from labtools.aio import run_sync
from labtools.envs.rattler_engine import Progress
from labtools.envs.snapshots import Snapshot
from labtools.errors import LabtoolsError, UsageError

_MODULE = re.compile(
    r"(?:^|/)site-packages/([A-Za-z_][A-Za-z0-9_]*)(?:/__init__\.py|\.py|\.[^/]*\.so)$")
_NAME = re.compile(r"^\s*([A-Za-z0-9_.\-]+)")
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


@dataclass(frozen=True)
class PlanItem:
    """One package the update touches. ``kind``: added|removed|upgraded|downgraded|rebuilt."""

    name: str
    kind: str
    before: str | None  # version=build
    after: str | None


@dataclass(frozen=True)
class UpdatePlan:
    items: tuple[PlanItem, ...]
    warnings: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.items

    def count(self, kind: str) -> int:
        return sum(item.kind == kind for item in self.items)


@dataclass(frozen=True)
class UpdateResult:
    """What ``update_env`` did. ``ok`` is False when verification failed (and it rolled back)."""

    prefix: Path
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


# ---------------------------------------------------------------- pure core


def _version_key(version: str) -> tuple[Any, ...]:
    """A fallback ordering key for versions rattler cannot parse."""
    parts: list[Any] = []
    for piece in re.findall(r"\d+|[A-Za-z]+", version):
        parts.append((1, int(piece), "") if piece.isdigit() else (0, 0, piece.lower()))
    return tuple(parts)


def compare_versions(a: str, b: str) -> int:
    """-1, 0 or 1 as conda orders versions *a* and *b*."""
    try:
        from rattler import Version

        va, vb = Version(a), Version(b)
        return (va > vb) - (va < vb)
    except Exception:  # rattler rejects the string: fall back to a simple key
        ka, kb = _version_key(a), _version_key(b)
        return (ka > kb) - (ka < kb)


def major_of(version: str) -> str:
    match = re.match(r"\s*(?:\d+!)?(\d+)", version)
    return match.group(1) if match else version


def plan_changes(
    before: Mapping[str, tuple[str, str]], after: Mapping[str, tuple[str, str]]
) -> UpdatePlan:
    """name -> (version, build) before and after -> the plan and its warnings (pure)."""
    items: list[PlanItem] = []
    warnings: list[str] = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if old is None and new is not None:
            items.append(PlanItem(name, "added", None, "=".join(new)))
            continue
        if new is None and old is not None:
            items.append(PlanItem(name, "removed", "=".join(old), None))
            continue
        assert old is not None and new is not None
        order = compare_versions(new[0], old[0])
        kind = "upgraded" if order > 0 else "downgraded" if order < 0 else "rebuilt"
        items.append(PlanItem(name, kind, "=".join(old), "=".join(new)))
        if kind == "downgraded":
            warnings.append(f"{name} goes DOWN from {old[0]} to {new[0]}; something in the "
                            "request or the channels forces an older version")
        elif kind == "upgraded" and major_of(old[0]) != major_of(new[0]):
            warnings.append(f"{name} jumps a major version ({old[0]} -> {new[0]}); read its "
                            "changelog for breaking changes")
    return UpdatePlan(items=tuple(items), warnings=tuple(warnings))


def top_level_modules(files: Iterable[str]) -> tuple[str, ...]:
    """Top-level importable modules among a package's files (pure), sorted."""
    found = set()
    for path in files:
        match = _MODULE.search(path)
        if match and not match.group(1).startswith("_") and match.group(1) not in (
                "test", "tests"):
            found.add(match.group(1))
    return tuple(sorted(found))


def spec_name(spec: str) -> str:
    """The package name a match spec is about (``numpy>=2`` -> ``numpy``)."""
    match = _NAME.match(spec.split("::")[-1])
    if match is None:
        raise UsageError(f"invalid package spec {spec!r}", hint="write e.g. numpy or 'numpy>=2'")
    name = re.split(r"[=<>!~]", match.group(1))[0]
    return name.lower()


def solve_request(
    installed: Mapping[str, Sequence[str]], specs: Sequence[str], *, everything: bool
) -> tuple[list[str], set[str]]:
    """What to ask the solver for, and which installed packages may move (pure).

    *installed* maps each installed name to the specs it was requested with (empty when it
    came in as a dependency). ``--all`` asks for every installed name, unpinned; otherwise
    the requested specs stay (the named ones replaced by *specs*) and only the named
    packages are free to move (the others are locked to their installed build where the
    solver can keep them).
    """
    named = {spec_name(s) for s in specs}
    if everything:
        return [*(n for n in sorted(installed) if n not in named), *specs], set(installed)
    requested = [s for name, specs_ in sorted(installed.items()) if name not in named
                 for s in specs_]
    if not requested:  # no record says what was asked for: keep every package
        requested = [n for n in sorted(installed) if n not in named]
    return [*dict.fromkeys(requested), *specs], named


def requested_specs_after(
    installed: Mapping[str, Sequence[str]], specs: Sequence[str], *, everything: bool
) -> list[str]:
    """What the env records as requested after the update (pure): the old requests, with
    the named packages' replaced by *specs*; ``--all`` drops the old version pins."""
    named = {spec_name(s) for s in specs}
    kept = [spec_name(s) if everything else s for name, specs_ in sorted(installed.items())
            if name not in named for s in specs_]
    return [*dict.fromkeys([*kept, *specs])]


# ---------------------------------------------------------------- I/O shell


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
    from labtools import process

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


def kernels_for(prefix: Path) -> list[str]:
    """Names of the active kernels registered for the env at *prefix*."""
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


def verify_env(prefix: Path, modules: Sequence[str], kernels: Sequence[str]) -> list[str]:
    """Problems found by importing *modules* in the env and starting *kernels*."""
    from labtools.envs.inspect import python_of
    from labtools.kernels.verify import verify_kernel

    problems: list[str] = []
    python = python_of(prefix)
    if python is None:
        return [f"{prefix} has no bin/python any more"]
    for module, error in failed_imports(python, modules).items():
        problems.append(f"import {module} fails: {error}")
    for name in kernels:
        try:
            verified = verify_kernel(name, expect_prefix=str(prefix), timeout=60)
        except LabtoolsError as exc:
            problems.append(f"kernel {name!r} no longer starts: {exc.message}")
            continue
        if verified.matches is False:
            problems.append(f"kernel {name!r} runs {verified.prefix}, not {prefix}")
    return problems


def _modules_of(records: Iterable[Any]) -> list[str]:
    found: set[str] = set()
    for record in records:
        found.update(top_level_modules(record.files))
    return sorted(found)


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
) -> UpdateResult:
    """Update *env* (name or path): snapshot, plan, apply, verify, roll back on failure.

    *confirm* is shown the plan before anything changes; returning False stops there.
    """
    from labtools.channel.python_pkg import current_subdir
    from labtools.envs import rattler_engine as engine
    from labtools.envs.listing import resolve_env
    from labtools.envs.snapshots import _history, package_keys, restore_snapshot, take_snapshot
    from labtools.profile import load_profile
    from labtools.spec.records import read_conda_records

    started = time.perf_counter()
    if not specs and not all_packages:
        raise UsageError("nothing to update", hint="name packages (SPEC...) or pass --all")
    prefix = resolve_env(env, root=root)
    records = read_conda_records(prefix)
    profile = load_profile()
    cache = Path(cache_dir) if cache_dir else profile.cache_dir
    # the channels given, then the ones the env's packages came from; the profile's default
    # (conda-forge) only for an env that names none, so an offline env never goes online
    own = [*channels, *env_channels(r.url for r in records)]
    use_channels = list(dict.fromkeys(
        engine.channel_url(c).rstrip("/") for c in (own or profile.channels)))
    installed = {r.name: list(r.requested_specs) for r in records}
    request, free = solve_request(installed, specs, everything=all_packages)
    locked = [] if all_packages else _locked(prefix, records, free)
    solution = _solve(request, use_channels, cache, locked, current_subdir())
    before = {r.name: (r.version, r.build) for r in records}
    after = {p.name: (p.version, p.build) for p in engine.solved(solution)}
    plan = plan_changes(before, after)

    def result(**kw: Any) -> UpdateResult:
        values: dict[str, Any] = dict(
            prefix=prefix, specs=tuple(specs), plan=plan, dry_run=dry_run, snapshot=None,
            applied=False, modules_checked=(), kernels_checked=(), problems=(),
            rolled_back=False, restored_exactly=None)
        values.update(kw)
        return UpdateResult(seconds=round(time.perf_counter() - started, 3), **values)

    if dry_run or plan.empty or (confirm is not None and not confirm(plan)):
        return result()
    python = prefix / "bin" / "python"
    baseline_bad = set(failed_imports(python, _modules_of(records))) if verify and \
        python.exists() else set()
    kernels = kernels_for(prefix) if verify else []
    snapshot = take_snapshot(prefix, reason=f"before labtools env update "
                                            f"{' '.join(specs) or '--all'}")
    keys_before = package_keys(prefix)
    requested_after = requested_specs_after(installed, specs, everything=all_packages)
    try:
        engine.install(solution, prefix, final_prefix=prefix, cache_dir=cache,
                       requested=requested_after or request, progress=progress)
        engine.finish_prefix(prefix)
    except BaseException:
        restore_snapshot(prefix, to=snapshot.id, cache_dir=cache)
        raise
    _history(prefix, ["labtools", "env", "update", str(prefix), *specs,
                      *(["--all"] if all_packages else [])], specs or request)
    modules: list[str] = []
    problems: list[str] = []
    if verify:
        modules = [m for m in _modules_of(read_conda_records(prefix)) if m not in baseline_bad]
        problems = verify_env(prefix, modules, kernels)
    if not problems:
        return result(snapshot=snapshot, applied=True, modules_checked=tuple(modules),
                      kernels_checked=tuple(kernels))
    restore_snapshot(prefix, to=snapshot.id, cache_dir=cache, progress=progress)
    return result(snapshot=snapshot, applied=True, modules_checked=tuple(modules),
                  kernels_checked=tuple(kernels), problems=tuple(problems), rolled_back=True,
                  restored_exactly=package_keys(prefix) == keys_before)


def _locked(prefix: Path, records: Sequence[Any], free: set[str]) -> list[Any]:
    """Installed packages as rattler records, so the solver prefers to keep them."""
    from rattler import PrefixRecord

    locked = []
    for record in records:
        if record.name in free:
            continue
        try:
            locked.append(PrefixRecord.from_path(Path(record.source)))
        except Exception:  # a record rattler cannot read is simply not preferred
            continue
    return locked


def _solve(specs: Sequence[str], channels: Sequence[str], cache: Path, locked: Sequence[Any],
           platform: str) -> list[Any]:
    """The engine's solve, with the installed packages preferred when *locked* is given."""

    import rattler
    from rattler import Channel, Gateway

    from labtools.envs import rattler_engine as engine
    from labtools.errors import ChannelError, SolveError

    if not locked:
        return engine.solve(specs, channels, platform=platform, cache_dir=cache)
    parsed = engine.match_specs(specs)
    urls = [engine.channel_url(c) for c in channels]
    if not urls:
        raise ChannelError("no channel to install from",
                           hint="pass --channel DIR|URL or set LABTOOLS_CHANNELS")

    async def run() -> list[Any]:
        try:
            virtual = rattler.VirtualPackage.detect()
        except Exception:
            virtual = []
        return await rattler.solve(
            sources=[Channel(u) for u in urls], specs=parsed,
            gateway=Gateway(cache_dir=cache / "repodata"),
            platforms=cast(Any, [platform, "noarch"]),
            locked_packages=list(locked), virtual_packages=virtual)

    try:
        return run_sync(run())
    except Exception as exc:
        if "Solver" in type(exc).__name__:
            lines = [ln.strip(" │├└─") for ln in str(exc).splitlines() if ln.strip()]
            raise SolveError(f"no update satisfies {' '.join(specs)}: "
                             f"{lines[-1] if lines else type(exc).__name__}",
                             hint="name more packages to free them, or pass --all") from None
        raise ChannelError(f"cannot read channel(s) {', '.join(urls)}: {exc}",
                           hint="check that the channels are reachable and indexed") from None


__all__ = ["PlanItem", "UpdatePlan", "UpdateResult", "plan_changes", "top_level_modules",
           "update_env"]
