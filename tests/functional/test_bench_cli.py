"""``labtools bench`` through click: options, defaults, outputs, and one-line errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from labtools.cli import cli
from labtools.cli.bench import CONTESTANTS, SCENARIOS, UNSUPPORTED
from labtools.pmbench.contestants import ALL
from labtools.pmbench.contestants import SCENARIOS as LIBRARY_SCENARIOS
from labtools.pmbench.contestants import UNSUPPORTED as LIBRARY_UNSUPPORTED


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def no_conda_tools(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """PATH without conda, mamba and micromamba (only this interpreter's bin and the OS)."""
    import sys

    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin",
                                                "/bin"]))


def test_the_cli_names_match_the_library() -> None:
    assert CONTESTANTS == ALL
    assert set(UNSUPPORTED) == set(LIBRARY_UNSUPPORTED)
    assert set(SCENARIOS) == set(LIBRARY_SCENARIOS)


def test_json_result_for_the_engine_on_the_lab_channel(lab_channel: Path,
                                                       no_conda_tools: None) -> None:
    code, out, err = invoke("bench", "--spec", "python labdemo", "-c", str(lab_channel),
                            "--contestants", "engine,micromamba", "--scenarios", "solve",
                            "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["specs"] == ["python", "labdemo", "pip"] and data["pip_added"] is True
    run = data["run"]
    (engine,) = run["measurements"]
    assert engine["contestant"] == "engine" and engine["status"] == "ok"
    assert len(engine["samples"]) == 7 and engine["stats"]["median"] > 0
    (command,) = engine["commands"]
    assert command[0].endswith("labtools") and command[1:3] == ["env", "create"]
    assert command[command.index("--backend") + 1] == "rattler" and "--dry-run" in command
    assert {"labdemo==1.0", "pip==26.3"} <= set(engine["packages"])
    absent = {c["name"]: c["detail"] for c in run["contestants"] if not c["available"]}
    assert absent == {"micromamba": "micromamba is not on PATH (install micromamba, or use "
                                    "--backend rattler)"}
    assert data["machine"]["cores"] and data["machine"]["load_before"]
    assert data["cold_means"]["engine"] == ["LABTOOLS_CACHE_DIR (repodata/, pkgs/, "
                                            "bytecode cache)"]


def test_channel_defaults_to_the_profile(lab_channel: Path) -> None:
    os.environ["LABTOOLS_CHANNELS"] = str(lab_channel)
    code, out, err = invoke("bench", "-s", "labdemo", "--contestants", "engine",
                            "--scenarios", "solve", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["channels"] == [str(lab_channel)]
    assert data["run"]["measurements"][0]["status"] == "ok"


def test_table_markdown_and_plot(lab_channel: Path, tmp_path: Path) -> None:
    md, png = tmp_path / "bench.md", tmp_path / "bench.png"
    code, out, err = invoke("bench", "-s", "labdemo", "-c", str(lab_channel),
                            "--contestants", "engine,cp-al", "--scenarios", "solve",
                            "--markdown", str(md), "--plot", str(png))
    assert code == 0, err
    assert "solve: solve only (dry run), metadata cached (seconds)" in out
    assert "n/a: cp-al (solve): the hard-link copy is the floor of a warm create only" in out
    text = md.read_text()
    assert "| engine | 0.1.0 (py-rattler" in text
    assert png.read_bytes().startswith(b"\x89PNG")


def test_without_a_terminal_progress_is_one_line_per_step_and_none_with_json(
        lab_channel: Path) -> None:
    """A large case runs for hours into a log (make bench-large > log, CI): stderr then gets
    plain lines saying where the run is; --json output stays a single document."""
    args = ["-s", "labdemo", "-c", str(lab_channel), "--contestants", "engine",
            "--scenarios", "solve,warm"]
    code, _, err = invoke("bench", *args)
    assert code == 0, err
    lines = [line for line in err.splitlines() if line.startswith("bench: [")]
    # warm-up + 7 counted rounds, two scenarios each: one line per scenario and round
    assert len(lines) == 17, err
    assert lines[0].startswith("bench: [0/16] solve round 1/8: engine (")
    assert lines[-2].startswith("bench: [15/16] warm round 8/8: engine (")
    assert lines[-1].startswith("bench: [16/16] done (")
    code, out, err = invoke("bench", *args, "--json")
    assert code == 0, err
    assert "bench: [" not in err
    json.loads(out)


def test_the_large_case_takes_specs_and_channels_from_a_file(lab_channel: Path,
                                                             tmp_path: Path) -> None:
    env = tmp_path / "environment.yml"
    env.write_text(f"name: demo\nchannels:\n  - {lab_channel}\ndependencies:\n  - labdemo\n")
    code, out, err = invoke("bench", "--file", str(env), "--contestants", "engine",
                            "--scenarios", "solve", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["specs"] == ["labdemo"] and data["channels"] == [str(lab_channel)]


@pytest.mark.parametrize(("args", "message"), [
    (["--contestants", "engine,npm"], "unknown contestant npm"),
    (["--scenarios", "lukewarm"], "unknown scenario lukewarm"),
    (["--repeats", "5"], "--repeats"),
    (["--plot", "out.pdf"], "png or .svg"),
])
def test_bad_options_exit_2_with_the_fix(args: list[str], message: str) -> None:
    code, _, err = invoke("bench", *args)
    assert code == 2
    assert message in err


def no_channels() -> None:
    """A user profile with no channel (the default, conda-forge, may be reachable)."""
    from labtools.profile import user_config_file

    user_config_file().parent.mkdir(parents=True, exist_ok=True)
    user_config_file().write_text("[profile]\nchannels = []\n")


@pytest.mark.parametrize(("args", "message"), [
    (["-s", "labdemo=9.9"], "labtools: error: no solution for labdemo=9.9"),
    (["-s", "labdemo", "-c", "/nonexistent/chan"],
     "labtools: error: channel file:///nonexistent/chan does not exist (check --channel)"),
    (["-s", "labdemo", "-c", ""], "labtools: error: no channel to benchmark against"),
])
def test_bad_requests_are_one_line_before_anything_is_timed(
        args: list[str], message: str, lab_channel: Path, tmp_path: Path) -> None:
    if "-c" not in args:
        args = [*args, "-c", str(lab_channel)]
    no_channels()
    code, out, err = invoke("bench", *args, "--workdir", str(tmp_path))
    assert code == 1
    assert err.startswith(message) and err.count("\n") == 1, err
    assert out == ""
    assert list(tmp_path.iterdir()) == []  # nothing half-made
