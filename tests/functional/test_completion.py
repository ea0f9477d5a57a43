"""Shell completion through click's protocol (COMP_WORDS / COMP_CWORD / _LABTOOLS_COMPLETE)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from labtools.cli import cli
from labtools.cli._complete import COMPLETERS

BIN = Path(sys.executable).parent


def complete(words: str, shell: str = "bash") -> list[str]:
    """What the shell would receive for the command line *words* (cursor at the end)."""
    parts = words.split(" ")
    env = {"_LABTOOLS_COMPLETE": f"{shell}_complete", "COMP_WORDS": words,
           "COMP_CWORD": str(len(parts) - 1) if shell != "fish" else parts[-1]}
    result = CliRunner().invoke(cli, [], env=env, prog_name="labtools")
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def values(words: str) -> list[str]:
    return [line.split(",", 1)[1] for line in complete(words) if line.startswith("plain,")]


def fake_env(root: Path, name: str) -> Path:
    prefix = root / name
    (prefix / "conda-meta").mkdir(parents=True)
    (prefix / "conda-meta" / "history").write_text("")
    return prefix


def test_env_names_complete_live(make_env: object, tmp_path: Path) -> None:
    from labtools.profile import load_profile

    root = load_profile().envs_root
    assert values("labtools env remove py") == []
    make_env("py311-live", root=root)  # type: ignore[operator]
    fake_env(root, "py310-other")
    assert values("labtools env remove py") == ["py310-other", "py311-live"]
    assert values("labtools kernel register py311") == ["py311-live"]
    assert values("labtools spec export py310") == ["py310-other"]
    # a path is left to the shell's own directory completion
    assert complete("labtools env inspect /us") == ["dir,/us"]


def test_env_names_from_another_root_follow_the_root_option(tmp_path: Path) -> None:
    fake_env(tmp_path / "elsewhere", "py39-old")
    assert values(f"labtools env snapshots --root {tmp_path / 'elsewhere'} py") == ["py39-old"]


def test_kernel_names_complete_live() -> None:
    spec_dir = Path(os.environ["JUPYTER_DATA_DIR"]) / "kernels" / "py311-torch"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps(
        {"argv": ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
         "display_name": "Python (torch)", "language": "python"}))
    assert "py311-torch" in values("labtools kernel verify py")
    assert values("labtools kernel remove py311-t") == ["py311-torch"]


def test_ssh_hosts_come_from_the_profile_then_the_ssh_config(tmp_path: Path) -> None:
    ssh = Path.home() / ".ssh"
    (ssh / "conf.d").mkdir(parents=True)
    (ssh / "config").write_text("Host gpu-box\n  HostName 10.0.0.7\n"
                                "Host *.lab !bastion login1 login2  # two logins\n"
                                "Include conf.d/*\n")
    (ssh / "conf.d" / "cluster").write_text("Host = cluster-a\n")
    os.environ["LABTOOLS_HOSTS"] = "lab-gpu"
    assert values("labtools tunnel open ") == ["lab-gpu", "gpu-box", "login1", "login2",
                                               "cluster-a"]
    assert values("labtools jupyter remote lo") == ["login1", "login2"]
    assert values("labtools tunnel open gpu-box --jump cl") == ["cluster-a"]
    other = tmp_path / "other_config"
    other.write_text("Host only-here\n")
    assert values(f"labtools tunnel open --ssh-config {other} o") == ["only-here"]


def test_contestants_complete_inside_a_comma_list() -> None:
    assert values("labtools bench --contestants engine,mi") == ["engine,micromamba"]
    assert values("labtools bench --baseline con") == ["conda-classic", "conda-libmamba"]
    assert values("labtools bench --scenarios solve,") == ["solve,cold", "solve,warm"]


def test_tutorial_names_complete(tmp_path: Path) -> None:
    (tmp_path / "notebooks").mkdir()
    for name in ("00-first-day.py", "01-anatomy.py"):
        (tmp_path / "notebooks" / name).write_text("# %%\n")
    assert values(f"labtools handbook build --project {tmp_path} --only 0") == [
        "00-first-day", "01-anatomy"]


def test_commands_and_options_complete_too() -> None:
    assert values("labtools comp") == ["completion"]
    assert "--contestants" in values("labtools bench --con")


def test_zsh_and_fish_speak_their_own_format() -> None:
    from labtools.profile import load_profile

    fake_env(load_profile().envs_root, "py311-z")
    zsh = complete("labtools env remove py311", shell="zsh")
    assert zsh[:2] == ["plain", "py311-z"]
    fish = complete("labtools env remove py311", shell="fish")
    assert fish[0].startswith("plain,py311-z\t")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_script_calls_back_into_labtools(shell: str) -> None:
    result = CliRunner().invoke(cli, ["completion", shell])
    assert result.exit_code == 0
    assert f"_LABTOOLS_COMPLETE={shell}_complete" in result.stdout
    doc = json.loads(CliRunner().invoke(cli, ["completion", shell, "--json"]).stdout)
    assert doc["script"] == result.stdout and doc["shell"] == shell


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_real_bash_fills_compreply_from_live_names() -> None:
    from labtools.profile import load_profile

    fake_env(load_profile().envs_root, "py311-bash")
    script = subprocess.run([str(BIN / "labtools"), "completion", "bash"], check=True,
                            capture_output=True, text=True).stdout
    probe = (script + "\nCOMP_WORDS=(labtools env remove py311-b); COMP_CWORD=3\n"
             "_labtools_completion labtools\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", probe], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["py311-bash"]


def test_every_completer_names_a_real_parameter() -> None:
    ctx = click.Context(cli)
    for (path, param_name), _ in COMPLETERS.items():
        command: click.Command | None = cli
        for word in path.split():
            assert isinstance(command, click.Group), path
            command = command.get_command(ctx, word)
        assert command is not None, path
        assert param_name in {p.name for p in command.params}, (path, param_name)


def test_a_failing_source_completes_nothing_instead_of_crashing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import labtools.envs.listing as listing

    def broken(**_: object) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(listing, "list_envs", broken)
    assert [line for line in complete("labtools env remove py") if line] == []
