"""Jupyter in a Slurm job, tunnelled to the laptop: one context manager.

``slurm_jupyter(host, request)`` submits the job over one ssh connection to the login node,
waits until it runs and its Jupyter answers (``scontrol show job``, then the port file the
job writes: node, address and port), opens the tunnel laptop -> login node -> compute node
(``ssh -L 127.0.0.1:L:ADDRESS:PORT login``), checks ``/api/status`` with the token through
it, and yields. Leaving the block, by any path, cancels the job (scancel) and waits until
its processes are gone; a failure keeps the job's log on the cluster and says where.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import secrets
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from labtools.errors import LabtoolsError, SlurmError
from labtools.secret_registry import register_secret
from labtools.slurm import jobs
from labtools.slurm.jobs import Progress
from labtools.slurm.login import LoginNode
from labtools.slurm.request import JobRequest, job_name
from labtools.slurm.script import SESSIONS
from labtools.slurm.state import JobInfo
from labtools.sshconfig import Forward, SshTarget
from labtools.tunnel import LiveTunnel, open_tunnel, runtime_dir, ssh_target

JOB_POLL = 5.0  # seconds between job-state checks while the session runs
log = logging.getLogger("labtools.slurm")


@dataclass(frozen=True)
class Timings:
    """Where the seconds from "submit" to "working URL" went (laptop clock)."""

    connect_s: float  # ssh to the login node
    sbatch_s: float  # check the env, write the session folder, sbatch
    scheduling_s: float  # submitted -> RUNNING
    server_start_s: float  # RUNNING -> Jupyter answers on the node
    tunnel_s: float  # tunnel up and /api/status answering through it
    total_s: float


@dataclass(frozen=True)
class SlurmJupyter:
    """A Jupyter server in job *job_id*, at *url* on this machine (the token is not in it)."""

    host: str
    job_id: str
    node: str
    address: str
    port: int
    url: str
    token_file: Path
    partition: str
    session: str
    timings: Timings | None = None
    tunnel_id: str | None = None  # a background tunnel (`labtools tunnel list`)


def _status(port: int, token: str | None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Authorization": f"token {token}"} if token else {}
        conn.request("GET", "/api/status", headers=headers)
        return conn.getresponse().status
    except (OSError, http.client.HTTPException):
        return -1
    finally:
        conn.close()


def token_path(job_id: str) -> Path:
    return runtime_dir() / f"slurm-{job_id}.token"


def token_file_for(job_id: str, token: str) -> Path:
    """Write the token to a 0600 file of this user's runtime folder."""
    path = token_path(job_id)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(token + "\n")
    return path


