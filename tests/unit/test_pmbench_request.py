"""One request in every contestant's terms: PyPI requirements, the package to add, outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labtools.pmbench import pkgsets
from labtools.pmbench.request import choose_addition, closure, find_wheelhouse, to_pypi


@pytest.mark.parametrize(("specs", "expected"), [
    (["numpy=1.26"], ["numpy==1.26.*"]),
    (["numpy >=1.2", "requests"], ["numpy>=1.2", "requests"]),
    (["scipy 1.11"], ["scipy==1.11.*"]),
    (["pkg=1.*"], ["pkg==1.*"]),
    (["python", "ipykernel"], ["ipykernel"]),          # the venv is the python
    (["python=3.11", "pip", "six"], ["six"]),
    (["python >=3.10,<3.12", "six"], ["six"]),
])
def test_to_pypi_converts_conda_specs(specs: list[str], expected: list[str]) -> None:
    assert to_pypi(specs, host="3.11.7")[0] == expected


@pytest.mark.parametrize(("spec", "why"), [
    ("python=3.12", "venv of this interpreter (python 3.11.7)"),
    ("conda-forge::numpy", "names a channel"),
    ("numpy=1.26=py311_0", "build string"),
])
def test_to_pypi_refuses_what_a_venv_cannot_be_with_a_reason(spec: str, why: str) -> None:
    converted, reason = to_pypi([spec, "requests"], host="3.11.7")
    assert converted is None
    assert why in reason


def test_python_alone_is_not_a_pypi_request() -> None:
    assert to_pypi(["python"], host="3.11.7") == (
        None, "the spec asks for nothing but python, which a venv already is")


DEPS = {"python": set(), "pip": {"python"}, "ipykernel": {"python", "tornado"},
        "tornado": {"python"}, "labdemo": {"python"}, "extra": {"labdemo", "python"},
        "aaa-needs-numpy": {"numpy"}, "numpy": {"python"}}


def test_closure_adds_pip_to_python_as_conda_and_mamba_do() -> None:
    assert closure(["python", "ipykernel >=7"], DEPS) == {"python", "pip", "ipykernel",
                                                          "tornado"}


def test_the_package_to_add_is_missing_and_needs_nothing_new() -> None:
    # aaa-needs-numpy would pull numpy in, extra needs labdemo: labdemo (then numpy) qualify
    assert choose_addition(["python", "ipykernel"], DEPS, wheels=set()) == "labdemo"
    assert choose_addition(["python", "ipykernel"], DEPS, wheels={"numpy"}) == "numpy"
    assert choose_addition(["python"], {"python": set()}, wheels=set()) is None


def test_the_wheelhouse_is_the_channels_wheels_folder(tmp_path: Path) -> None:
    channel = tmp_path / "chan"
    (channel / "wheels").mkdir(parents=True)
    assert find_wheelhouse([str(channel)]) is None  # empty: not a wheelhouse
    (channel / "wheels" / "six-1.0-py3-none-any.whl").write_bytes(b"")
    assert find_wheelhouse([channel.as_uri()]) == channel / "wheels"
    assert find_wheelhouse([str(channel)], ["Six>=1"]) == channel / "wheels"
    # a mirror's wheels/ may hold only its pip: section: not a wheelhouse for numpy
    assert find_wheelhouse([str(channel)], ["six", "numpy==1.26.*"]) is None
    assert find_wheelhouse(["https://example.org/chan"]) is None


def test_package_sets_from_each_tools_output() -> None:
    conda = json.dumps({"actions": {"LINK": [{"name": "Typing_Extensions", "version": "4.1"},
                                             {"name": "python", "version": "3.11.7"}]}})
    assert pkgsets.from_conda_json(conda) == {"typing-extensions==4.1", "python==3.11.7"}
    labtools = json.dumps({"packages": [{"name": "six", "version": "1.0", "build": "x"}]})
    assert pkgsets.from_labtools_json(labtools) == {"six==1.0"}
    pip = json.dumps({"install": [{"metadata": {"name": "Six", "version": "1.0"}}]})
    assert pkgsets.from_pip_report(pip) == {"six==1.0"}
    uv = "Resolved 2 packages\nWould install 2 packages\n + six==1.0\n + tzdata==2026.6\n"
    assert pkgsets.from_uv_dry_run(uv) == {"six==1.0", "tzdata==2026.6"}


def test_the_pypi_view_of_a_conda_env_drops_the_interpreter_and_installer() -> None:
    env = frozenset({"python==3.11.7", "pip==26.3", "six==1.0"})
    assert pkgsets.pypi_view(env) == {"six==1.0"}
    assert pkgsets.pypi_view(env, requested=["pip"]) == {"pip==26.3", "six==1.0"}


def test_the_pypi_view_uses_pypi_names() -> None:
    """The large case's conda env and venv differed only in names: conda-forge spells
    msgpack, fastjsonschema and tzdata as msgpack-python, python-fastjsonschema and
    python-tzdata."""
    env = frozenset({"msgpack-python==1.2.4", "python-fastjsonschema==2.22.3",
                     "python-tzdata==2026.6", "python==3.11.7", "jupyter-client==8.6.3"})
    assert pkgsets.pypi_view(env) == {"msgpack==1.2.4", "fastjsonschema==2.22.3",
                                      "tzdata==2026.6", "jupyter-client==8.6.3"}
