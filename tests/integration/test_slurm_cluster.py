"""The test cluster itself: a real slurmctld + slurmd that run batch jobs submitted over ssh."""

from __future__ import annotations

import time

import pytest
from plugins.slurm_cluster import ClusterSsh

from labtools import process

pytestmark = [pytest.mark.integration]


def on_login(cluster_ssh: ClusterSsh, command: str) -> process.Completed:
    return process.run(["ssh", "-F", str(cluster_ssh.config), "-o", "BatchMode=yes",
                        cluster_ssh.alias, command], timeout=120, check=False)


def test_a_batch_job_submitted_over_ssh_runs_on_the_node(cluster_ssh: ClusterSsh) -> None:
    done = on_login(cluster_ssh, "sbatch --parsable --wait -o \"$HOME/hello.out\" "
                                 "--wrap 'echo node=$SLURMD_NODENAME job=$SLURM_JOB_ID'")
    assert done.returncode == 0, done.stderr
    job_id = done.stdout.strip().splitlines()[-1]
    assert job_id.isdigit()
    out = (cluster_ssh.login.home / "hello.out").read_text()
    assert out.strip() == f"node={cluster_ssh.login.cluster.node} job={job_id}"
    # sbatch --wait returns at the end of the job; squeue may show it COMPLETING a moment
    deadline = time.monotonic() + 30
    while job_id in on_login(cluster_ssh, "squeue -h -o %i").stdout.split():
        assert time.monotonic() < deadline, f"job {job_id} still in squeue"
        time.sleep(0.2)


def test_an_unknown_partition_is_refused_by_sbatch(cluster_ssh: ClusterSsh) -> None:
    done = on_login(cluster_ssh, "sbatch --parsable -p nosuch --wrap true")
    assert done.returncode != 0
    assert "invalid partition" in done.stderr.lower()
