"""spec export / diff / check / lock on real environments built by the rattler engine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from labtools.spec.check import check_env
from labtools.spec.diff import diff_specs
from labtools.spec.export import export_spec
from labtools.spec.locks import lock_env, read_package_list
from labtools.spec.minimize import minimize_env
from labtools.spec.records import read_prefix

pytestmark = pytest.mark.integration


def _create_from(file: Path, name: str, root: Path, cache: Path) -> Path:
    from labtools.lifecycle import create_env

    return create_env(name=name, file=file, root=root, cache_dir=cache, backend="rattler",
                      force_name=True, compile_bytecode=False).prefix


def test_export_recreate_diff_check(make_env: Callable[..., Path], lab_pkgs_cache: Path,
                                    lab_channel_url: str, tmp_path: Path) -> None:
    source = make_env("spec-src", ("python", "labdemo-extra"))
    state = read_prefix(source)
    names = {r.name for r in state.conda}
    assert {"python", "labdemo", "labdemo-extra"} <= names

    exported = export_spec(prefix=source)
    assert exported.spec.channels == (lab_channel_url.rstrip("/"),)
    assert export_spec(prefix=source).text == exported.text  # byte-identical
    history = export_spec(prefix=source, from_history=True, pinned=True).spec
    assert history.source == "history"
    assert {d.split("=")[0] for d in history.dependencies} == {"python", "labdemo-extra"}
    assert minimize_env(prefix=source, relax="none").specs == (
        next(f"labdemo-extra=={r.version}" for r in state.conda if r.name == "labdemo-extra"),
        next(f"python=={r.version}" for r in state.conda if r.name == "python"))

    env_file = tmp_path / "environment.yml"
    env_file.write_text(exported.text)
    clone = _create_from(env_file, "spec-clone", tmp_path / "clones", lab_pkgs_cache)
    result = diff_specs(a=source, b=clone)
    assert result.identical, result
    assert not check_env(env=clone, against=env_file).drifted

    (clone / "conda-meta" / next(
        p.name for p in (clone / "conda-meta").glob("labdemo-extra-*.json"))).unlink()
    report = check_env(env=clone, against=env_file)
    assert report.drifted and report.missing and report.missing[0].startswith("labdemo-extra=")


def test_lock_recreates_exactly(make_env: Callable[..., Path], lab_pkgs_cache: Path,
                                tmp_path: Path) -> None:
    from labtools.spec.locks import register_readers

    source = make_env("spec-lock", ("labdemo",))
    lock = tmp_path / "spec-lock.txt"
    lock.write_text(lock_env(prefix=source))
    listed = read_package_list(lock)
    records = read_prefix(source).conda
    assert [(p.name, p.version, p.build) for p in listed.packages] == [
        (r.name, r.version, r.build) for r in records]
    assert all(p.url.startswith("file://") and (p.md5 or p.sha256) for p in listed.packages)

    register_readers()
    clone = _create_from(lock, "spec-lock-clone", tmp_path / "clones", lab_pkgs_cache)
    assert diff_specs(a=source, b=clone).identical
