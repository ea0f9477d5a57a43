"""Jupyter in a Slurm job that outlives the command: ``--background`` and ``--cancel``.

``start_background`` does what :func:`~labtools.slurm.session.slurm_jupyter` does, but
hands the tunnel to a background ssh (``labtools tunnel list`` shows it) and leaves the job
running; a small record (no secret: the token stays in its 0600 file) ties job, tunnel and
token file together, so ``cancel_job`` can scancel the job and close the rest.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labtools.errors import LabtoolsError, SlurmError
from labtools.slurm import jobs
from labtools.slurm.jobs import Progress
from labtools.slurm.login import LoginNode
from labtools.slurm.request import JobRequest
from labtools.slurm.session import SlurmJupyter, ready_job, token_file_for, token_path
from labtools.slurm.state import JobInfo
from labtools.sshconfig import SshTarget
from labtools.tunnel import close_tunnels, list_tunnels, start_tunnel, state_dir


@dataclass(frozen=True)
class ListedJob(JobInfo):
    """A labtools job as ``--list`` shows it; url and token_file for this machine's
    background sessions whose tunnel still runs."""

    url: str | None = None
    token_file: str | None = None


@dataclass(frozen=True)
class Cancelled:
    host: str
    job_id: str
    state: str  # what squeue said last ("" once the job is gone)
    tunnel_closed: bool


def records_dir() -> Path:
    path = state_dir().parent / "slurm"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _record_path(host: str, job_id: str) -> Path:
    return records_dir() / f"{re.sub(r'[^A-Za-z0-9._-]', '_', host)}-{int(job_id)}.json"


def read_record(host: str, job_id: str) -> dict[str, Any] | None:
    """The local record of a background session, or None."""
    try:
        data = json.loads(_record_path(host, job_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def listed(host: str, jobs_found: list[JobInfo]) -> list[ListedJob]:
    """*jobs_found* with the URL and token file of this machine's background sessions."""
    alive = {t.id for t in list_tunnels()}
    out = []
    for job in jobs_found:
        record = read_record(host, job.job_id)
        local = record is not None and record.get("tunnel_id") in alive
        out.append(ListedJob(**dataclasses.asdict(job),
                             url=str(record["url"]) if local and record else None,
                             token_file=str(record.get("token_file")) if local and record
                             else None))
    return out


def start_background(target: SshTarget, request: JobRequest, *, local_port: int = 0,
                     wait_timeout: float = 300.0, timeout: float = 120.0,
                     progress: Progress) -> tuple[SlurmJupyter, str]:
    """Start the job and a background tunnel; (the server, its URL with the token)."""
    host = target.host
    with ready_job(target, request, attach=None, wait_timeout=wait_timeout, timeout=timeout,
                   progress=progress) as job:
        tunnel = start_tunnel(host, forwards=[job.forward(local_port)], port=target.port,
                              user=target.user, identity=target.identity, jump=target.jump,
                              ssh_config=target.config, wait_http="/api", timeout=timeout)
        try:
            local = tunnel.forwards[0].local_port
            job.check(local)
            token_file = token_file_for(job.job_id, job.token)
            server = job.server(host, local, token_file, timed=True, tunnel_id=tunnel.id)
            path = _record_path(host, job.job_id)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"host": host, "job_id": job.job_id, "url": server.url,
                                       "tunnel_id": tunnel.id,
                                       "token_file": str(token_file),
                                       "session": job.session}), encoding="utf-8")
            tmp.replace(path)
        except BaseException:
            close_tunnels([tunnel.id])
            token_path(job.job_id).unlink(missing_ok=True)
            raise
        job.keep = True
        return server, f"{server.url}?token={job.token}"


def cancel_job(target: SshTarget, job_id: str, *, progress: Progress) -> Cancelled:
    """scancel a labtools job, wait until it is gone, close its background tunnel."""
    host = target.host
    with LoginNode(target) as login:
        session, job = jobs.identify(login, job_id)
        state = jobs.cancel(login, job_id, session, progress=progress)
        if job.active and state:
            raise SlurmError(f"job {job_id} is still {state} after scancel",
                             hint=f"check `squeue -j {job_id}` on {host}")
    record = read_record(host, job_id)
    closed = False
    if record is not None:
        tunnel_id = str(record.get("tunnel_id", ""))
        with contextlib.suppress(LabtoolsError):
            closed = bool(close_tunnels([tunnel_id])) if tunnel_id in {
                t.id for t in list_tunnels()} else False
        Path(str(record.get("token_file", ""))).unlink(missing_ok=True)
        _record_path(host, job_id).unlink(missing_ok=True)
    return Cancelled(host=host, job_id=job_id, state=state, tunnel_closed=closed)
