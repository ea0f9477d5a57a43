"""Conversations with the login node about one job: submit, wait, attach, cancel, list."""

from __future__ import annotations

import contextlib
import json
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from labtools import process
from labtools.errors import LabtoolsError, SlurmError
from labtools.secret_registry import register_secret
from labtools.slurm.login import LoginNode
from labtools.slurm.request import JOB_PREFIX, JobRequest, session_of
from labtools.slurm.script import (
    cancel_script,
    list_script,
    poll_script,
    read_session_script,
    sections,
    show_job_script,
    submit_script,
)
from labtools.slurm.state import (
    JobInfo,
    job_from_scontrol,
    labtools_jobs,
    parse_parsable,
    parse_squeue_json,
    sbatch_message,
)

Progress = Callable[[str], None]
LOG_LINES = 20


@dataclass(frozen=True)
class NodeReport:
    """What the job wrote to its port file."""

    state: str
    node: str
    address: str
    port: int
    error: str = ""


def _quiet(_message: str) -> None:
    pass


def submit(login: LoginNode, req: JobRequest, *, session: str, token: str,
           startup_timeout: float) -> str:
    """Write the session folder and submit the job; its id (refusals raise, with why)."""
    out = sections(login.run(submit_script(req, session=session, token=token,
                                           startup_timeout=startup_timeout), timeout=120))
    if "submitted" in out:
        return parse_parsable(out["submitted"].text)
    error = out.get("error")
    host = login.host
    if error is None:
        raise SlurmError(f"submitting on {host} gave no answer",
                         hint="check that bash and sbatch work there: ssh HOST sbatch --version")
    what, detail = (error.args[0] if error.args else ""), error.text.strip()
    if what == "sbatch":
        raise SlurmError(f"Slurm on {host} refused the job: {sbatch_message(detail)}",
                         hint="check --partition, --account, --time, --cpus, --mem, --gpus "
                              "against `sinfo -s` and `sacctmgr show assoc user=$USER` there")
    if what == "env-missing":
        raise SlurmError(f"environment {req.env!r} not found on {host}",
                         hint=f"create it there (with jupyter_server), or pass its path: "
                              f"--env /path/to/env{_searched(detail)}")
    if what == "no-jupyter":
        raise SlurmError(f"{detail} on {host} has no jupyter_server",
                         hint="install it into that environment: conda install jupyter_server "
                              "ipykernel")
    if what == "no-python":
        raise SlurmError(f"no Python to run Jupyter on {host} ({detail or 'python3 not found'})",
                         hint="pass --env NAME (an environment with jupyter_server) or "
                              "--python PATH")
    if what == "no-sbatch":
        raise SlurmError(f"sbatch is not on PATH on {host}",
                         hint="is it a Slurm login node? (a module may be needed: `module load "
                              "slurm` in ~/.bash_profile)")
    raise SlurmError(f"preparing the job on {host} failed ({what})",
                     hint="check that your home directory there is writable")


def _searched(detail: str) -> str:
    dirs = [d for d in detail.split() if d]
    return f"; looked in {', '.join(dirs[:4])}" + (", ..." if len(dirs) > 4 else "") if dirs else ""


def _job(out: dict[str, Any], job_id: str) -> JobInfo | None:
    section = out.get("job")
    if section is None or (section.args and section.args[0] != "0"):
        return None
    job = job_from_scontrol(section.text)
    return job if job.job_id == str(job_id) else None


def _report(out: dict[str, Any], job_id: str) -> NodeReport | None:
    section = out.get("port")
    if section is None or not section.text.strip():
        return None
    try:
        data = json.loads(section.text)
    except ValueError:
        return None  # being replaced right now: read it again next time
    if not isinstance(data, dict) or str(data.get("job_id")) != str(job_id):
        return None
    try:
        return NodeReport(state=str(data.get("state", "")), node=str(data.get("node", "")),
                          address=str(data.get("address", "")), port=int(data.get("port") or 0),
                          error=str(data.get("error", "")))
    except (TypeError, ValueError):
        return None


def log_tail(login: LoginNode, job_id: str, session: str) -> str:
    """The last lines of the job's log, secrets masked, as one line."""
    with contextlib.suppress(LabtoolsError):
        out = sections(login.run(poll_script(job_id, session, log_lines=LOG_LINES)))
        if "log" in out:
            return process.tail(out["log"].text, lines=3)
    return ""


@dataclass(frozen=True)
class Ready:
    job: JobInfo
    report: NodeReport
    running_at: float  # monotonic times, for the timings
    ready_at: float


