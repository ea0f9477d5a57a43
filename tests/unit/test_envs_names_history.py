"""Semantic names, conda history blocks, conda --json parsing, backend choice (pure)."""

from __future__ import annotations

from datetime import datetime

import pytest

from labtools.envs.history import LinkedDist, history_block
from labtools.envs.names import check_name, derive_name, name_problem
from labtools.errors import UsageError


@pytest.mark.parametrize(
    ("specs", "name"),
    [
        (["python=3.11", "pytorch=2.0", "pytorch-cuda=11.8"], "py311-torch20-cuda118"),
        (["tensorflow=2.13", "mkl", "openvino"], "tf213-mkl-openvino"),
        (["python>=3.11", "numpy >=1.26", "pip"], "py311-np126"),
        (["conda-forge::python=3.11.*", "cudatoolkit=11.8"], "py311-cuda118"),
        (["python=3.12", "ipykernel"], "py312-kernel"),
    ],
)
def test_derive_name(specs: list[str], name: str) -> None:
    assert derive_name(specs) == name


@pytest.mark.parametrize("name", ["env1", "test", "myenv", "new", "tmp", "my-env", "venv2", "x"])
def test_vague_names_refused_unless_forced(name: str) -> None:
    with pytest.raises(UsageError, match=r"vague name.*--force-name"):
        check_name(name)
    assert check_name(name, force=True) == name


@pytest.mark.parametrize("name", ["", "a/b", "-rf", "my env", "base", "x" * 65, "py$11"])
def test_invalid_names_refused_even_when_forced(name: str) -> None:
    problem = name_problem(name)
    assert problem is not None and problem[1] is False
    with pytest.raises(UsageError):
        check_name(name, force=True)


def test_refusal_suggests_a_derived_name() -> None:
    with pytest.raises(UsageError, match=r"e\.g\. py311-torch20"):
        check_name("env1", specs=["python=3.11", "pytorch=2.0"])


def test_history_block_matches_conda_format() -> None:
    block = history_block(
        when=datetime(2026, 1, 2, 3, 4, 5),
        command=["labtools", "env", "create", "py311", "python=3.11"],
        linked=[LinkedDist("file:///ch", "zlib", "1.3", "h0"),
                LinkedDist("file:///ch", "python", "3.11.7", "h_lab_0")],
        update_specs=["python=3.11"], tool_version="0.1.0",
    )
    assert block.splitlines() == [
        "==> 2026-01-02 03:04:05 <==",
        "# cmd: labtools env create py311 python=3.11",
        "# labtools version: 0.1.0",
        "+file:///ch::python-3.11.7-h_lab_0",
        "+file:///ch::zlib-1.3-h0",
        "# update specs: ['python=3.11']",
    ]
