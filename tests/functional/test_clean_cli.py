"""``labtools clean``: sizes, reclaimable bytes with hard links, real deletion, orphan kernels."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner

from labtools.cli import cli


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def make_engine_cache(tmp_path: Path) -> tuple[Path, Path]:
    """An engine cache: package a-1 hard-linked into an env, b-1 and repodata unused."""
    cache = tmp_path / "cache"
    env = tmp_path / "env" / "lib"
    (cache / "pkgs" / "a-1" / "lib").mkdir(parents=True)
    (cache / "pkgs" / "b-1").mkdir(parents=True)
    (cache / "repodata").mkdir()
    env.mkdir(parents=True)
    used = cache / "pkgs" / "a-1" / "lib" / "liba.so"
    used.write_bytes(b"a" * 1000)
    os.link(used, env / "liba.so")
    (cache / "pkgs" / "b-1" / "data.bin").write_bytes(b"b" * 500)
    (cache / "repodata" / "x.json").write_bytes(b"{}" * 100)
    os.environ["LABTOOLS_CACHE_DIR"] = str(cache)
    return cache, env / "liba.so"


def engine_entry(data: dict[str, object]) -> dict[str, object]:
    caches = data["caches"]
    assert isinstance(caches, list)
    return next(c for c in caches if c["kind"] == "engine")


def test_dry_run_counts_hard_linked_files_as_not_reclaimable(tmp_path: Path) -> None:
    cache, _ = make_engine_cache(tmp_path)
    code, out, err = invoke("clean", "--dry-run", "--json")
    assert code == 0, err
    data = json.loads(out)
    engine = engine_entry(data)
    assert (engine["size"], engine["reclaimable"], engine["freed"]) == (1700, 700, 0)
    assert (engine["units"], engine["in_use"]) == (3, 1)
    assert data["dry_run"] is True
    assert (cache / "pkgs" / "b-1" / "data.bin").exists()  # nothing deleted


def test_clean_deletes_unused_packages_and_keeps_linked_ones(tmp_path: Path) -> None:
    cache, env_file = make_engine_cache(tmp_path)
    code, out, err = invoke("clean", "--json")
    assert code == 0, err
    engine = engine_entry(json.loads(out))
    assert engine["freed"] == 700
    assert not (cache / "pkgs" / "b-1").exists()
    assert not (cache / "repodata" / "x.json").exists()
    assert (cache / "pkgs" / "a-1" / "lib" / "liba.so").exists()
    assert env_file.read_bytes() == b"a" * 1000
    code, out, _ = invoke("clean", "--dry-run", "--json")
    assert engine_entry(json.loads(out))["reclaimable"] == 0


def test_pip_and_uv_caches_are_found_and_measured(tmp_path: Path) -> None:
    pip, uv = tmp_path / "pip-cache", tmp_path / "uv-cache"
    (pip / "http-v2").mkdir(parents=True)
    (pip / "http-v2" / "blob").write_bytes(b"p" * 300)
    (uv / "archive-v0" / "abc").mkdir(parents=True)
    (uv / "archive-v0" / "abc" / "m.py").write_bytes(b"u" * 40)
    os.environ["PIP_CACHE_DIR"], os.environ["UV_CACHE_DIR"] = str(pip), str(uv)
    try:
        code, out, err = invoke("clean", "--dry-run")
        assert code == 0, err
        assert "pip" in out and "uv" in out and "would free 340 B of 340 B" in out
    finally:
        del os.environ["PIP_CACHE_DIR"], os.environ["UV_CACHE_DIR"]


def test_orphan_kernels_are_listed_then_removed(tmp_path: Path) -> None:
    kernels = Path(os.environ["JUPYTER_DATA_DIR"]) / "kernels"
    ghost = kernels / "ghost"
    ghost.mkdir(parents=True)
    gone = tmp_path / "deleted-env" / "bin" / "python"
    (ghost / "kernel.json").write_text(json.dumps({
        "argv": [str(gone), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Ghost", "language": "python"}))
    code, out, err = invoke("clean", "--dry-run", "--json")
    assert code == 0, err
    (orphan,) = json.loads(out)["orphan_kernels"]
    assert orphan["name"] == "ghost" and orphan["removed"] is False
    assert ghost.exists()
    code, out, err = invoke("clean")
    assert code == 0, err
    assert "removed orphan kernel ghost" in out
    assert not ghost.exists()
