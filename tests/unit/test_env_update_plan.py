"""The update's pure core: plan, warnings, solve request, modules to verify, snapshot ids."""

from __future__ import annotations

from datetime import datetime

import pytest

from labtools.envs.plan import (
    compare_versions,
    plan_changes,
    requested_specs_after,
    solve_request,
    spec_name,
    top_level_modules,
)
from labtools.envs.records import parse_conda_record
from labtools.envs.snapshots import new_snapshot_id, parse_snapshot, render_snapshot
from labtools.errors import SpecError
from labtools.spec.locks import parse_explicit


def test_plan_sorts_changes_into_kinds_and_warns_on_downgrades_and_major_jumps() -> None:
    before = {"numpy": ("1.26.4", "py311_0"), "six": ("1.16", "py_0"), "pip": ("24.0", "py_0"),
              "zlib": ("1.3", "h0"), "gone": ("1.0", "0")}
    after = {"numpy": ("2.0.1", "py311_0"), "six": ("1.15", "py_0"), "pip": ("24.0", "py_1"),
             "zlib": ("1.3", "h0"), "new": ("0.1", "0")}
    plan = plan_changes(before, after)
    kinds = {item.name: item.kind for item in plan.items}
    assert kinds == {"numpy": "upgraded", "six": "downgraded", "pip": "rebuilt",
                     "gone": "removed", "new": "added"}
    assert plan.count("upgraded") == 1 and not plan.empty
    assert any("six goes DOWN from 1.16 to 1.15" in w for w in plan.warnings)
    assert any("numpy jumps a major version (1.26.4 -> 2.0.1)" in w for w in plan.warnings)
    assert len(plan.warnings) == 2
    assert plan_changes(before, before).empty


def test_versions_compare_the_conda_way() -> None:
    assert compare_versions("1.10", "1.9") == 1
    assert compare_versions("2.0rc1", "2.0") == -1
    assert compare_versions("1.0", "1.0") == 0


def test_solve_request_frees_only_the_named_packages() -> None:
    installed = {"python": ["python"], "labbreak": ["labbreak==1.0"], "labfine": ["labfine"],
                 "tzdata": []}
    specs, free = solve_request(installed, ["labbreak"], everything=False)
    assert specs == ["labfine", "python", "labbreak"] and free == {"labbreak"}
    specs, free = solve_request(installed, [], everything=True)
    assert specs == ["labbreak", "labfine", "python", "tzdata"] and free == set(installed)
    bare = {"a": [], "b": []}
    assert solve_request(bare, ["b>=2"], everything=False) == (["a", "b>=2"], {"b"})


def test_requested_specs_after_an_update() -> None:
    installed = {"python": ["python"], "labbreak": ["labbreak==1.0"], "tzdata": []}
    assert requested_specs_after(installed, ["labbreak>=2"], everything=False) == [
        "python", "labbreak>=2"]
    assert requested_specs_after(installed, [], everything=True) == ["labbreak", "python"]


def test_spec_name() -> None:
    assert spec_name("numpy>=2") == "numpy"
    assert spec_name("conda-forge::SciPy==1.1=py_0") == "scipy"
    with pytest.raises(SpecError):
        spec_name("   ")


def test_top_level_modules_from_record_files() -> None:
    files = ["lib/python3.11/site-packages/labbreak/__init__.py",
             "lib/python3.11/site-packages/labbreak/core.py",
             "lib/python3.11/site-packages/six.py",
             "lib/python3.11/site-packages/_private.py",
             "lib/python3.11/site-packages/zmq/backend/__init__.py",
             "lib/python3.11/site-packages/fast.cpython-311-x86_64-linux-gnu.so",
             "lib/python3.11/site-packages/tests/__init__.py",
             "bin/labbreak"]
    assert top_level_modules(files) == ("fast", "labbreak", "six")


def test_snapshot_ids_and_text() -> None:
    now = datetime(2026, 1, 2, 3, 4, 5)
    assert new_snapshot_id(now, []) == "20260102T030405"
    assert new_snapshot_id(now, ["20260102T030405", "20260102T030405-2"]) == \
        "20260102T030405-3"
    url = "file:///c/noarch/a-1.0-py_0.conda"
    record = parse_conda_record({"name": "a", "version": "1.0", "build": "py_0", "url": url,
                                 "md5": "0" * 32, "subdir": "noarch"}, source="a.json")
    text = render_snapshot([record], "before update\nlabbreak", platform="linux-64")
    assert text.splitlines()[0] == "# labtools-snapshot-reason: before update labbreak"
    # conda's explicit format: conda create --file SNAPSHOT rebuilds it by hand
    assert [p.name for p in parse_explicit(text).packages] == ["a"]
    reason, pins = parse_snapshot(text, source="s.txt")
    assert reason == "before update labbreak"
    assert [(p.spec, p.channel) for p in pins] == [("a==1.0=py_0", "file:///c")]
    with pytest.raises(SpecError, match="not a package URL"):
        parse_snapshot(text + "garbage\n", source="s.txt")
