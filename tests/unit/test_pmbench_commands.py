"""The benchmark times conda, mamba and micromamba with the env core's own command lines
(one source of flags), and the engine through the ``labtools`` commands a user types."""

from __future__ import annotations

from pathlib import Path

import pytest

from labtools.envs.backends import command
from labtools.pmbench.contestants import CondaFamily, Engine, Plan, Request, Workspace
from labtools.pmbench.sandbox import Sandbox

CHANNEL = "file:///lab/channel"
WS = Workspace(root=Path("/run"), prefix=Path("/sb/envs/r0"), sandbox=Sandbox(Path("/sb")))
STEP = {"solve": "dry-run", "warm": "create", "install": "install", "remove": "remove-env"}


def plan(contestant: CondaFamily | Engine, scenario: str) -> Plan:
    done = contestant.plan(scenario, WS)
    assert isinstance(done, Plan), done
    return done


@pytest.mark.parametrize(("tool", "solver"), [("conda", "classic"), ("conda", "libmamba"),
                                              ("mamba", None), ("micromamba", None)])
@pytest.mark.parametrize("scenario", ["solve", "warm", "install", "remove"])
def test_a_conda_family_contestant_runs_its_backends_command(tool: str, solver: str | None,
                                                            scenario: str) -> None:
    request = Request(specs=("python", "ipykernel", "pip"), channels=(CHANNEL,), add="six")
    contestant = CondaFamily(tool, request, solver=solver)
    contestant.exe = f"/opt/tools/bin/{tool}"
    specs = {"solve": request.specs, "warm": request.specs, "install": ("six",),
             "remove": ()}[scenario]
    backend = command(tool, STEP[scenario], prefix=WS.prefix, specs=specs,
                      channels=request.channels, solver=solver)
    (timed,) = plan(contestant, scenario).timed
    assert timed == [contestant.exe, *backend.argv[1:]]
    assert backend.argv[0] == tool  # only the program is swapped for its resolved path
    if scenario in ("install", "remove"):  # the env it works on is the tool's own create
        (setup,) = plan(contestant, scenario).setup
        assert setup == plan(contestant, "warm").timed[0]


def test_literal_keeps_conda_from_adding_pip_to_python(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONDA_ADD_PIP_AS_PYTHON_DEPENDENCY", raising=False)
    asked = Request(specs=("python", "ipykernel"), channels=(CHANNEL,))
    literal = Request(specs=("python", "ipykernel"), channels=(CHANNEL,), literal=True)
    added, kept = (CondaFamily("conda", r, solver="libmamba") for r in (asked, literal))
    added.exe = kept.exe = "/opt/tools/bin/conda"
    added_argv, kept_argv = plan(added, "warm").timed[0], plan(kept, "warm").timed[0]
    assert added_argv[-3:] == ["python", "ipykernel", "pip"]  # as `labtools env create` asks
    assert kept_argv[-2:] == ["python", "ipykernel"] and "pip" not in kept_argv


def test_the_engine_installs_with_env_install() -> None:
    request = Request(specs=("python",), channels=(CHANNEL,), add="six")
    (timed,) = plan(Engine(request), "install").timed
    assert timed[1:] == ["env", "install", str(WS.prefix), "six", "--yes", "--json",
                         "--channel", CHANNEL]
    (setup,) = plan(Engine(request), "install").setup
    # env install adds the profile's channels to --channel: they are the request's too
    assert Engine(request).extra_env() == {"LABTOOLS_CHANNELS": CHANNEL}
    assert setup[1:4] == ["env", "create", WS.prefix.name] and "--backend" in setup
