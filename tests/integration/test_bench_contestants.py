"""Real contestants: the built-in engine on the lab channel, pip and uv on a wheel folder,
conda/mamba/micromamba/pixi wherever they are installed (skipped with the reason here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from labtools import process
from labtools.channel.lab import demo_wheels
from labtools.pmbench.api import benchmark

pytestmark = pytest.mark.integration


def test_engine_measures_every_scenario_on_the_lab_channel(lab_channel: Path) -> None:
    result = benchmark(specs=["labdemo"], channels=[str(lab_channel)], contestants=["engine"])
    run = result.run
    assert run.scenarios == ("solve", "cold", "warm")
    for scenario in run.scenarios:
        m = run.measurement("engine", scenario)
        assert m is not None and m.status == "ok", m
        assert m.stats is not None and m.stats.runs == 5
        assert m.packages is not None and "labdemo==1.0" in m.packages
        assert any(p.startswith("python==") for p in m.packages)
        assert m.ratio == 1.0
    assert run.contestants[0].version  # py-rattler's version


def test_pip_and_uv_agree_on_a_pypi_only_spec(lab_channel: Path, tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    demo_wheels(wheels)
    result = benchmark(specs=["labdemo-extra"], channels=[str(lab_channel)],
                       contestants=["engine", "pip", "uv"], scenarios=["solve"],
                       find_links=wheels)
    assert result.pypi_specs == ("labdemo-extra",)
    for name in ("engine", "pip", "uv"):
        m = result.run.measurement(name, "solve")
        assert m is not None and m.status == "ok", m
    pypi = [a for a in result.run.agreements if a.family == "pypi"]
    assert len(pypi) == 1 and pypi[0].agree, pypi
    assert result.run.measurement("pip", "solve").packages == (  # type: ignore[union-attr]
        "labdemo-extra==0.2", "labdemo==1.0")
    assert all(c.version for c in result.run.contestants)


def test_uv_creates_cold_and_warm_from_a_wheel_folder(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    demo_wheels(wheels)
    result = benchmark(specs=["labdemo-extra"], contestants=["uv"], scenarios=["cold", "warm"],
                       find_links=wheels)
    for scenario in ("cold", "warm"):
        m = result.run.measurement("uv", scenario)
        assert m is not None and m.status == "ok", m
        assert m.packages == ("labdemo-extra==0.2", "labdemo==1.0")


def test_pip_and_uv_are_absent_with_a_reason_for_a_conda_spec() -> None:
    result = benchmark(specs=["python labdemo"], contestants=["pip", "uv"],
                       scenarios=["solve"])
    assert {c.name for c in result.run.absent} == {"pip", "uv"}
    assert all("python itself" in c.detail for c in result.run.absent)
    assert result.run.measurements == ()


@pytest.mark.parametrize("name", ["conda-classic", "conda-libmamba", "mamba", "micromamba",
                                  "pixi"])
def test_external_front_ends_are_absent_with_the_install_hint(name: str) -> None:
    tool = name.split("-")[0]
    if process.which(tool):
        pytest.skip(f"{tool} is installed here; see test_external_front_end_measured")
    result = benchmark(specs=["labdemo"], channels=["/nonexistent"], contestants=[name],
                       scenarios=["solve"])
    (absent,) = result.run.absent
    assert absent.name == name and "not on PATH" in absent.detail
    assert process.INSTALL_HINTS[tool] in absent.detail


@pytest.mark.parametrize(("name", "tool"), [
    pytest.param("conda-classic", "conda", marks=pytest.mark.requires_tool("conda")),
    pytest.param("conda-libmamba", "conda", marks=pytest.mark.requires_tool("conda")),
    pytest.param("mamba", "mamba", marks=pytest.mark.requires_tool("mamba")),
    pytest.param("micromamba", "micromamba", marks=pytest.mark.requires_tool("micromamba")),
    pytest.param("pixi", "pixi", marks=pytest.mark.requires_tool("pixi")),
])
def test_external_front_end_measured(name: str, tool: str, lab_channel: Path) -> None:
    result = benchmark(specs=["labdemo"], channels=[str(lab_channel)],
                       contestants=["engine", name], scenarios=["solve", "warm"])
    for scenario in ("solve", "warm"):
        m = result.run.measurement(name, scenario)
        assert m is not None and m.status == "ok", m
        assert m.ratio is not None
    if name != "pixi":  # pixi prints no package list
        conda = [a for a in result.run.agreements if a.family == "conda"]
        assert conda and all(a.agree for a in conda), conda
