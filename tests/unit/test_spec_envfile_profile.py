"""environment.yml parsing (line/column errors), reader dispatch, profile precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from labtools.errors import ConfigError, SpecError
from labtools.profile import load_profile
from labtools.spec import envfile
from labtools.spec.envfile import EnvRequest, load_request, parse_environment_yml

GOOD = """\
name: py311-torch20  # the team's name
channels:
  - pytorch
  - conda-forge
dependencies:
  - python=3.11
  - pytorch=2.0
  - pip
  - pip:
      - transformers==4.30
"""


def test_parses_conda_environment_yml() -> None:
    req = parse_environment_yml(GOOD)
    assert req.name == "py311-torch20"
    assert req.channels == ("pytorch", "conda-forge")
    assert req.specs == ("python=3.11", "pytorch=2.0", "pip")
    assert req.pip == ("transformers==4.30",)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("name: x\ndependencies:\n  - python\n   - bad: [\n", ":4:"),
        ("name: x\ndependencies:\n  - python\n  - {a: 1}\n", ":4: "),
        ("name: x\nchannels: conda-forge\n", ":2: "),
        ("- just\n- a list\n", ":1: "),
        ("dependencies:\n  - six >= 1.16\n  - bad spec !!\n", ":3: "),
        ("dependencies:\n  - pip:\n    - requests\n    - test>>1\n", ":4: "),
        ("dependencies: [a\n", ":2:1: "),
    ],
)
def test_malformed_files_report_line_and_column(text: str, where: str, tmp_path: Path) -> None:
    path = tmp_path / "environment.yml"
    path.write_text(text)
    with pytest.raises(SpecError) as info:
        load_request(path)
    assert f"environment.yml{where}" in str(info.value)


def test_registered_reader_takes_precedence(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(envfile, "_READERS", [])
    monkeypatch.setattr(envfile, "_plugins_loaded", True)
    path = tmp_path / "explicit.txt"
    path.write_text("@EXPLICIT\nhttps://example.invalid/noarch/a-1-0.conda\n")
    envfile.register_reader(
        "explicit", lambda _p, text: text.startswith("@EXPLICIT"),
        lambda p, text: EnvRequest(name=None, channels=(), specs=(), source=p, kind="explicit",
                                   urls=tuple(text.splitlines()[1:])),
    )
    req = load_request(path)
    assert req.kind == "explicit" and req.urls == ("https://example.invalid/noarch/a-1-0.conda",)


def test_profile_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from labtools.profile import user_config_file

    user = user_config_file()
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text('[profile]\nbackend = "mamba"\nnaming = "warn"\nchannels = ["user-ch"]\n')
    project = tmp_path / "proj"
    project.mkdir()
    (project / "labtools.toml").write_text('[profile]\nchannels = ["./channel"]\n'
                                           'envs_root = "envs"\n')
    profile = load_profile(cwd=project, environ={"LABTOOLS_BACKEND": "rattler"})
    assert profile.backend == "rattler" and profile.sources["backend"] == "LABTOOLS_BACKEND"
    assert profile.channels == (str(project / "channel"),)
    assert profile.envs_root == project / "envs"
    assert profile.naming == "warn" and profile.sources["naming"] == str(user)
    assert profile.sources["cache_dir"] == "default"


def test_profile_rejects_bad_values(tmp_path: Path) -> None:
    (tmp_path / "labtools.toml").write_text('[profile]\nbackend = "pip"\n')
    with pytest.raises(ConfigError, match="backend = 'pip' is not one of"):
        load_profile(cwd=tmp_path, environ={})
    (tmp_path / "labtools.toml").write_text('[profile]\nchanels = []\n')
    with pytest.raises(ConfigError, match="unknown profile keys"):
        load_profile(cwd=tmp_path, environ={})
