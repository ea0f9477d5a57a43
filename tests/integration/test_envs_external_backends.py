"""conda, mamba, micromamba and pixi adapters against the lab channel (skip when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from labtools.envs.create import create_env

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    "tool",
    [
        pytest.param("conda", marks=pytest.mark.requires_tool("conda")),
        pytest.param("mamba", marks=pytest.mark.requires_tool("mamba")),
        pytest.param("micromamba", marks=pytest.mark.requires_tool("micromamba")),
        pytest.param("pixi", marks=pytest.mark.requires_tool("pixi")),
    ],
)
def test_backend_creates_from_lab_channel(tool: str, lab_channel: Path, tmp_path: Path) -> None:
    result = create_env(name="py311-demo", specs=["python", "labdemo"],
                        channels=[lab_channel.as_uri()], backend=tool, root=tmp_path,
                        compile_bytecode=False)
    assert result.backend == tool
    assert (result.prefix / "conda-meta" / "history").read_text().count("==> ") >= 1
    assert (result.prefix / "bin" / "labdemo").exists()
