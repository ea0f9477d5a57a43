"""``labtools doctor``: name what is wrong with the Pythons, kernels and GPU here, and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from labtools.cli._output import console, emit, json_option

_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}


@click.command("doctor")
@click.option("--env", "env_name", metavar="NAME|PATH",
              help="Examine this env (default: $CONDA_PREFIX, else the shell's python).")
@click.option("--notebook", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Also check the kernel this notebook names (starts it).")
@click.option("--no-kernels", is_flag=True, help="Skip the kernelspec checks (faster).")
@click.option("--no-tools", is_flag=True,
              help="Do not ask conda, mamba and micromamba about themselves (faster).")
@json_option
@click.pass_context
def doctor(ctx: click.Context, env_name: str | None, notebook: Path | None, no_kernels: bool,
           no_tools: bool, as_json: bool) -> None:
    """Find why code works in one place and not another; exit 1 when something is wrong."""
    from labtools.doctor import run_doctor

    if notebook is not None:  # a notebook that cannot be read is bad input, found first
        from labtools.kernels.check import read_notebook_metadata

        read_notebook_metadata(notebook)
    report = run_doctor(env=env_name, notebook=notebook, kernels=not no_kernels,
                        tools=not no_tools)

    def render(r: Any) -> None:
        out = console()
        py = r.facts.interpreters
        out.print(f"shell python   {py.shell_python or '-'}")
        out.print(f"$CONDA_PREFIX  {py.conda_prefix or '-'}")
        out.print(f"sys.prefix     {py.sys_prefix}")
        if r.facts.notebook is not None and r.facts.notebook.kernel:
            nb = r.facts.notebook
            out.print(f"notebook       {nb.notebook} -> kernel {nb.kernel!r} in "
                      f"{nb.prefix or '(does not start)'}")
        out.print(f"examined env   {py.target or '-'} (from {py.target_source})")
        for tool in r.facts.tools:
            solver = f", solver {tool.solver}" if tool.solver else ""
            state = f" ({tool.error})" if tool.error else ""
            out.print(f"tool           {tool.name} {tool.version or '?'}{solver}{state}")
        for f in r.findings:
            style = _STYLE[f.severity]
            out.print(f"[{style}]{f.severity:<7}[/{style}] {f.code}: {f.message}")
            if f.fix != "nothing to do":
                out.print(f"        fix: {f.fix}")
        bad = sum(f.severity != "info" for f in r.findings)
        out.print("all good" if r.ok else f"{bad} problem(s) found")

    emit(report, as_json=as_json, render=render)
    if not report.ok:
        ctx.exit(1)