def wait_ready(login: LoginNode, job_id: str, session: str, *, wait_timeout: float,
               timeout: float, progress: Progress = _quiet) -> Ready:
    """Poll until the job runs and its Jupyter answers; every way it cannot is one error."""
    start = time.monotonic()
    running_at: float | None = None
    shown = ""
    pause = 0.1
    while True:
        out = sections(login.run(poll_script(job_id, session)))
        now = time.monotonic()
        job = _job(out, job_id)
        if job is None:
            raise SlurmError(f"job {job_id} is no longer known to Slurm on {login.host}",
                             hint="it may have been purged; start a new one")
        report = _report(out, job_id)
        if report is not None and report.state == "failed":
            raise SlurmError(f"job {job_id} on {report.node or job.nodes}: {report.error}")
        if job.pending:
            hopeless = job.hopeless_reason()
            if hopeless:
                raise SlurmError(f"job {job_id} can never start: Slurm says {job.reason} "
                                 f"({hopeless})",
                                 hint=f"change the request; `sinfo -s` on {login.host} lists "
                                      "the partitions and their limits")
            if now - start > wait_timeout:
                raise SlurmError(f"job {job_id} still pending after {wait_timeout:g} s "
                                 f"(Slurm's reason: {job.reason})",
                                 hint="raise --wait-timeout, or ask for less (--cpus, --mem, "
                                      "--gpus, --time) or another --partition")
            if shown != f"pending {job.reason}":
                shown = f"pending {job.reason}"
                progress(f"job {job_id} is pending ({job.reason})")
            pause = min(pause * 1.5, 2.0)
        elif job.running:
            if running_at is None:
                running_at = now
                progress(f"job {job_id} is running on {job.nodes}; starting Jupyter there")
            if report is not None and report.state == "ready" and report.port:
                return Ready(job=job, report=report, running_at=running_at, ready_at=now)
            if now - running_at > timeout:
                raise SlurmError(f"Jupyter in job {job_id} did not answer within {timeout:g} s",
                                 hint="raise --timeout; the job's log may say why: "
                                      f"{log_tail(login, job_id, session) or 'empty'}")
            pause = 0.1
        elif job.active:  # COMPLETING, SUSPENDED, ...: bounded like everything else
            if now - start > wait_timeout + timeout:
                raise SlurmError(f"job {job_id} is {job.state} after {now - start:.0f} s",
                                 hint=f"see `scontrol show job {job_id}` on {login.host}")
        else:
            tail = log_tail(login, job_id, session)
            raise SlurmError(f"job {job_id} {job.ended_phrase()} before Jupyter answered"
                             + (f"; its log ends: {tail}" if tail else ""),
                             hint="fix what the log says and start again")
        time.sleep(pause)


def job_state(login: LoginNode, job_id: str) -> JobInfo | None:
    out = sections(login.run(show_job_script(job_id)))
    return _job(out, job_id)


def identify(login: LoginNode, job_id: str) -> tuple[str, JobInfo]:
    """(session, job) of one of this user's labtools jobs, ended or not."""
    out = sections(login.run(show_job_script(job_id)))
    job = _job(out, job_id)
    if job is None:
        raise SlurmError(f"no job {job_id} on {login.host}",
                         hint="see `labtools jupyter remote HOST --slurm --list`")
    session = session_of(job.name)
    user = out["user"].text.strip() if "user" in out else ""
    if session is None or (user and job.user and job.user != user):
        raise SlurmError(f"job {job_id} is not one of your labtools Jupyter jobs "
                         f"(name {job.name!r}, user {job.user})",
                         hint="see `labtools jupyter remote HOST --slurm --list`; other jobs "
                              "are scancel's business")
    return session, job


def attach(login: LoginNode, job_id: str) -> tuple[str, str, JobInfo]:
    """(session, token, job) of a running labtools job of this user."""
    session, job = identify(login, job_id)
    if not job.active:
        raise SlurmError(f"job {job_id} {job.ended_phrase()}", hint="start a new one")
    files = sections(login.run(read_session_script(session)))
    try:
        token = str(json.loads(files["config"].text)["IdentityProvider"]["token"])
    except (KeyError, ValueError, TypeError):
        raise SlurmError(f"the session folder of job {job_id} is missing on {login.host}",
                         hint=f"cancel the job (scancel {job_id}) and start a new one") from None
    return session, register_secret(token), job


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """Ignore Ctrl-C, SIGTERM and SIGHUP while cleaning up (bounded by timeouts)."""
    sigs = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    try:
        saved = {s: signal.signal(s, signal.SIG_IGN) for s in sigs}
    except ValueError:  # not the main thread: nothing to shield
        yield
        return
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def cancel(login: LoginNode, job_id: str | None, session: str, *, keep_log: bool = False,
           progress: Progress = _quiet) -> str:
    """scancel the job, wait until its processes are gone, remove the session folder."""
    progress(f"cancelling job {job_id}" if job_id else "cancelling the job")
    with shielded():
        out = sections(login.run(cancel_script(job_id, session, keep_log=keep_log),
                                 timeout=60))
    state = out["state"].text.strip() if "state" in out else ""
    return state


def list_jobs(login: LoginNode) -> list[JobInfo]:
    """The user's active labtools Jupyter jobs."""
    out = sections(login.run(list_script()))
    user = out["user"].text.strip() if "user" in out else ""
    if "squeue-json" in out:
        jobs = parse_squeue_json(out["squeue-json"].text)
    else:
        jobs = [_text_job(line) for line in out.get("squeue-text", _EMPTY).text.splitlines()
                if line.count("|") >= 8]
    return labtools_jobs(jobs, user, JOB_PREFIX)


def _text_job(line: str) -> JobInfo:
    i, name, state, reason, nodes, part, user, limit, used = line.split("|")[:9]
    return JobInfo(job_id=i, name=name, state=state, reason=reason, nodes=nodes,
                   batch_host=nodes, partition=part, user=user, time_limit=limit, run_time=used)


class _Empty:
    text = ""


_EMPTY: Any = _Empty()
