"""``labtools bench`` through click: options, defaults from the profile, outputs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from labtools.channel.lab import demo_wheels
from labtools.cli import cli


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_json_result_for_the_engine_on_the_lab_channel(lab_channel: Path) -> None:
    code, out, err = invoke("bench", "--spec", "labdemo", "-c", str(lab_channel),
                            "--contestants", "engine,micromamba", "--scenarios", "solve",
                            "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["specs"] == ["labdemo"]
    run = data["run"]
    assert [m["contestant"] for m in run["measurements"]] == (
        ["engine"] if not any(c["name"] == "micromamba" and c["available"]
                              for c in run["contestants"]) else ["engine", "micromamba"])
    engine = run["measurements"][0]
    assert engine["status"] == "ok" and len(engine["samples"]) == 5
    assert engine["stats"]["median"] > 0
    assert {c["name"] for c in run["contestants"]} == {"engine", "micromamba"}


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
    demo_wheels(tmp_path / "wheels")
    code, out, err = invoke("bench", "-s", "labdemo", "-c", str(lab_channel),
                            "--contestants", "engine,pip", "--scenarios", "solve",
                            "--find-links", str(tmp_path / "wheels"),
                            "--markdown", str(md), "--plot", str(png))
    assert code == 0, err
    assert "solve: solve only (seconds)" in out and "engine" in out
    assert "absent: pip:" not in out  # labdemo is PyPI-only: pip takes part
    text = md.read_text()
    assert "| solve | engine |" in text
    assert "| solve | pip | " in text and "| solve | pip | failed" not in text
    assert png.read_bytes().startswith(b"\x89PNG")


def test_absent_contestants_are_printed_with_the_reason(lab_channel: Path) -> None:
    code, out, _ = invoke("bench", "-s", "python labdemo", "-c", str(lab_channel),
                          "--contestants", "engine,uv", "--scenarios", "solve")
    assert code == 0
    assert "absent: uv: the spec asks for python itself" in out


def no_channels() -> None:
    """A user profile with no channel (the default, conda-forge, may be reachable)."""
    from labtools.profile import user_config_file

    user_config_file().parent.mkdir(parents=True, exist_ok=True)
    user_config_file().write_text("[profile]\nchannels = []\n")


def test_a_failing_engine_is_reported_not_fatal(tmp_path: Path) -> None:
    no_channels()
    code, out, err = invoke("bench", "-s", "labdemo", "--contestants", "engine",
                            "--scenarios", "solve", "--json")
    assert code == 0, err
    (m,) = json.loads(out)["run"]["measurements"]
    assert m["status"] == "failed" and "no channel to install from" in m["error"]


@pytest.mark.parametrize(("args", "message"), [
    (["--contestants", "engine,npm"], "unknown contestant npm"),
    (["--scenarios", "lukewarm"], "unknown scenario lukewarm"),
    (["--repeats", "3"], "--repeats"),
    (["--plot", "out.pdf"], "png or .svg"),
])
def test_bad_options_exit_2_with_the_fix(args: list[str], message: str) -> None:
    code, _, err = invoke("bench", *args)
    assert code == 2
    assert message in err


def test_file_gives_specs_and_channels(lab_channel: Path, tmp_path: Path) -> None:
    env = tmp_path / "environment.yml"
    env.write_text(f"name: demo\nchannels:\n  - {lab_channel}\ndependencies:\n  - labdemo\n")
    code, out, err = invoke("bench", "--file", str(env), "--contestants", "engine",
                            "--scenarios", "solve", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["specs"] == ["labdemo"] and data["channels"] == [str(lab_channel)]


def test_a_failure_is_printed_below_the_table() -> None:
    no_channels()
    code, out, _ = invoke("bench", "-s", "labdemo", "--contestants", "engine",
                          "--scenarios", "solve")
    assert code == 0
    assert "see below" in out
    assert "failed: engine (solve): no channel to install from" in out
