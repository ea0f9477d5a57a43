"""The handbook sandbox's cluster: tutorials reach a real Slurm through `lab-cluster`."""

from __future__ import annotations

from pathlib import Path

import pytest
from plugins.slurm_cluster import REQUIRE_ENV, required

from labtools import process
from labtools.handbook.sandbox import open_sandbox
from labtools.handbook.services.remote_host import RemoteHostService
from labtools.slurm.sandbox import SlurmClusterService
from labtools.slurm.testcluster import unavailable_reason

pytestmark = [pytest.mark.integration]


def test_tutorials_get_a_login_node_next_to_the_remote_host(tmp_path: Path) -> None:
    reason = unavailable_reason()
    if reason is not None:
        if required():
            pytest.fail(f"{REQUIRE_ENV}=1 but {reason}")
        pytest.skip(reason)
    with open_sandbox(tmp_path / "sb", [RemoteHostService(), SlurmClusterService()]) as sandbox:
        world = sandbox.world("08-demo")
        assert world.env["LABTOOLS_SLURM_HOST"] == "lab-cluster"
        config = world.home / ".ssh" / "config"
        text = config.read_text()
        assert text.startswith("Include /") and "Host lab-gpu" in text  # both hosts
        done = process.run(["ssh", "-F", str(config), "-o", "BatchMode=yes", "lab-cluster",
                            "sinfo -h -o '%P %D %t'; echo env=$CONDA_ENVS_PATH"], timeout=60)
        first, env = done.stdout.strip().splitlines()
        assert first == "debug* 1 idle"
        assert (Path(env.removeprefix("env=")) / "jupyter" / "bin" / "python").exists()
        key = (world.home / ".ssh" / "id_cluster").read_text()
        assert key in sandbox.secrets()
