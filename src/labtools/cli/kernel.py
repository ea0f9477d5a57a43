"""``labtools kernel``: register, list, check, verify and remove Jupyter kernels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from labtools.cli._output import console, emit, json_option
from labtools.cli._params import KERNEL, SECONDS


@click.group()
def kernel() -> None:
    """Register environments as Jupyter kernels and prove which Python they run."""


@kernel.command("register")
@click.argument("env")
@click.option("--name", type=KERNEL, help="Kernel name (default: the environment's name).")
@click.option("--display-name", help="Name shown in Jupyter (default: 'Python X.Y (ENV)').")
@click.option("--user", is_flag=True, help="Install for the current user (the default).")
@click.option("--sys-prefix", is_flag=True, help="Install into the running Python's prefix.")
@click.option("--prefix", type=click.Path(path_type=Path), help="Install under P/share/jupyter.")
@click.option("--install-ipykernel", is_flag=True, help="Install ipykernel into ENV if missing.")
@json_option
def register_cmd(env: str, name: str | None, display_name: str | None, user: bool,
                 sys_prefix: bool, prefix: Path | None, install_ipykernel: bool,
                 as_json: bool) -> None:
    """Register ENV (an env name, a conda prefix or a venv) as a Jupyter kernel."""
    from labtools.kernels.register import register_kernel

    result = register_kernel(env, name=name, display_name=display_name, user=user,
                             sys_prefix=sys_prefix, prefix=prefix,
                             install_ipykernel=install_ipykernel)

    def render(r: Any) -> None:
        verb = "replaced" if r.replaced else "registered"
        click.echo(f"{verb} kernel {r.name!r} ({r.display_name}) in {r.resource_dir}")
        click.echo(f"  runs {r.python} (Python {r.python_version})")
        if not r.on_jupyter_path:
            click.echo(f"note: {r.resource_dir.parent} is not on the Jupyter path; set "
                       f"JUPYTER_PATH={r.resource_dir.parent.parent} to find it", err=True)

    emit(result, as_json=as_json, render=render)


@kernel.command("list")
@json_option
def list_cmd(as_json: bool) -> None:
    """List every kernelspec on the Jupyter paths, its environment and shadowed names."""
    from labtools.kernels.registry import list_kernels

    listing = list_kernels()

    def render(r: Any) -> None:
        from rich.table import Table

        table = Table("name", "display name", "status")
        table.add_column("python", overflow="fold")
        table.add_column("environment", overflow="fold")
        for e in r.kernels:
            if e.error:
                status = "[red]malformed[/red]"
            elif not e.active:
                status = f"[yellow]shadowed by {e.shadowed_by}[/yellow]"
            elif e.env_exists is False:
                status = "[red]env missing[/red]"
            else:
                status = "ok"
            table.add_row(e.name, e.display_name or "-", status, e.python or "-",
                          e.env_prefix or "-")
        console().print(table)

    emit(listing, as_json=as_json, render=render)


@kernel.command("check")
@click.argument("names", nargs=-1, type=KERNEL)
@click.option("--notebook", "notebooks", multiple=True, type=click.Path(path_type=Path),
              help="Also check that this notebook's kernel exists and matches (repeatable).")
@click.option("--timeout", type=SECONDS, default=60.0, show_default=True,
              help="Seconds each kernel has to start, answer and run one statement.")
@json_option
@click.pass_context
def check_cmd(ctx: click.Context, names: tuple[str, ...], notebooks: tuple[Path, ...],
              timeout: float, as_json: bool) -> None:
    """Start each kernel, run one statement in it, shut it down; exit 1 on any problem.

    Also finds malformed, orphaned and shadowed kernelspecs, and notebooks whose kernel
    is missing or runs another Python than the one they were saved with.
    """
    from labtools.kernels.check import check_kernels

    report = check_kernels(names, notebooks=notebooks, timeout=timeout)

    def render(r: Any) -> None:
        for p in r.problems:
            where = f"{p.notebook}: " if p.notebook else ""
            click.echo(f"{p.code}: {where}{p.message} -> fix: {p.fix}")
        if r.ok:
            click.echo(f"ok: {len(r.kernels)} kernel(s), {len(r.notebooks)} notebook(s)")

    emit({"ok": report.ok, **_fields(report)}, as_json=as_json, render=lambda _: render(report))
    if not report.ok:
        ctx.exit(1)


@kernel.command("verify")
@click.argument("name", type=KERNEL)
@click.option("--expect-prefix", metavar="P", help="Fail unless the kernel runs in P.")
@click.option("--timeout", type=SECONDS, default=60.0, show_default=True,
              help="Seconds the kernel has to start and answer.")
@json_option
@click.pass_context
def verify_cmd(ctx: click.Context, name: str, expect_prefix: str | None, timeout: float,
               as_json: bool) -> None:
    """Start kernel NAME, run code in it and report the interpreter it really runs."""
    from labtools.kernels.verify import verify_kernel

    result = verify_kernel(name, expect_prefix=expect_prefix, timeout=timeout)

    def render(r: Any) -> None:
        click.echo(f"kernel {r.name!r} runs Python {r.version}")
        click.echo(f"  sys.executable {r.executable}")
        click.echo(f"  sys.prefix     {r.prefix}")

    emit(result, as_json=as_json, render=render)
    if result.matches is False:
        click.echo(f"labtools: error: kernel {name!r} runs in {result.prefix}, not in "
                   f"{result.expected_prefix} (re-register it: labtools kernel register "
                   f"{result.expected_prefix} --name {name})", err=True)
        ctx.exit(1)


@kernel.command("remove")
@click.argument("name", type=KERNEL)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
def remove_cmd(name: str, yes: bool, as_json: bool) -> None:
    """Remove kernel NAME (the definition Jupyter uses)."""
    from labtools.kernels.registry import get_kernel, remove_kernel

    if not yes:
        entry = get_kernel(name)
        click.confirm(f"Remove kernel {name!r} at {entry.resource_dir}?", abort=True)
    result = remove_kernel(name)

    def render(r: Any) -> None:
        click.echo(f"removed kernel {r.name!r} from {r.resource_dir}")
        if r.now_active:
            click.echo(f"note: {r.name!r} now resolves to {r.now_active}", err=True)

    emit(result, as_json=as_json, render=render)


def _fields(obj: Any) -> dict[str, Any]:
    import dataclasses

    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
