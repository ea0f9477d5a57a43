"""CONDA_OVERRIDE_CUDA steers the solve the same way for the built-in engine and for the real
conda, mamba and micromamba: on a login node without a GPU, ``CONDA_OVERRIDE_CUDA=12.4``
picks the CUDA build the GPU nodes need, and an empty value picks the CPU build.

The channel holds one package in two builds, ``cuda_1`` (needs ``__cuda >=12``, preferred
by its build number) and ``cpu_0``; every tool is asked for a dry run through labtools.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from plugins.real_tools import RealTool

from labtools.cli import cli

pytestmark = pytest.mark.integration
BUILDS = {"cuda_1": ["__cuda >=12"], "cpu_0": []}


@pytest.fixture(scope="module")
def cuda_channel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A channel (repodata only: the tests only solve) with gpulib 1.0 in both builds."""
    import rattler

    channel = tmp_path_factory.mktemp("cuda") / "channel"
    packages = {
        f"gpulib-1.0-{build}.tar.bz2": {
            "name": "gpulib", "version": "1.0", "build": build,
            "build_number": int(build[-1]), "depends": depends, "subdir": "noarch",
            "noarch": "generic", "md5": "0" * 32, "sha256": "0" * 64, "size": 1000}
        for build, depends in BUILDS.items()}
    for subdir, content in (("noarch", packages), (str(rattler.Subdir.current()), {})):
        folder = channel / subdir
        folder.mkdir(parents=True)
        (folder / "repodata.json").write_text(json.dumps(
            {"info": {"subdir": subdir}, "packages": content, "packages.conda": {}}))
    return channel


def solved_build(backend: str, channel: Path, root: Path) -> str:
    done = CliRunner().invoke(cli, ["env", "create", "gpu", "gpulib", "--dry-run", "--json",
                                    "--backend", backend, "--root", str(root),
                                    "--force-name", "-c", channel.as_uri()])
    assert done.exit_code == 0, done.output
    (pkg,) = [p for p in json.loads(done.stdout)["packages"] if p["name"] == "gpulib"]
    return str(pkg["build"])


@pytest.mark.parametrize(("override", "build"), [("12.4", "cuda_1"), ("", "cpu_0")],
                         ids=["cuda-12.4", "no-cuda"])
def test_the_engine_reads_conda_override_cuda(override: str, build: str, cuda_channel: Path,
                                              tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONDA_OVERRIDE_CUDA", override)
    assert solved_build("rattler", cuda_channel, tmp_path / "envs") == build


@pytest.mark.parametrize("real_tool", ["conda", "mamba", "micromamba"], indirect=True)
def test_parity_each_real_tool_picks_the_engines_build(real_tool: RealTool, cuda_channel: Path,
                                                       tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    tool = "conda" if real_tool.name.startswith("conda") else real_tool.name
    for override in ("12.4", ""):
        monkeypatch.setenv("CONDA_OVERRIDE_CUDA", override)
        engine = solved_build("rattler", cuda_channel, tmp_path / "engine")
        assert solved_build(tool, cuda_channel, tmp_path / tool) == engine, override
        assert engine == ("cuda_1" if override else "cpu_0")
