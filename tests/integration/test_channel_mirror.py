"""``labtools channel mirror`` against real PyPI: a small request, missing packages, the cache.

The mirror cache is per test (tmp), so these runs are cold: pip resolves for real and
wheels are downloaded. The environment.yml-sized mirror is in test_mirror_real_tools.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from labtools.cli import cli

pytestmark = pytest.mark.integration

REQUEST = """\
name: tiny
channels:
  - conda-forge
dependencies:
  - python>=3.11
  - six>=1.16
  - python-tzdata
{extra}"""


def _mirror(tmp_path: Path, text: str, out: Path, *args: str) -> object:
    env_file = tmp_path / "environment.yml"
    env_file.write_text(text)
    return CliRunner().invoke(cli, ["channel", "mirror", str(env_file), str(out),
                                    "--cache-dir", str(tmp_path / "cache"), *args])


def test_missing_packages_are_named_and_nothing_is_written(tmp_path: Path) -> None:
    out = tmp_path / "mirror"
    extra = "  - pandoc\n  - labtools-no-such-project-xyz>=1\n"
    result = _mirror(tmp_path, REQUEST.format(extra=extra), out)
    assert result.exit_code == 1  # type: ignore[attr-defined]
    lines = result.output.strip().splitlines()  # type: ignore[attr-defined]
    errors = [ln for ln in lines if ln.startswith("labtools: error:")]
    assert errors == lines[-1:], lines  # progress lines, then one error line
    assert errors[0].startswith("labtools: error: cannot mirror 2 of")
    assert "pandoc: pandoc is a conda-only package" in errors[0]
    assert "labtools-no-such-project-xyz: labtools-no-such-project-xyz is not on PyPI" \
        in errors[0]
    assert not out.exists()
    assert not list((tmp_path / "cache").glob("channels/*/labtools-mirror.json"))
    assert not list((tmp_path / "cache").glob("channels/.*"))  # no staging left behind


def test_skip_missing_mirrors_the_rest_and_a_rerun_is_cached(tmp_path: Path) -> None:
    out = tmp_path / "mirror"
    result = _mirror(tmp_path, REQUEST.format(extra="  - pandoc\n"), out, "--skip-missing",
                     "--json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    report = json.loads(result.output)  # type: ignore[attr-defined]
    assert report["missing"] == [{"name": "pandoc", "reason": "pandoc is a conda-only "
                                  "package (not the PyPI project of that name)"}]
    assert report["cached"] is False
    noarch = json.loads((out / "noarch" / "repodata.json").read_text())["packages.conda"]
    names = {record["name"] for record in noarch.values()}
    assert {"six", "python-tzdata", "pip"} <= names  # conda-forge's name for PyPI's tzdata
    linux = json.loads(next(out.glob("linux-*/repodata.json")).read_text())["packages.conda"]
    assert [r["name"] for r in linux.values()] == ["python"]
    six = next(r for r in noarch.values() if r["name"] == "six")
    assert six["noarch"] == "python" and six["depends"][0].startswith("python")

    again = _mirror(tmp_path, REQUEST.format(extra="  - pandoc\n"), out, "--skip-missing",
                    "--json")
    assert again.exit_code == 0, again.output  # type: ignore[attr-defined]
    second = json.loads(again.output)  # type: ignore[attr-defined]
    assert second["cached"] is True and second["cache_key"] == report["cache_key"]
    assert second["packages"] == report["packages"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".mirror")]  # swapped


def test_a_folder_that_is_not_a_mirror_is_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "precious"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    result = _mirror(tmp_path, REQUEST.format(extra=""), out)
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert "is not empty and is not a labtools mirror" in result.output  # type: ignore[attr-defined]
    assert (out / "notes.txt").read_text() == "keep me"
    assert not (tmp_path / "cache").exists()  # refused before any work


def test_an_unresolvable_pip_entry_is_named(tmp_path: Path) -> None:
    extra = "  - pip:\n      - labtools-no-such-project-xyz==1.0\n"
    result = _mirror(tmp_path, REQUEST.format(extra=extra), tmp_path / "mirror")
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert ("pip: labtools-no-such-project-xyz==1.0: labtools-no-such-project-xyz is not "
            "on PyPI") in result.output  # type: ignore[attr-defined]
