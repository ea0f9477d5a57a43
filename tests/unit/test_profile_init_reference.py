"""`labtools profile init` and the generated profile reference agree on every key."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from labtools.errors import ConfigError
from labtools.profile import KEYS, defaults, load_profile
from labtools.profile_file import init_profile, parse_settings, render_profile
from labtools.reference.profile_page import LINUX_PLACES, render_profile_reference


def reference_rows() -> dict[str, dict[str, str]]:
    """The reference page's key table, parsed back from its Markdown."""
    rows: dict[str, dict[str, str]] = {}
    for line in render_profile_reference().splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) == 5 and cells[0].startswith("`"):
            key, default, env, flag, meaning = cells
            rows[key.strip("`")] = {"default": default.strip("`"), "env": env,
                                    "flag": flag, "meaning": meaning}
    return rows


def written_defaults(text: str) -> dict[str, object]:
    """Every key of a written profile: set ones through TOML, commented-out ones by line."""
    found: dict[str, object] = dict(tomllib.loads(text)["profile"])
    for match in re.finditer(r"^# (\w+) = (.+?)  # the default$", text, re.MULTILINE):
        found[match[1]] = tomllib.loads(f"v = {match[2]}")["v"]
    return found


def machine_places() -> dict[str, str]:
    import platformdirs

    return {"<user data>": platformdirs.user_data_dir("labtools"),
            "<user cache>": platformdirs.user_cache_dir("labtools")}


def test_init_and_reference_agree_on_every_key_and_default(tmp_path: Path) -> None:
    written = init_profile(tmp_path / "labtools.toml")
    text = written.path.read_text()
    in_file = written_defaults(text)
    rows = reference_rows()
    assert list(rows) == [key.name for key in KEYS]
    assert sorted(in_file) == sorted(rows)
    for key in KEYS:
        documented = rows[key.name]["default"]
        if key.kind == "path":
            for placeholder, place in machine_places().items():
                documented = documented.replace(placeholder, place)
            in_file_path = Path(str(in_file[key.name])).expanduser()
            assert in_file_path == Path(documented) == defaults()[key.name], key.name
        else:
            documented_value = tomllib.loads(f"v = {documented}")["v"]
            expected = list(key.default) if key.kind == "list" else key.default
            assert in_file[key.name] == documented_value == expected, key.name
        assert key.env_var in rows[key.name]["env"] and key.env_var in text
        for choice in key.choices:
            assert choice in rows[key.name]["meaning"] and choice in text


def test_the_written_file_reads_back_as_the_defaults(tmp_path: Path) -> None:
    init_profile(tmp_path / "labtools.toml")
    profile = load_profile(cwd=tmp_path, environ={})
    for key in KEYS:
        assert getattr(profile, key.name) == defaults()[key.name], key.name
    set_in_file = {k for k, v in profile.sources.items() if v != "default"}
    assert set_in_file == {"channels", "backend", "naming", "hosts"}


def test_set_values_are_written_and_checked(tmp_path: Path) -> None:
    values = parse_settings(["channels=./lab-channel,conda-forge", "backend=rattler",
                             "hosts=gpu-box"])
    init_profile(tmp_path / "labtools.toml", values=values)
    profile = load_profile(cwd=tmp_path, environ={})
    assert profile.channels == (str(tmp_path / "lab-channel"), "conda-forge")
    assert profile.backend == "rattler" and profile.hosts == ("gpu-box",)
    with pytest.raises(ConfigError, match="'pip' is not one of"):
        parse_settings(["backend=pip"])
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        parse_settings(["chanels=x"])


def test_init_never_replaces_a_file_unless_forced(tmp_path: Path) -> None:
    target = tmp_path / "labtools.toml"
    target.write_text("# mine\n")
    with pytest.raises(ConfigError, match="already exists; nothing was written"):
        init_profile(target)
    assert target.read_text() == "# mine\n"
    init_profile(target, force=True)
    assert "[profile]" in target.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["labtools.toml"]  # no staging left


def test_user_scope_writes_the_user_file() -> None:
    from labtools.profile import user_config_file

    written = init_profile(user=True)
    assert written.path == user_config_file() and written.scope == "user"
    assert load_profile(environ={}).sources["backend"] == str(user_config_file())


def test_a_misspelt_key_names_the_nearest(tmp_path: Path) -> None:
    (tmp_path / "labtools.toml").write_text('[profile]\nchanels = ["x"]\n')
    with pytest.raises(ConfigError, match="did you mean channels"):
        load_profile(cwd=tmp_path, environ={})


def test_the_reference_example_is_machine_independent() -> None:
    page = render_profile_reference()
    assert render_profile(user_file="~/.config/labtools/labtools.toml",
                          places=LINUX_PLACES).strip() in page
    assert str(Path.home()) not in page
    assert "# envs_root = \"~/.local/share/labtools/envs\"  # the default" in page
