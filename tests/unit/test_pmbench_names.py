"""The public ``labtools.benchmark`` stays the function once the benchmark package is imported."""

from __future__ import annotations

import importlib

import labtools


def test_benchmark_is_the_function_not_a_subpackage() -> None:
    importlib.import_module("labtools.pmbench.harness")
    importlib.import_module("labtools.pmbench.report")
    assert callable(labtools.benchmark)
    assert labtools.benchmark.__module__ == "labtools.pmbench.api"
    assert not hasattr(labtools, "bench")  # the old, confusable module name is gone
