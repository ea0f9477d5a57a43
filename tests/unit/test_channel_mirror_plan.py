"""Mirror planning: conda specs -> PyPI requirements, names, extras, pip section (no network)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from labtools.channel.mirror import Missing, plan_request
from labtools.channel.mirror_build import Converter, unavailable_error
from labtools.channel.names import Naming, pypi_name
from labtools.channel.plan import (
    conda_to_pep440,
    depends_of_extras,
    extra_requirements,
    python_ok,
    split_pip,
    wanted,
)
from labtools.channel.pypi import IndexFile, Unavailable, _pip_failure, compatible_wheels
from labtools.channel.wheel import conda_version, conda_version_spec
from labtools.errors import ChannelError, SpecError

ENV = {"python_version": "3.11", "python_full_version": "3.11.7", "sys_platform": "linux",
       "platform_system": "Linux", "os_name": "posix", "platform_machine": "x86_64",
       "implementation_name": "cpython", "platform_python_implementation": "CPython",
       "extra": ""}


@pytest.mark.parametrize(("conda", "pep440"), [
    (">=8.1", ">=8.1"),
    ("=1.26", "==1.26.*"),
    ("1.26", "==1.26.*"),
    ("1.26.*", "==1.26.*"),
    ("==1.26.4", "==1.26.4"),
    (">=1.2,<2", ">=1.2,<2"),
    ("!=1.5.*", "!=1.5.*"),
    ("~=1.4", "~=1.4"),
])
def test_conda_constraints_become_pep440(conda: str, pep440: str) -> None:
    assert conda_to_pep440(conda) == pep440


def test_an_or_constraint_cannot_be_mirrored() -> None:
    with pytest.raises(SpecError, match="pip has no 'or'"):
        conda_to_pep440("1.26|1.27")


@pytest.mark.parametrize(("pep440", "conda"), [
    ("==1.2.*", "1.2.*"),  # rattler and conda read ==1.2.* as exactly 1.2
    ("===1.0", "==1.0"),
    ("<2,>=1.0", "<2,>=1.0"),
    ("", ""),
])
def test_pep440_specifiers_become_conda(pep440: str, conda: str) -> None:
    assert conda_version_spec(pep440) == conda


def test_versions_are_normalized_for_conda() -> None:
    assert conda_version("2.0.0-rc1") == "2.0.0rc1"
    assert conda_version("1.0.post1") == "1.0.post1"


def test_specs_map_to_pypi_projects() -> None:
    assert wanted("jupyter_client>=8.6").requirement == "jupyter-client>=8.6"
    assert wanted("conda-forge::matplotlib-base=3.8").requirement == "matplotlib==3.8.*"
    assert wanted("python-tzdata").requirement == "tzdata"
    git = wanted("git")
    assert git.requirement is None and "conda-only" in (git.reason or "")
    assert pypi_name("ruamel.yaml") == "ruamel-yaml"
    assert pypi_name("nbconvert-core") == "nbconvert"


def test_naming_keeps_the_request_spelling_then_conda_forge_then_normalized() -> None:
    naming = Naming(["jupyter_client", "matplotlib-base", "Ruamel.YAML"])
    assert naming("jupyter-client") == "jupyter_client"
    assert naming("matplotlib") == "matplotlib-base"
    assert naming("ruamel_yaml") == "ruamel.yaml"
    assert naming("jupyter_core") == "jupyter_core"  # conda-forge's spelling
    assert naming("fastjsonschema") == "python-fastjsonschema"
    assert naming("Markdown_It.Py") == "markdown-it-py"


def test_plan_adds_pip_and_checks_python() -> None:
    here = ".".join(map(str, sys.version_info[:2]))
    tops, missing, naming = plan_request([f"python>={here}", "click>=8", "pandoc"])
    assert [t.conda for t in tops] == ["click", "pip"]
    assert missing == [Missing("pandoc", wanted("pandoc").reason or "")]
    assert naming("Click") == "click"
    with pytest.raises(ChannelError, match="mirror packages this Python"):
        plan_request(["python<3.0"])
    assert python_ok("python=3.11", "3.11.7") and not python_ok("python=3.12", "3.11.7")


def test_extras_become_depends_of_the_package_that_asks() -> None:
    bleach = ["webencodings", "tinycss2<1.5,>=1.1.0; extra == 'css'"]
    assert extra_requirements(bleach, ["css"], ENV) == ["tinycss2<1.5,>=1.1.0"]
    depends = depends_of_extras(["bleach[css]!=5.0.0", "rich[jupyter]; python_version<'3'"],
                                {"bleach": tuple(bleach)}, ENV, Naming())
    assert depends == ["tinycss2 <1.5,>=1.1.0"]


def test_pip_section_splits_local_projects_from_requirements(tmp_path: Path) -> None:
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling>=1.24"]\n'
        '[project]\nname = "p"\ndependencies = ["click>=8"]\n')
    section = split_pip(["-e ./proj", "requests==2.31 # pinned"], tmp_path)
    assert section.projects == ((tmp_path / "proj").resolve(),)
    assert section.requirements == ("requests==2.31",)
    assert section.build_requirements == ("hatchling>=1.24",)
    assert section.project_dependencies == ("click>=8",)
    with pytest.raises(SpecError, match="no Python project at"):
        split_pip(["-e ./nowhere"], tmp_path)
    with pytest.raises(SpecError, match="options are not mirrored"):
        split_pip(["--index-url https://example.org"], tmp_path)


def test_compatible_wheels_pick_installable_final_releases() -> None:
    from packaging.tags import sys_tags

    tag = next(iter(sys_tags()))
    native = f"{tag.interpreter}-{tag.abi}-{tag.platform}"
    files = [IndexFile(f"p-{v}-{t}.whl", f"https://x/p-{v}-{t}.whl", None, rp, y)
             for v, t, rp, y in [
                 ("1.0", "py3-none-any", None, False),
                 ("1.1", native, None, False),
                 ("1.1", "py3-none-any", None, False),
                 ("1.2", "cp311-cp311-win_amd64", None, False),
                 ("1.3", "py3-none-any", None, True),  # yanked
                 ("1.4rc1", "py3-none-any", None, False),
                 ("1.5", "py3-none-any", ">=4", False),
             ]] + [IndexFile("p-2.0.tar.gz", "https://x/p-2.0.tar.gz", None, None, False)]
    found = compatible_wheels(files)
    assert sorted(found) == ["1.0", "1.1"]
    assert found["1.1"].filename.endswith(f"{native}.whl")  # the most specific tag wins


def test_pip_failures_name_the_requirement_and_who_needs_it() -> None:
    out = ("ERROR: Could not find a version that satisfies the requirement nosuch>=1 "
           "(from needsit) (from versions: none)\nERROR: No matching distribution found "
           "for nosuch>=1\n")
    exc = _pip_failure(out)
    assert isinstance(exc, Unavailable)
    assert (exc.requirement, exc.parent) == ("nosuch>=1", "needsit")
    top = _pip_failure("ERROR: Could not find a version that satisfies the requirement "
                       "x==9 (from versions: 1.0)\nERROR: No matching distribution found for x==9")
    assert isinstance(top, Unavailable) and top.parent is None
    conflict = _pip_failure("ERROR: Cannot install a and b because these package versions "
                            "have conflicting dependencies.\nERROR: ResolutionImpossible")
    assert not isinstance(conflict, Unavailable) and "ResolutionImpossible" in str(conflict)


def test_missing_packages_are_one_line_each_named() -> None:
    error = unavailable_error([Missing("pandoc", "conda-only"), Missing("foo", "not on PyPI")],
                              30)
    text = error.one_line()
    assert "\n" not in text
    assert text.startswith("cannot mirror 2 of 30 packages: pandoc: conda-only; foo: not on PyPI")
    assert "--skip-missing" in text


def test_a_broken_wheel_is_named(tmp_path: Path) -> None:
    junk = tmp_path / "broken-1.0-py3-none-any.whl"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    convert = Converter(tmp_path / "ch", tmp_path / "cache", Naming(), {})
    with pytest.raises(ChannelError, match=r"broken-1\.0-py3-none-any\.whl is a broken wheel"):
        convert(junk)
