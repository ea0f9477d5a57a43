"""The ``--slurm`` part of ``labtools jupyter remote``: Jupyter in a batch job on a cluster."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack, nullcontext
from typing import Any, TypeVar

import click

from labtools.cli._output import emit, path_arg

F = TypeVar("F", bound=Callable[..., Any])

SLURM_ONLY = ("partition", "time_limit", "cpus", "mem", "gpus", "account", "node_port",
              "port_file", "wait_timeout", "attach", "list_jobs", "background", "cancel")


def slurm_options(func: F) -> F:
    """Add ``--slurm`` and its options to a command."""
    options = [
        click.option("--slurm", is_flag=True,
                     help="Run Jupyter in a Slurm batch job; HOST is the cluster's login node."),
        click.option("--partition", help="[--slurm] Partition (sbatch --partition)."),
        click.option("--time", "time_limit", metavar="TIME",
                     help="[--slurm] Time limit, e.g. 2:00:00 or 90 (sbatch --time)."),
        click.option("--cpus", type=int, help="[--slurm] CPUs (sbatch --cpus-per-task)."),
        click.option("--mem", help="[--slurm] Memory, e.g. 16G (sbatch --mem)."),
        click.option("--gpus", help="[--slurm] GPUs, e.g. 1 or a100:2 (sbatch --gpus)."),
        click.option("--account", help="[--slurm] Account to charge (sbatch --account)."),
        click.option("--node-port", type=int, default=0,
                     help="[--slurm] Port on the compute node (default: a free one)."),
        click.option("--port-file", metavar="PATH",
                     help="[--slurm] File on the cluster where the job writes its node and "
                          "port (default: ~/.labtools/slurm/SESSION/server.json)."),
        click.option("--wait-timeout", type=float, default=300.0, show_default=True,
                     help="[--slurm] Seconds the job may stay pending before it is cancelled."),
        click.option("--attach", metavar="JOBID",
                     help="[--slurm] Connect to a running labtools job instead of submitting."),
        click.option("--list", "list_jobs", is_flag=True,
                     help="[--slurm] List your labtools Jupyter jobs on the cluster."),
        click.option("--background", is_flag=True,
                     help="[--slurm] Leave job and tunnel running and return; stop them "
                          "with --cancel JOBID."),
        click.option("--cancel", metavar="JOBID",
                     help="[--slurm] Cancel a labtools job and close its background tunnel."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def wants_slurm(values: dict[str, Any]) -> bool:
    """Whether ``--slurm`` was given; Slurm options without it are a usage error."""
    if values.get("slurm"):
        return True
    ctx = click.get_current_context()
    for name in SLURM_ONLY:
        source = ctx.get_parameter_source(name)
        if source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP"):
            from labtools.errors import UsageError

            flag = "--" + {"time_limit": "time", "list_jobs": "list"}.get(
                name, name.replace("_", "-"))
            raise UsageError(f"{flag} needs --slurm", hint=f"add --slurm: jupyter remote HOST "
                             f"--slurm {flag} ...")
    return False


def _progress() -> tuple[AbstractContextManager[Any], Callable[[str], None]]:
    """A spinner whose text follows the job, when stderr is a terminal; else silence."""
    if not sys.stderr.isatty():
        return nullcontext(), lambda _m: None
    from labtools.cli._output import console

    status = console(stderr=True).status("connecting")
    return status, lambda message: status.update(message)


def _render_server(s: Any, url_with_token: str) -> None:
    click.echo(f"Jupyter in Slurm job {s.job_id} on node {s.node} ({s.address}:{s.port}), "
               f"partition {s.partition}")
    click.echo(f"open: {url_with_token}")
    click.echo(f"the token is also in {s.token_file} (0600); Ctrl-C cancels the job and "
               "closes the tunnel")


def _render_jobs(found: list[Any]) -> None:
    if not found:
        click.echo("no labtools Jupyter jobs")
        return
    click.echo(f"{'JOBID':>8}  {'STATE':<10} {'NODE':<12} {'PARTITION':<12} {'TIME LIMIT':<11} "
               "REASON / URL")
    for j in found:
        click.echo(f"{j.job_id:>8}  {j.state:<10} {j.nodes or '-':<12} {j.partition:<12} "
                   f"{j.time_limit or '-':<11} {j.url or j.reason}")


def _render_background(s: Any, url_with_token: str) -> None:
    click.echo(f"Jupyter in Slurm job {s.job_id} on node {s.node} ({s.address}:{s.port}), "
               f"partition {s.partition}")
    click.echo(f"open: {url_with_token}")
    click.echo(f"job and tunnel {s.tunnel_id} keep running; stop both: labtools jupyter remote "
               f"{s.host} --slurm --cancel {s.job_id}")


def _sandbox_root() -> bool:
    """The handbook sandbox runs as root and says so; nowhere else may a job run as root."""
    env = os.environ
    return env.get("LABTOOLS_SANDBOX") == "1" and env.get("LABTOOLS_SANDBOX_ALLOW_ROOT") == "1"


def _job_id(option: str, value: str) -> str:
    if not str(value).isdigit():
        from labtools.errors import UsageError

        raise UsageError(f"bad {option} {value!r}", hint=f"pass a job id, e.g. {option} 1234")
    return str(value)


def run_slurm(host: str, *, as_json: bool, env: str | None, python: str | None,
              local_port: int, ssh_port: int | None, identity: str | None, jump: str | None,
              ssh_config: str | None, timeout: float, allow_root: bool,
              **slurm: Any) -> None:
    """``jupyter remote HOST --slurm ...``: submit (or attach), serve until Ctrl-C, cancel."""
    from labtools.errors import SlurmError, UsageError
    from labtools.slurm.request import JobRequest
    from labtools.slurm.session import signals_as_interrupt, slurm_jupyter
    from labtools.sshconfig import SshTarget
    from labtools.tunnel import with_home_config

    key = path_arg(identity) if identity else None
    config = path_arg(ssh_config) if ssh_config else None
    target = with_home_config(SshTarget(host, port=ssh_port, identity=key, jump=jump,
                                        config=config))
    spinner, say = _progress()
    if slurm["list_jobs"]:
        _list(target, as_json)
        return
    if slurm["cancel"] is not None:
        from labtools.slurm.background import cancel_job

        job_id = _job_id("--cancel", slurm["cancel"])
        with signals_as_interrupt(), spinner:
            done = cancel_job(target, job_id, progress=say)
        emit(done, as_json=as_json, render=lambda d: click.echo(
            f"cancelled job {d.job_id} on {d.host}"
            + ("; closed its tunnel" if d.tunnel_closed else "")))
        return
    request = JobRequest(partition=slurm["partition"], time=slurm["time_limit"],
                         cpus=slurm["cpus"], mem=slurm["mem"], gpus=slurm["gpus"],
                         account=slurm["account"], env=env, python=python,
                         node_port=slurm["node_port"], port_file=slurm["port_file"],
                         allow_root=allow_root or _sandbox_root())
    attach = None if slurm["attach"] is None else _job_id("--attach", slurm["attach"])
    source = click.get_current_context().get_parameter_source("timeout")
    if source is None or source.name == "DEFAULT":
        timeout = max(timeout, 120.0)  # a cold environment on a shared filesystem is slow
    if slurm["background"]:
        if attach is not None:
            raise UsageError("--background starts a new job; --attach connects to one",
                             hint="pass one of them")
        from labtools.slurm.background import start_background

        with signals_as_interrupt(), spinner:
            server, url = start_background(target, request, local_port=local_port,
                                           wait_timeout=slurm["wait_timeout"],
                                           timeout=timeout, progress=say)
        emit(server, as_json=as_json, render=lambda s: _render_background(s, url))
        return
    serving = False
    with signals_as_interrupt():
        try:
            with ExitStack() as stack:
                with spinner:
                    live = stack.enter_context(slurm_jupyter(
                        host, request, attach=attach, local_port=local_port,
                        wait_timeout=slurm["wait_timeout"], timeout=timeout, progress=say,
                        port=ssh_port, identity=key, jump=jump, ssh_config=config))
                emit(live.server, as_json=as_json,
                     render=lambda s: _render_server(s, live.url_with_token))
                sys.stdout.flush()
                serving = True
                reason = live.wait_closed()
                raise SlurmError(reason or "the session ended", hint=(
                    f"the job's log is kept: ~/.labtools/slurm/job-{live.server.job_id}.log "
                    f"on {host}"))
        except KeyboardInterrupt:
            if not serving:
                raise
            click.echo("cancelled the job and closed the tunnel", err=True)


def _list(target: Any, as_json: bool) -> None:
    from labtools.slurm.background import listed
    from labtools.slurm.jobs import list_jobs
    from labtools.slurm.login import LoginNode

    with LoginNode(target) as login:
        found = listed(target.host, list_jobs(login))
    emit(found, as_json=as_json, render=_render_jobs)
