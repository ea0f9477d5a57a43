"""The backends' pure parts: the exact argv of each operation, and their tools' --json.

The JSON documents below are what conda 26.7.1 and micromamba/mamba 2.8.1 printed (trimmed
to the fields the adapters read) in the sandbox of tests/plugins/real_tools.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labtools.envs.backends import OPERATIONS, choose_backend, command, get_backend
from labtools.envs.backends.cli import collapse
from labtools.envs.backends.mamba import explanation
from labtools.errors import ChannelError, ConfigError, SolveError, UsageError

CHAN = "file:///srv/lab-channel"
CONDA_LINK = {"success": True, "actions": {"LINK": [
    {"base_url": CHAN, "build_number": 0, "build_string": "pyh_lab_0",
     "channel": "lab-channel", "dist_name": "labdemo-1.0-pyh_lab_0", "name": "labdemo",
     "platform": "noarch", "version": "1.0"}], "PREFIX": "/e"}, "prefix": "/e"}
MAMBA_LINK = {"success": True, "dry_run": False, "prefix": "/e", "actions": {"LINK": [
    {"build": "pyh_lab_0", "build_number": 0, "build_string": "pyh_lab_0",
     "channel": f"{CHAN}/noarch", "name": "labdemo", "subdir": "noarch", "version": "1.0",
     "url": f"{CHAN}/noarch/labdemo-1.0-pyh_lab_0.conda"}], "PREFIX": "/e"}}
CONDA_NOT_FOUND = {
    "exception_name": "PackagesNotFoundInChannelsError",
    "message": "The following packages are not available from current channels:\n\n"
               "  - labdemo=9\n\nCurrent channels:\n\n  - file:///srv/lab-channel\n\n"
               "To search for alternate channels that may provide the conda package you're\n"
               "looking for, navigate to\n\n    https://anaconda.org\n"}
CONDA_NO_CHANNEL = {"exception_name": "UnavailableInvalidChannel",
                    "message": "HTTP 404 UNAVAILABLE OR INVALID for channel nonexistent "
                               "<file:///nonexistent>\n\nThe channel is not accessible or "
                               "is invalid.\n\nYou will need to adjust your conda "
                               "configuration to proceed."}


@pytest.mark.parametrize("tool", ["conda", "mamba", "micromamba"])
def test_every_operation_has_an_exact_command(tool: str) -> None:
    for operation in OPERATIONS:
        cmd = command(tool, operation, prefix=Path("/e"), specs=["labdemo"], channels=[CHAN])
        assert cmd.argv[0] == tool and "/e" in cmd.argv
        assert ("--json" in cmd.argv) and (("--yes" in cmd.argv) is (operation not in (
            "list", "export", "export-history")))
    create = command(tool, "create", prefix=Path("/e"), specs=["labdemo"], channels=[CHAN])
    assert create.argv[1:] == ("create", "--prefix", "/e", "--yes", "--json",
                               "--override-channels", "--channel", CHAN, "labdemo")
    dry = command(tool, "dry-run", prefix=Path("/e"), specs=["x"], channels=[CHAN])
    assert "--dry-run" in dry.argv and dry.argv[1] == "create"
    remove = command(tool, "remove", prefix=Path("/e"), specs=["x"], channels=[CHAN])
    assert "--override-channels" not in remove.argv and remove.argv[-1] == "x"
    # env update NAME: the tool's own `update NAME` (mamba's `install NAME` of an installed
    # NAME changes nothing)
    update = command(tool, "update-dry-run", prefix=Path("/e"), specs=["x"], channels=[CHAN])
    assert update.argv[1] == "update" and "--all" not in update.argv
    assert "--dry-run" in update.argv and update.argv[-1] == "x"
    with pytest.raises(ValueError, match="no operation 'frobnicate'"):
        command(tool, "frobnicate", prefix=Path("/e"))


def test_conda_asks_for_pip_with_python_as_its_setting_says(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONDA_ADD_PIP_AS_PYTHON_DEPENDENCY", raising=False)
    argv = command("conda", "create", prefix=Path("/e"), specs=["python=3.11", "six"]).argv
    assert argv[-3:] == ("python=3.11", "six", "pip")
    assert command("conda", "create", prefix=Path("/e"), specs=["six"]).argv[-1] == "six"
    monkeypatch.setenv("CONDA_ADD_PIP_AS_PYTHON_DEPENDENCY", "false")
    assert command("conda", "create", prefix=Path("/e"), specs=["python"]).argv[-1] == "python"
    solver = command("conda", "dry-run", prefix=Path("/e"), specs=["six"], solver="classic")
    assert solver.env == {"CONDA_SOLVER": "classic"}
    assert solver.shell().startswith("CONDA_SOLVER=classic conda create")


def test_the_engine_command_is_labtools_itself() -> None:
    cmd = command("rattler", "create", prefix=Path("/root/envs/py"), specs=["python"],
                  channels=[CHAN])
    assert cmd.argv[1:6] == ("-m", "labtools", "env", "create", "py")
    assert cmd.argv[7:9] == ("--root", "/root/envs") and "--dry-run" not in cmd.argv
    with pytest.raises(ValueError):
        command("rattler", "remove", prefix=Path("/e"))


def test_conda_and_libmamba_json_shapes_give_the_same_package() -> None:
    conda = get_backend("conda").changes(CONDA_LINK).link[0]  # type: ignore[attr-defined]
    mamba = get_backend("mamba").changes(MAMBA_LINK).link[0]  # type: ignore[attr-defined]
    assert conda.key == mamba.key == "labdemo=1.0=pyh_lab_0"
    assert conda.channel == mamba.channel == CHAN
    assert conda.subdir == mamba.subdir == "noarch"


def test_failures_are_one_line_with_the_tools_reason() -> None:
    conda = get_backend("conda")
    reason = conda.failure_reason(CONDA_NOT_FOUND, "", None)  # type: ignore[attr-defined]
    assert reason == ("PackagesNotFoundInChannelsError: The following packages are not "
                      "available from current channels: - labdemo=9")
    assert conda.classify(reason, CONDA_NOT_FOUND, "") is SolveError  # type: ignore[attr-defined]
    reason = conda.failure_reason(CONDA_NO_CHANNEL, "", None)  # type: ignore[attr-defined]
    assert "configuration" not in reason and "file:///nonexistent" in reason
    assert conda.classify(reason, CONDA_NO_CHANNEL, "") is ChannelError  # type: ignore[attr-defined]
    stderr = ("error    libmamba Could not solve for environment specs\n"
              "    The following package could not be installed\n"
              "    └─ labdemo =9 * does not exist (perhaps a typo or a missing channel).\n"
              "critical libmamba Could not solve for environment specs\n")
    assert explanation(stderr) == ("error libmamba Could not solve for environment specs The "
                                   "following package could not be installed labdemo =9 * "
                                   "does not exist (perhaps a typo or a missing channel).")
    channel = ("⚠ Shard Index for file:///nonexistent/noarch not available\n"
               "critical libmamba Multiple errors occurred:\n"
               "    Download error (37) Couldn't read a file:// file\n"
               "    If you run into this error repeatedly, your package cache may be corrupt\n")
    said = explanation(channel)
    assert "Download error" in said and "Shard" not in said and "repeatedly" not in said
    mamba = get_backend("mamba")
    assert mamba.classify(said, None, channel) is ChannelError  # type: ignore[attr-defined]
    assert len(collapse("x\n" * 500)) <= 400


def test_conda_refuses_both_envs_variables_before_running() -> None:
    conda = get_backend("conda")
    with pytest.raises(ConfigError, match="CONDA_ENVS_DIRS and CONDA_ENVS_PATH"):
        conda.check_environment({"CONDA_ENVS_DIRS": "/a", "CONDA_ENVS_PATH": "/b"})  # type: ignore[attr-defined]
    conda.check_environment({"CONDA_ENVS_DIRS": "/a"})  # type: ignore[attr-defined]
    stderr = ("Traceback ...\nconda.common.configuration.MultipleKeysError: Multiple aliased "
              "keys in file envvars:\n  - envs_dirs\n  - envs_path\nTypeError: frozenset\n")
    reason = conda.failure_reason(None, stderr, None)  # type: ignore[attr-defined]
    assert reason.startswith("Multiple aliased keys in file envvars:")
    assert conda.classify(reason, None, stderr) is ConfigError  # type: ignore[attr-defined]


def test_json_after_a_warning_line_is_still_read() -> None:
    conda = get_backend("conda")
    text = "warning: something\n" + json.dumps(CONDA_LINK)
    assert conda._json(text) == CONDA_LINK  # type: ignore[attr-defined]
    assert conda._json("not json") is None  # type: ignore[attr-defined]


def test_auto_backend_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    from labtools import process

    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(process, "_EXTRA_SEARCH_DIRS", ())
    choice = choose_backend("auto")
    assert choice.backend == "rattler" and "no mamba, micromamba or conda" in choice.reason
    for bad in ("pip", "pixi"):
        with pytest.raises(UsageError, match="unknown backend"):
            choose_backend(bad)
