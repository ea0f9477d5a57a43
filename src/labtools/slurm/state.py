"""Read what Slurm says about jobs: ``scontrol show job -o`` and ``squeue --json`` (pure).

``squeue --json`` changed shape across releases: 22.05 (openapi v0.0.38) gives strings and
plain numbers and ignores ``-j``/``--me`` filters; 23.02 (v0.0.39) wraps numbers as
``{"set", "infinite", "number"}``; 23.11+ (v0.0.40) also makes ``job_state`` a list of flags.
One reader accepts all of them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from labtools.errors import SlurmError

ACTIVE = frozenset({"PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED",
                    "REQUEUED", "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED"})
ENDED = {
    "COMPLETED": "ended",
    "CANCELLED": "was cancelled",
    "FAILED": "failed",
    "TIMEOUT": "reached its time limit (ask for more with --time)",
    "OUT_OF_MEMORY": "ran out of memory (ask for more with --mem)",
    "NODE_FAIL": "lost its node (a node failure)",
    "PREEMPTED": "was preempted by a higher-priority job",
    "BOOT_FAIL": "could not boot its node",
    "DEADLINE": "missed its deadline",
    "REVOKED": "was revoked",
    "SPECIAL_EXIT": "ended with a special exit",
}
# pending reasons that never clear by waiting: the request itself does not fit
HOPELESS = {
    "PartitionConfig": "the request does not fit the partition's configuration",
    "PartitionNodeLimit": "the request needs more nodes than the partition allows",
    "PartitionTimeLimit": "--time is above the partition's time limit",
    "PartitionDown": "the partition is down",
    "PartitionInactive": "the partition is inactive",
    "BadConstraints": "no node can satisfy the request's constraints",
    "InvalidAccount": "the account is not valid",
    "InvalidQOS": "the QOS is not valid",
    "AccountNotAllowed": "the account may not use this partition",
    "QOSNotAllowed": "the QOS may not use this partition",
    "JobHeldAdmin": "an administrator holds the job",
}


@dataclass(frozen=True)
class JobInfo:
    """One job as Slurm reports it."""

    job_id: str
    name: str
    state: str
    reason: str
    nodes: str
    batch_host: str
    partition: str
    user: str
    exit_code: str = ""
    time_limit: str = ""
    run_time: str = ""
    stdout: str = ""

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def pending(self) -> bool:
        return self.state in ("PENDING", "CONFIGURING", "REQUEUED")

    @property
    def running(self) -> bool:
        return self.state == "RUNNING"

    def hopeless_reason(self) -> str | None:
        """Why this pending job can never start, or None when waiting may help."""
        if not self.pending:
            return None
        return HOPELESS.get(self.reason.split(",")[0].strip())

    def ended_phrase(self) -> str:
        """How the job ended, in words: ``'reached its time limit (...)'``."""
        phrase = ENDED.get(self.state, f"is {self.state}")
        if self.exit_code and self.exit_code not in ("0:0", "0"):
            phrase += f", exit code {self.exit_code}"
        return phrase


_FIELD = re.compile(r"(?:^|\s)([A-Za-z][\w:/]*)=(.*?)(?=\s+[A-Za-z][\w:/]*=|\s*$)")


def parse_scontrol_oneliner(text: str) -> dict[str, str]:
    """``scontrol show job -o ID``'s ``Key=Value ...`` line as a dict (pure)."""
    line = next((ln for ln in text.splitlines() if ln.startswith("JobId=")), "")
    return {m.group(1): m.group(2) for m in _FIELD.finditer(line)}


def _user(value: str) -> str:
    return value.split("(", 1)[0]


def job_from_scontrol(text: str) -> JobInfo:
    """One job from ``scontrol show job -o`` output."""
    fields = parse_scontrol_oneliner(text)
    if "JobId" not in fields or "JobState" not in fields:
        raise SlurmError(f"cannot read `scontrol show job` output: {text.strip()[:200]!r}",
                         hint="check the Slurm client on the login node")
    none = ("(null)", "None assigned")
    return JobInfo(
        job_id=fields["JobId"], name=fields.get("JobName", ""),
        state=fields["JobState"].split("+")[0], reason=fields.get("Reason", "None"),
        nodes="" if fields.get("NodeList", "") in none else fields.get("NodeList", ""),
        batch_host="" if fields.get("BatchHost", "") in none else fields.get("BatchHost", ""),
        partition=fields.get("Partition", ""), user=_user(fields.get("UserId", "")),
        exit_code=fields.get("ExitCode", ""), time_limit=fields.get("TimeLimit", ""),
        run_time=fields.get("RunTime", ""), stdout=fields.get("StdOut", ""),
    )


