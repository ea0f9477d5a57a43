"""Reading Slurm: scontrol one-liners and squeue --json of 22.05, 23.02 and 23.11+."""

from __future__ import annotations

import json

import pytest

from labtools.errors import SlurmError
from labtools.slurm.state import (
    job_from_scontrol,
    labtools_jobs,
    parse_parsable,
    parse_squeue_json,
    sbatch_message,
)

# real output of Debian 12's Slurm 22.05.8 (the test cluster)
SCONTROL = (
    "JobId=1 JobName=labtools-jupyter-x UserId=root(0) GroupId=root(0) MCS_label=N/A "
    "Priority=4294901759 Nice=0 Account=(null) QOS=(null) JobState=RUNNING Reason=None "
    "Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 RunTime=00:00:01 "
    "TimeLimit=UNLIMITED TimeMin=N/A SubmitTime=2026-12-01T20:24:48 Partition=debug "
    "AllocNode:Sid=localhost:14416 ReqNodeList=(null) ExcNodeList=(null) NodeList=vm "
    "BatchHost=vm NumNodes=1 NumCPUs=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:* TRES=cpu=1,node=1 "
    "Command=/home/a b/job.sh WorkDir=/tmp/x StdErr=/tmp/x/j1.log StdIn=/dev/null "
    "StdOut=/tmp/x/j1.log Power= \n")


def test_scontrol_oneliner() -> None:
    job = job_from_scontrol(SCONTROL)
    assert (job.job_id, job.name, job.state, job.reason) == ("1", "labtools-jupyter-x",
                                                             "RUNNING", "None")
    assert (job.nodes, job.batch_host, job.partition, job.user) == ("vm", "vm", "debug", "root")
    assert job.stdout == "/tmp/x/j1.log" and job.time_limit == "UNLIMITED"
    assert job.running and job.active and not job.pending


def test_pending_reasons_that_never_clear_are_recognised() -> None:
    pending = SCONTROL.replace("JobState=RUNNING Reason=None", "JobState=PENDING "
                               "Reason=PartitionTimeLimit").replace("NodeList=vm", "NodeList=")
    job = job_from_scontrol(pending)
    assert job.pending and job.nodes == ""
    assert job.hopeless_reason() == "--time is above the partition's time limit"
    waiting = job_from_scontrol(pending.replace("PartitionTimeLimit", "Resources"))
    assert waiting.hopeless_reason() is None


@pytest.mark.parametrize(("state", "words"), [
    ("TIMEOUT", "reached its time limit"), ("OUT_OF_MEMORY", "ran out of memory"),
    ("NODE_FAIL", "lost its node"), ("CANCELLED", "was cancelled")])
def test_ended_states_in_words(state: str, words: str) -> None:
    job = job_from_scontrol(SCONTROL.replace("JobState=RUNNING", f"JobState={state}")
                            .replace("ExitCode=0:0", "ExitCode=0:15"))
    assert not job.active and words in job.ended_phrase()
    assert "exit code 0:15" in job.ended_phrase()


def test_garbage_is_one_error() -> None:
    with pytest.raises(SlurmError, match="scontrol show job"):
        job_from_scontrol("slurm_load_jobs error: Invalid job id specified")


V0038 = {"meta": {}, "errors": [], "jobs": [
    {"job_id": 7, "name": "labtools-jupyter-0123456789abcdef", "job_state": "RUNNING",
     "state_reason": "None", "nodes": "vm", "batch_host": "vm", "partition": "debug",
     "user_name": "ada", "exit_code": 0, "time_limit": 60},
    {"job_id": 8, "name": "other", "job_state": "RUNNING", "user_name": "ada"},
    {"job_id": 9, "name": "labtools-jupyter-0123456789abcdee", "job_state": "COMPLETED",
     "user_name": "ada"},
    {"job_id": 10, "name": "labtools-jupyter-0123456789abcdef", "job_state": "PENDING",
     "user_name": "bob"}]}
V0039 = {"meta": {}, "errors": [], "warnings": [], "jobs": [
    {"job_id": 7, "name": "labtools-jupyter-0123456789abcdef", "job_state": "RUNNING",
     "state_reason": "None", "nodes": "vm", "user_name": "ada",
     "exit_code": {"set": True, "infinite": False, "number": 0},
     "time_limit": {"set": True, "infinite": False, "number": 1500}}]}
V0040 = {"meta": {}, "errors": [], "warnings": [], "jobs": [
    {"job_id": 7, "name": "labtools-jupyter-0123456789abcdef", "job_state": ["PENDING"],
     "state_reason": "Priority", "nodes": "", "user_name": "ada",
     "exit_code": {"status": ["SUCCESS"], "return_code": {"set": True, "infinite": False,
                                                          "number": 0}},
     "time_limit": {"set": False, "infinite": True, "number": 0}}]}


def test_squeue_json_of_three_releases() -> None:
    mine = labtools_jobs(parse_squeue_json(json.dumps(V0038)), "ada", "labtools-jupyter-")
    assert [(j.job_id, j.state, j.time_limit) for j in mine] == [("7", "RUNNING", "01:00:00")]
    (j39,) = parse_squeue_json(json.dumps(V0039))
    assert (j39.time_limit, j39.exit_code) == ("1-01:00:00", "0:0")
    (j40,) = parse_squeue_json(json.dumps(V0040))
    assert (j40.state, j40.reason, j40.time_limit) == ("PENDING", "Priority", "UNLIMITED")


def test_squeue_errors_are_reported() -> None:
    with pytest.raises(SlurmError, match="Invalid user"):
        parse_squeue_json(json.dumps({"errors": [{"error": "Invalid user"}], "jobs": []}))
    with pytest.raises(SlurmError, match="no JSON"):
        parse_squeue_json("squeue: error: Unable to contact slurm controller")


def test_sbatch_answers() -> None:
    assert parse_parsable("1234\n") == "1234"
    assert parse_parsable("warning: banner\n1234;gpu-cluster\n") == "1234"
    with pytest.raises(SlurmError):
        parse_parsable("")
    err = ("sbatch: error: invalid partition specified: nosuch\n"
           "sbatch: error: Batch job submission failed: Invalid partition name specified\n")
    assert sbatch_message(err) == ("invalid partition specified: nosuch; Batch job submission "
                                   "failed: Invalid partition name specified")
