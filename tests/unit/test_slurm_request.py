"""Requests are checked before anything reaches the cluster; sbatch gets exact options."""

from __future__ import annotations

import pytest

from labtools.errors import UsageError
from labtools.slurm.request import JobRequest, job_name, sbatch_options, session_of


def test_resources_map_to_sbatch_options() -> None:
    req = JobRequest(partition="gpu", time="2:00:00", cpus=4, mem="16G", gpus="a100:1",
                     account="lab-ada")
    assert sbatch_options(req) == ["--nodes=1", "--ntasks=1", "--partition=gpu",
                                   "--account=lab-ada", "--time=2:00:00", "--cpus-per-task=4",
                                   "--mem=16G", "--gpus=a100:1"]
    assert sbatch_options(JobRequest()) == ["--nodes=1", "--ntasks=1"]


@pytest.mark.parametrize("time", ["90", "30:00", "2:00:00", "1-0", "1-12:30", "1-00:00:00",
                                  "UNLIMITED"])
def test_slurm_time_formats_are_accepted(time: str) -> None:
    assert JobRequest(time=time).time == time


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"time": "2h"}, "bad --time '2h'"),
    ({"mem": "16 GB"}, "bad --mem"),
    ({"gpus": "all"}, "bad --gpus"),
    ({"cpus": 0}, "bad --cpus"),
    ({"partition": "gpu;rm -rf ~"}, "bad --partition"),
    ({"env": "my env"}, "bad --env"),
    ({"env": "$(id)"}, "bad --env"),
    ({"env": "a", "python": "/usr/bin/python3"}, "--env and --python"),
    ({"node_port": 70000}, "bad --node-port"),
])
def test_bad_requests_are_one_line_usage_errors(kwargs: dict[str, object], words: str) -> None:
    with pytest.raises(UsageError) as caught:
        JobRequest(**kwargs)  # type: ignore[arg-type]
    assert words in caught.value.one_line() and "\n" not in caught.value.one_line()


def test_session_ids_round_trip_through_job_names() -> None:
    assert session_of(job_name("0123456789abcdef")) == "0123456789abcdef"
    assert session_of("labtools-jupyter-../../x") is None and session_of("train") is None
