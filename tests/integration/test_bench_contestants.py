"""Every contestant, for real, on the lab channel: each scenario once, whole processes.

What is checked is what each tool made (package sets, envs on disk, versions, origins),
never how fast: speed lives in bench/. The real conda, mamba and micromamba come from
the ``real_tools_dir`` fixture (in CI they never skip); every command runs in the
benchmark's own sealed sandbox.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from labtools.pmbench import request as req
from labtools.pmbench.contestants import Request, build_contestants
from labtools.pmbench.harness import BenchRun, run_benchmark

pytestmark = pytest.mark.integration

ALL_SCENARIOS = ["solve", "cold", "warm", "install", "remove"]


def lab_request(channel: Path) -> Request:
    return Request(specs=("python", "ipykernel", "pip"), channels=(channel.as_uri(),),
                   add="labdemo", requirements=("ipykernel",),
                   wheelhouse=req.find_wheelhouse([str(channel)]))


def run(names: list[str], channel: Path, workdir: Path,
        scenarios: list[str] = ALL_SCENARIOS) -> BenchRun:
    players = build_contestants(names, lab_request(channel))
    return run_benchmark(players, scenarios=scenarios, warmup=0, repeats=1, workdir=workdir)


def assert_all_ok(result: BenchRun, names: list[str], scenarios: list[str]) -> None:
    for name in names:
        for scenario in scenarios:
            m = result.measurement(name, scenario)
            assert m is not None and m.status == "ok", (name, scenario, m)
            assert m.commands and all(Path(step[0]).is_absolute() for step in m.commands)


def test_the_lab_channel_keeps_its_wheels_for_pip_and_uv(lab_channel: Path) -> None:
    wheels = req.find_wheelhouse([str(lab_channel)])
    assert wheels == lab_channel / "wheels"
    assert {"ipykernel", "labdemo", "labdemo-extra"} <= req.wheel_names(wheels)


@pytest.mark.timeout(2400)  # minutes on a busy 2-core machine
def test_every_contestant_makes_the_same_env_in_every_scenario(
        real_tools_dir: Path, lab_channel: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """One round of all five scenarios by all eight contestants, the real tools on PATH
    (the benchmark tutorial then times solve and warm create with 7 counted rounds)."""
    monkeypatch.setenv("PATH", f"{real_tools_dir / 'bin'}{os.pathsep}{os.environ['PATH']}")
    work = tmp_path / "work"
    work.mkdir()
    names = ["engine", "conda-classic", "conda-libmamba", "mamba", "micromamba", "pip", "uv",
             "cp-al"]
    scenarios = ALL_SCENARIOS
    result = run(names, lab_channel, work, scenarios)
    info = {c.name: c for c in result.contestants}
    for name in ("conda-classic", "conda-libmamba", "mamba", "micromamba"):
        assert info[name].available, info[name]
        assert str(real_tools_dir.resolve()) in info[name].detail  # where it came from
        assert info[name].version in ("26.7.1", "2.8.1")
    assert "libmamba" in info["conda-libmamba"].detail
    assert all(c.available and c.version for c in result.contestants), result.contestants
    assert_all_ok(result, names[:-1], scenarios)
    assert_all_ok(result, ["cp-al"], ["warm"])
    for scenario in ("solve", "cold", "warm", "install"):
        found = {a.family: a for a in result.agreements if a.scenario == scenario}
        assert set(found) == {"conda", "pypi", "conda vs pypi"}, found
        assert all(a.agree for a in found.values()), found
        assert len(found["conda"].contestants) == 5
        for name in names[:-1]:
            packages = result.measurement(name, scenario).packages  # type: ignore[union-attr]
            assert packages is not None
            assert ("labdemo==1.0" in packages) is (scenario == "install"), (name, scenario)
    copy = result.measurement("cp-al", "warm")
    assert copy is not None and copy.packages == result.measurement(  # type: ignore[union-attr]
        "engine", "warm").packages
    solve = result.measurement("cp-al", "solve")
    assert solve is not None and solve.status == "n/a" and "warm create" in (solve.error or "")
    assert list(work.iterdir()) == []  # no env, sandbox or cache left behind


def test_pip_and_uv_are_absent_without_a_wheelhouse(lab_channel: Path,
                                                    tmp_path: Path) -> None:
    request = Request(specs=("python", "labdemo"), channels=(lab_channel.as_uri(),),
                      requirements=("labdemo",), wheelhouse=None)
    result = run_benchmark(build_contestants(["pip", "uv"], request), scenarios=["solve"],
                           warmup=0, repeats=1, workdir=tmp_path)
    assert {c.name for c in result.absent} == {"pip", "uv"}
    assert all("--wheelhouse" in c.detail for c in result.absent)
    assert result.measurements == ()


def test_pixi_is_listed_as_absent_with_the_reason_not_skipped(lab_channel: Path,
                                                               tmp_path: Path) -> None:
    """pixi cannot be built here, so labtools has no adapter to time it with: asking for
    it names that, the way an uninstalled tool is named, and the others still run."""
    players = build_contestants(["pixi", "engine"], lab_request(lab_channel))
    result = run_benchmark(players, scenarios=["solve"], warmup=0, repeats=1,
                           workdir=tmp_path)
    (absent,) = result.absent
    assert absent.name == "pixi" and "no pixi adapter" in absent.detail
    assert "pixi install" in absent.detail  # the fix: time it with its own CLI
    (solve,) = result.measurements
    assert solve.contestant == "engine" and solve.status == "ok", solve
