"""What a user asks Slurm for, checked before anything reaches the cluster (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from labtools.errors import UsageError

JOB_PREFIX = "labtools-jupyter-"
_NAME = re.compile(r"^[A-Za-z0-9_.+-]+$")
# Slurm's --time forms: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S; or UNLIMITED / INFINITE
_TIME = re.compile(r"^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+(:\d{1,2}){0,2})$")
_MEM = re.compile(r"^\d+[KMGT]?$", re.I)
_GPUS = re.compile(r"^([A-Za-z0-9_.-]+:)?\d+$")
_ENV = re.compile(r"^[^\s'\"`$\\;&|<>]+$")


@dataclass(frozen=True)
class JobRequest:
    """The resources and the environment of a Jupyter job."""

    partition: str | None = None
    time: str | None = None
    cpus: int | None = None
    mem: str | None = None
    gpus: str | None = None
    account: str | None = None
    env: str | None = None
    python: str | None = None
    node_port: int = 0
    port_file: str | None = None
    allow_root: bool = False

    def __post_init__(self) -> None:
        check_request(self)


def _bad(option: str, value: object, example: str) -> UsageError:
    return UsageError(f"bad {option} {value!r}", hint=f"use e.g. {option} {example}")


def check_request(req: JobRequest) -> None:
    """Refuse values Slurm would refuse anyway, or that do not fit a shell word."""
    for option, value, example in (("--partition", req.partition, "gpu"),
                                   ("--account", req.account, "lab-ada")):
        if value is not None and not _NAME.match(value):
            raise _bad(option, value, example)
    if req.time is not None and not (_TIME.match(req.time)
                                     or req.time.upper() in ("UNLIMITED", "INFINITE")):
        raise _bad("--time", req.time, "2:00:00 (H:M:S), 90 (minutes) or 1-00:00 (D-H:M)")
    if req.cpus is not None and req.cpus < 1:
        raise _bad("--cpus", req.cpus, "4")
    if req.mem is not None and not _MEM.match(req.mem):
        raise _bad("--mem", req.mem, "16G (K, M, G or T; no unit means MB)")
    if req.gpus is not None and not _GPUS.match(req.gpus):
        raise _bad("--gpus", req.gpus, "1 or a100:2")
    for option, value in (("--env", req.env), ("--python", req.python),
                          ("--port-file", req.port_file)):
        if value is not None and not _ENV.match(value):
            raise UsageError(f"bad {option} {value!r}: spaces, quotes and shell characters "
                             "are not allowed", hint=f"pass a plain name or path to {option}")
    if req.env is not None and req.python is not None:
        raise UsageError("--env and --python both name the Jupyter to run",
                         hint="pass one of them")
    if not 0 <= req.node_port <= 65535:
        raise _bad("--node-port", req.node_port, "8888, or 0 for a free port")


def sbatch_options(req: JobRequest) -> list[str]:
    """The resource options of ``sbatch`` for *req* (one node, one task)."""
    argv = ["--nodes=1", "--ntasks=1"]
    if req.partition:
        argv.append(f"--partition={req.partition}")
    if req.account:
        argv.append(f"--account={req.account}")
    if req.time:
        argv.append(f"--time={req.time}")
    if req.cpus:
        argv.append(f"--cpus-per-task={req.cpus}")
    if req.mem:
        argv.append(f"--mem={req.mem}")
    if req.gpus:
        argv.append(f"--gpus={req.gpus}")
    return argv


def job_name(session: str) -> str:
    return f"{JOB_PREFIX}{session}"


def session_of(name: str) -> str | None:
    """The session id in a labtools job's name, or None for other jobs."""
    if not name.startswith(JOB_PREFIX):
        return None
    session = name[len(JOB_PREFIX):]
    return session if re.fullmatch(r"[0-9a-f]{8,32}", session) else None
