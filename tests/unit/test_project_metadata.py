"""environment.yml and pyproject.toml must agree on every dependency."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
# a pyproject extra that conda spells as a separate package
EXTRAS_AS_PACKAGES = {("mkdocstrings", "python"): "mkdocstrings-python"}
CONDA_ONLY = {"python", "pip"}


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pyproject_requirements() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = data["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    found: dict[str, str] = {}
    for text in reqs:
        req = Requirement(text)
        if norm(req.name) == "labtools":
            continue
        found[norm(req.name)] = str(req.specifier)
        for extra in req.extras:
            found[EXTRAS_AS_PACKAGES[(norm(req.name), extra)]] = ""
    return found


def environment_requirements() -> dict[str, str]:
    data = YAML(typ="safe").load((ROOT / "environment.yml").read_text())
    found: dict[str, str] = {}
    for item in data["dependencies"]:
        if isinstance(item, dict):
            assert item["pip"] == ["-e ."], "the pip section installs only the project itself"
            continue
        match = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", item)
        assert match, item
        name, spec = norm(match[1]), match[2].replace(" ", "")
        if name not in CONDA_ONLY:
            found[name] = spec
    return found


def test_environment_yml_matches_pyproject() -> None:
    assert environment_requirements() == pyproject_requirements()


def test_environment_yml_pins_the_supported_python() -> None:
    data = YAML(typ="safe").load((ROOT / "environment.yml").read_text())
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert f"python{requires}" in data["dependencies"]
