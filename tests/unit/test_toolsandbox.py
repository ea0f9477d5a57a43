"""One builder seals a real conda, mamba or micromamba: its rc file, folders and variables."""

from __future__ import annotations

from pathlib import Path

import yaml

from labtools.pmbench.sandbox import Sandbox
from labtools.toolsandbox import ToolSandbox, condarc


def test_the_rc_file_names_no_channel_and_never_goes_online() -> None:
    rc = yaml.safe_load(condarc())
    assert rc["channels"] == [] and rc["default_channels"] == []
    assert rc["channel_alias"].startswith("file:///nonexistent")
    assert rc["offline"] is False  # libmamba ignores uncached file:// channels offline
    assert "pkgs_dirs" not in rc and "solver" not in rc


def test_a_sandbox_keeps_every_folder_inside_it_but_a_shared_package_cache(
        tmp_path: Path) -> None:
    shared = tmp_path / "shared-pkgs"
    box = ToolSandbox(tmp_path / "sb", pkgs_dir=shared).make(solver="classic")
    rc = yaml.safe_load(box.rc.read_text(encoding="utf-8"))
    assert rc["pkgs_dirs"] == [str(shared)] and rc["envs_dirs"] == [str(box.envs)]
    assert rc["solver"] == "classic"
    env = box.environ()
    assert env["CONDARC"] == env["MAMBARC"] == str(box.rc)
    assert env["CONDA_PKGS_DIRS"] == str(shared) and shared.is_dir()
    inside = {k: v for k, v in env.items() if k not in ("CONDA_PKGS_DIRS", "LANG")
              and k not in ("CONDA_OVERRIDE_CUDA", "CONDA_NUMBER_CHANNEL_NOTICES")}
    assert all(Path(v).is_relative_to(box.root) for v in inside.values()), inside
    assert all(Path(env[k]).is_dir() for k in ("HOME", "XDG_CACHE_HOME", "MAMBA_ROOT_PREFIX",
                                               "CONDA_ENVS_DIRS"))


def test_the_benchmark_sandbox_is_the_same_seal_plus_its_own_caches(tmp_path: Path) -> None:
    bench = Sandbox(tmp_path / "b").make()
    env = bench.environ({"CONDA_SOLVER": "libmamba"})
    assert ToolSandbox(bench.root).environ().items() <= env.items()
    assert env["CONDA_SOLVER"] == "libmamba"
    assert set(env) - {"PATH"} - set(ToolSandbox(bench.root).environ()) >= {
        "TMPDIR", "LABTOOLS_CACHE_DIR", "PIP_CACHE_DIR", "UV_CACHE_DIR"}
    rc = yaml.safe_load((bench.root / "condarc").read_text(encoding="utf-8"))
    assert rc["pkgs_dirs"] == [str(bench.pkgs)] and bench.pkgs == bench.root / "pkgs"