class LiveSlurmJupyter:
    """What :func:`slurm_jupyter` yields."""

    def __init__(self, server: SlurmJupyter, token: str, tunnel: LiveTunnel,
                 login: LoginNode) -> None:
        self.server = server
        self.tunnel = tunnel
        self._token = token
        self._login = login

    @property
    def url_with_token(self) -> str:
        """The URL to open in a browser (contains the secret token: print, never log)."""
        return f"{self.server.url}?token={self._token}"

    def job(self) -> JobInfo | None:
        return jobs.job_state(self._login, self.server.job_id)

    def wait_closed(self, timeout: float | None = None, poll: float = JOB_POLL) -> str | None:
        """Block until the job ends, the tunnel drops or the connection is lost; say which
        (None: still up after *timeout*)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        next_poll = time.monotonic() + poll
        s = self.server
        while True:
            if not self.tunnel.alive():
                return self.tunnel.wait_closed(0)
            if not self._login.alive():
                return f"lost the connection to {s.host}"
            if time.monotonic() >= next_poll:
                job = self.job()
                if job is None or not job.running:
                    tail = jobs.log_tail(self._login, s.job_id, s.session)
                    what = job.ended_phrase() if job is not None else "is gone"
                    return (f"job {s.job_id} {what}"
                            + (f"; its log ends: {tail}" if tail else ""))
                next_poll = time.monotonic() + poll
            if deadline is not None and time.monotonic() > deadline:
                return None
            time.sleep(0.2)


@dataclass
class Started:
    """A job whose Jupyter answers on its node (what :func:`ready_job` yields)."""

    login: LoginNode
    job_id: str
    session: str
    token: str
    ready: jobs.Ready
    t0: float
    t_connected: float
    t_submitted: float
    keep: bool = False  # set to leave the job running on exit (background mode)

    def forward(self, local_port: int = 0) -> Forward:
        rep = self.ready.report
        remote = f"[{rep.address}]" if ":" in rep.address else rep.address
        return Forward(local_port, remote, rep.port)

    def check(self, local_port: int) -> None:
        code = _status(local_port, self.token)
        if code != 200:
            raise SlurmError(f"Jupyter in job {self.job_id} answered {code} to labtools's token "
                             "through the tunnel", hint="another server may hold that port")

    def server(self, host: str, local_port: int, token_file: Path, *, timed: bool,
               tunnel_id: str | None = None) -> SlurmJupyter:
        t_ready = time.monotonic()
        ready, rep = self.ready, self.ready.report
        timings = Timings(
            connect_s=self.t_connected - self.t0, sbatch_s=self.t_submitted - self.t_connected,
            scheduling_s=ready.running_at - self.t_submitted,
            server_start_s=ready.ready_at - ready.running_at,
            tunnel_s=t_ready - ready.ready_at, total_s=t_ready - self.t0)
        return SlurmJupyter(host=host, job_id=self.job_id, node=rep.node or ready.job.nodes,
                            address=rep.address, port=rep.port,
                            url=f"http://127.0.0.1:{local_port}/", token_file=token_file,
                            partition=ready.job.partition, session=self.session,
                            timings=timings if timed else None, tunnel_id=tunnel_id)


@contextlib.contextmanager
def ready_job(target: SshTarget, request: JobRequest, *, attach: str | None,
              wait_timeout: float, timeout: float, progress: Progress) -> Iterator[Started]:
    """Connect, submit (or attach), wait until Jupyter answers on the node; on exit cancel
    the job (keeping its log after a failure) unless the caller set ``keep``."""
    say = progress
    t0 = time.monotonic()
    with LoginNode(target) as login:
        t_connected = time.monotonic()
        job_id: str | None = None
        session = ""
        submitted = False  # from the moment sbatch may have run
        failed = False
        started: Started | None = None
        try:
            if attach is not None:
                session, token, _job = jobs.attach(login, attach)
                job_id = attach
            else:
                session = secrets.token_hex(8)
                token = register_secret(secrets.token_hex(24))
                submitted = True
                try:
                    job_id = jobs.submit(login, request, session=session, token=token,
                                         startup_timeout=timeout)
                except SlurmError:
                    submitted = False  # refused: nothing was queued, the folder is gone
                    raise
                say(f"submitted job {job_id} on {target.host}")
            t_submitted = time.monotonic()
            submitted = True
            ready = jobs.wait_ready(login, job_id, session, wait_timeout=wait_timeout,
                                    timeout=timeout, progress=say)
            started = Started(login=login, job_id=job_id, session=session, token=token,
                              ready=ready, t0=t0, t_connected=t_connected,
                              t_submitted=t_submitted)
            yield started
        except LabtoolsError:
            failed = True
            raise
        finally:
            if submitted and not (started is not None and started.keep):
                _cleanup(login, job_id, session, failed=failed, say=say)


@contextlib.contextmanager
def slurm_jupyter(
    host: str,
    request: JobRequest | None = None,
    *,
    attach: str | None = None,
    local_port: int = 0,
    port: int | None = None,
    user: str | None = None,
    identity: Path | None = None,
    jump: str | None = None,
    ssh_config: Path | None = None,
    wait_timeout: float = 300.0,
    timeout: float = 120.0,
    progress: Progress | None = None,
) -> Iterator[LiveSlurmJupyter]:
    """Run Jupyter in a Slurm job on *host*'s cluster (or *attach* to one), tunnel to it,
    cancel the job on exit."""
    target = ssh_target(host, port=port, user=user, identity=identity, jump=jump,
                        ssh_config=ssh_config)
    with ready_job(target, request or JobRequest(), attach=attach, wait_timeout=wait_timeout,
                   timeout=timeout, progress=progress or _quiet) as job, \
            open_tunnel(host, forwards=[job.forward(local_port)], port=port, user=user,
                        identity=identity, jump=jump, ssh_config=target.config,
                        wait_http="/api", timeout=timeout) as tun:
        local = tun.forwards[0].local_port
        job.check(local)
        token_file = token_file_for(job.job_id, job.token)
        try:
            server = job.server(host, local, token_file, timed=attach is None)
            yield LiveSlurmJupyter(server, job.token, tun, job.login)
        finally:
            token_file.unlink(missing_ok=True)


def _quiet(_message: str) -> None:
    pass


def _cleanup(login: LoginNode, job_id: str | None, session: str, *, failed: bool,
             say: Progress) -> None:
    try:
        jobs.cancel(login, job_id, session, keep_log=failed, progress=say)
    except LabtoolsError as exc:  # never hide the error that brought us here; say this too
        log.warning("could not cancel job %s: %s; cancel it on the login node: scancel %s",
                    job_id or "(no id)", exc.one_line(), job_id or f"--name={job_name(session)}")
        return
    if failed and job_id is not None:
        say(f"the job's log is kept on the cluster: ~/{SESSIONS}/job-{job_id}.log")


@contextlib.contextmanager
def signals_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into KeyboardInterrupt, so they clean up like Ctrl-C."""

    def interrupt(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    sigs = (signal.SIGTERM, signal.SIGHUP)
    try:
        saved = {s: signal.signal(s, interrupt) for s in sigs}
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
