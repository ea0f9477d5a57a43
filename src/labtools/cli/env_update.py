"""``labtools env update | rollback | snapshots``: change an environment safely.

Registered onto the ``env`` group at the end of :mod:`labtools.cli.env`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from labtools.cli._output import console, emit, json_option
from labtools.errors import UsageError

_BACKENDS = ("auto", "rattler", "conda", "mamba", "micromamba")
_ARROWS = {"added": "+", "removed": "-", "upgraded": "^", "downgraded": "v", "rebuilt": "~"}


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A rich progress bar on a terminal, started at the first linking step, so the plan
    and the confirmation prompt are printed before it."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import Progress

    state: dict[str, Any] = {}

    def update(what: str, done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = Progress(console=console(stderr=True), transient=True)
            state["bar"].start()
            state["task"] = state["bar"].add_task("linking", total=None)
        state["bar"].update(state["task"], completed=done, total=total, description=what)

    try:
        yield update
    finally:
        if "bar" in state:
            state["bar"].stop()


def render_plan(plan: Any, *, out: Any, err: Any) -> None:
    """The plan as one line per package, then its warnings on stderr."""
    if plan.empty:
        out.print("nothing to change: the environment already satisfies the request")
        return
    counts = ", ".join(f"{plan.count(k)} {k}" for k in _ARROWS if plan.count(k))
    out.print(f"plan: {counts}")
    for item in plan.items:
        change = (f"{item.before} -> {item.after}" if item.before and item.after
                  else item.after or item.before)
        out.print(f"  {_ARROWS[item.kind]} {item.name:<24} {change}  ({item.kind})")
    for warning in plan.warnings:
        err.print(f"warning: {warning}")


def confirm_plan(yes: bool, out: Any, err: Any) -> Callable[[Any], bool]:
    """The ``confirm`` of a change: show the plan, then --yes, a terminal's answer, or refuse."""

    def confirm(plan: Any) -> bool:
        render_plan(plan, out=out, err=err)
        if yes:
            return True
        if not sys.stdin.isatty():
            raise UsageError("refusing to change the environment without confirmation",
                             hint="pass --yes (or --dry-run to only see the plan)")
        return click.confirm("Apply this plan?", default=False)
    return confirm


def target_options(func: Any) -> Any:
    """--root, --backend and --no-wait: where ENV is, which tool changes it, whether to wait."""
    for option in reversed([
        click.option("--root", type=click.Path(file_okay=False, path_type=Path),
                     help="Folder that holds the environments; default: the profile's envs root."),
        click.option("--backend", type=click.Choice(_BACKENDS), default=None,
                     help="Tool to use; default: the one that made the env."),
        click.option("--no-wait", is_flag=True,
                     help="Fail at once if another labtools process is working on ENV."),
    ]):
        func = option(func)
    return func


@click.command("update")
@click.argument("env_name", metavar="ENV")
@click.argument("specs", nargs=-1)
@click.option("--all", "all_packages", is_flag=True, help="Update every installed package.")
@click.option("--dry-run", is_flag=True, help="Show the plan; change nothing.")
@click.option("-y", "--yes", is_flag=True, help="Apply the plan without asking.")
@click.option("-c", "--channel", "channels", multiple=True, metavar="DIR|URL",
              help="Extra channel to update from (repeatable), before the profile's "
                   "channels and those the env's packages came from.")
@click.option("--no-verify", is_flag=True, help="Skip the import and kernel checks.")
@target_options
@json_option
def update_cmd(env_name: str, specs: tuple[str, ...], all_packages: bool, dry_run: bool,
               yes: bool, channels: tuple[str, ...], no_verify: bool, root: Path | None,
               backend: str | None, no_wait: bool, as_json: bool) -> None:
    """Update ENV (SPECs, or --all) with the tool that made it: snapshot, plan, apply,
    verify, roll back on failure."""
    from labtools.cli.env import waiting
    from labtools.errors import EnvError
    from labtools.lifecycle import update_env

    out, err = console(stderr=as_json), console(stderr=True)
    with _progress(not as_json) as progress:
        result = update_env(env=env_name, specs=specs, all_packages=all_packages,
                            dry_run=dry_run, channels=channels, verify=not no_verify,
                            root=root, progress=progress, confirm=confirm_plan(yes, out, err),
                            backend=backend, wait=not no_wait, on_wait=waiting)

    def render(r: Any) -> None:
        if r.dry_run:
            render_plan(r.plan, out=out, err=err)
            out.print("dry run: nothing changed")
            return
        if r.plan.empty:
            render_plan(r.plan, out=out, err=err)
            return
        if not r.applied:
            out.print("not applied")
            return
        out.print(f"snapshot {r.snapshot.id} saved (labtools env rollback {env_name} "
                  f"--to {r.snapshot.id})")
        out.print(f"verified: imported {len(r.modules_checked)} modules, started "
                  f"{len(r.kernels_checked)} kernel(s)" if r.ok else "verification FAILED:")
        for problem in r.problems:
            out.print(f"  {problem}")
        if r.rolled_back:
            state = "exactly" if r.restored_exactly else "NOT exactly"
            out.print(f"rolled back {state} to snapshot {r.snapshot.id}")

    emit(result, as_json=as_json, render=render)
    if result.problems:
        snap = result.snapshot.id if result.snapshot else "?"
        raise EnvError(f"the update broke {result.prefix.name}: {result.problems[0]}; "
                       f"rolled back to snapshot {snap}",
                       hint="pin the package to a version that works, e.g. NAME<VERSION")


@click.command("rollback")
@click.argument("env_name", metavar="ENV")
@click.option("--to", "to", metavar="SNAPSHOT", help="Snapshot id (default: the newest).")
@target_options
@json_option
def rollback_cmd(env_name: str, to: str | None, root: Path | None, backend: str | None,
                 no_wait: bool, as_json: bool) -> None:
    """Restore ENV exactly to a snapshot (taken before each change), with its own tool."""
    from labtools.cli.env import waiting
    from labtools.envs.listing import resolve_env
    from labtools.envs.update import rollback

    with _progress(not as_json) as progress:
        result = rollback(resolve_env(env_name, root=root), to=to, progress=progress,
                          backend=backend, wait=not no_wait, on_wait=waiting)
    emit(result, as_json=as_json, render=lambda r: console().print(
        f"restored {r.prefix.name} to snapshot {r.snapshot.id} ({len(r.packages)} packages, "
        f"with {r.backend})"))


@click.command("snapshots")
@click.argument("env_name", metavar="ENV")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              help="Folder that holds the environments; default: the profile's envs root.")
@json_option
def snapshots_cmd(env_name: str, root: Path | None, as_json: bool) -> None:
    """List the snapshots of ENV, oldest first."""
    from labtools.envs.listing import resolve_env
    from labtools.envs.snapshots import list_snapshots

    prefix = resolve_env(env_name, root=root)
    if not prefix.is_dir():
        from labtools.errors import EnvError

        raise EnvError(f"no environment at {prefix}", hint="see labtools env list")
    found = list_snapshots(prefix)

    def render(_: object) -> None:
        out = console()
        if not found:
            out.print("no snapshots (labtools env update takes one before each change)")
        for snap in found:
            out.print(f"{snap.id}  {snap.packages:>4} packages  {snap.reason}")

    emit(found, as_json=as_json, render=render)


__all__ = ["rollback_cmd", "snapshots_cmd", "update_cmd"]
