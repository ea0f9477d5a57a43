"""The LabChannelService makes `labtools env create` work with no flags in a sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from labtools import process
from labtools.handbook.sandbox import open_sandbox
from labtools.handbook.services.lab_channel import LabChannelService

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def test_service_exports_profile_and_create_needs_no_flags(tmp_path: Path) -> None:
    service = LabChannelService(cache_root=REPO / "build")
    with open_sandbox(tmp_path / "sandbox", services=[service]) as sandbox:
        world = sandbox.world("02-create-env")
        env = world.env
        assert env["LABTOOLS_BACKEND"] == "rattler"
        assert Path(env["LABTOOLS_CHANNELS"]).joinpath("noarch", "repodata.json").is_file()
        assert Path(env["LABTOOLS_ENVS_ROOT"]).parent == world.root  # each tutorial its own
        done = process.run(["labtools", "env", "create", "py311-demo", "python", "labdemo",
                            "--no-compile"], env=env, cwd=world.cwd)
        assert "backend: rattler" in done.stdout
        prefix = Path(env["LABTOOLS_ENVS_ROOT"]) / "py311-demo"
        assert process.run([prefix / "bin" / "labdemo"]).stdout.strip() == "hello from labdemo"