def _number(value: Any) -> int | None:
    """A squeue --json number: plain (v0.0.38) or {"set", "infinite", "number"} (later)."""
    if isinstance(value, Mapping):
        if not value.get("set", True) or value.get("infinite"):
            return None
        value = value.get("number")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _state(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else "UNKNOWN"
    return str(value or "UNKNOWN")


def _minutes(value: Any) -> str:
    minutes = _number(value)
    if minutes is None:
        return "UNLIMITED"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    return (f"{days}-" if days else "") + f"{hours:02d}:{mins:02d}:00"


def _exit_code(value: Any) -> str:
    if isinstance(value, Mapping):  # v0.0.40: {"status": [...], "return_code": {...}}
        code = _number(value.get("return_code"))
        return f"{code if code is not None else 0}:0"
    code = _number(value)
    return "" if code is None else f"{code}:0"


def job_from_json(entry: Mapping[str, Any]) -> JobInfo:
    """One job of ``squeue --json``'s ``jobs`` list."""
    return JobInfo(
        job_id=str(entry.get("job_id", "")), name=str(entry.get("name", "")),
        state=_state(entry.get("job_state")), reason=str(entry.get("state_reason") or "None"),
        nodes=str(entry.get("nodes") or ""), batch_host=str(entry.get("batch_host") or ""),
        partition=str(entry.get("partition") or ""), user=str(entry.get("user_name") or ""),
        exit_code=_exit_code(entry.get("exit_code")),
        time_limit=_minutes(entry.get("time_limit")),
        stdout=str(entry.get("standard_output") or ""),
    )


def parse_squeue_json(text: str) -> list[JobInfo]:
    """Every job in ``squeue --json`` output (any version); errors become SlurmError."""
    try:
        data = json.loads(text)
    except ValueError:
        raise SlurmError(f"squeue --json printed no JSON: {text.strip()[:200]!r}",
                         hint="this Slurm may lack JSON output (21.08+ with serializer/json)"
                         ) from None
    if not isinstance(data, Mapping):
        raise SlurmError("squeue --json printed something other than an object")
    errors = [e.get("description") or e.get("error") or str(e)
              for e in data.get("errors") or [] if isinstance(e, Mapping)]
    if errors:
        raise SlurmError(f"squeue reported: {'; '.join(str(e) for e in errors)}")
    return [job_from_json(j) for j in data.get("jobs") or [] if isinstance(j, Mapping)]


def labtools_jobs(jobs: Iterable[JobInfo], user: str, prefix: str) -> list[JobInfo]:
    """*user*'s jobs whose name starts with *prefix*, active ones (22.05 ignores filters)."""
    return sorted((j for j in jobs if j.user == user and j.name.startswith(prefix)
                   and j.active), key=lambda j: int(j.job_id) if j.job_id.isdigit() else 0)


def parse_parsable(stdout: str) -> str:
    """The job id from ``sbatch --parsable`` (``ID`` or ``ID;CLUSTER``, on the last line)."""
    lines = [ln.strip() for ln in stdout.splitlines() if ln.strip()]
    job_id = lines[-1].split(";", 1)[0] if lines else ""
    if not job_id.isdigit():
        raise SlurmError(f"sbatch printed no job id: {stdout.strip()[:200]!r}",
                         hint="check sbatch on the login node")
    return job_id


def sbatch_message(stderr: str) -> str:
    """sbatch's own reasons, one line: ``invalid partition specified: x; ...``."""
    found = []
    for line in stderr.splitlines():
        line = line.strip()
        if not line:
            continue
        line = re.sub(r"^sbatch:\s*(error:\s*)?", "", line)
        if line and line not in found:
            found.append(line)
    return "; ".join(found) or "sbatch failed without a message"
