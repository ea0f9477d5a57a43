"""pixi.lock and conda-lock.yml read through py-rattler's LockFile; env create --file on them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from plugins.lock_files import CONDA_LOCK_HEAD

from labtools.errors import SpecError
from labtools.spec.diff import diff_specs
from labtools.spec.locks import detect_lock, read_lock_request, read_package_list
from labtools.spec.records import read_prefix

pytestmark = pytest.mark.integration

CONDA_LOCK = CONDA_LOCK_HEAD + """\
- name: zlib
  version: 1.3.1
  manager: conda
  platform: linux-64
  dependencies: {libzlib: 1.3.1 hb9d3cd8_2}
  url: https://conda.anaconda.org/conda-forge/linux-64/zlib-1.3.1-hb9d3cd8_2.conda
  hash:
    md5: c9f075ab2f33b3bbee9e62d4ad0a6cd8
    sha256: 5d7c0e5f0005f74112a34a7425179f4eb6e73c92f5d109e6af4ddeca407c92ab
  category: main
  optional: false
- name: requests
  version: 2.31.0
  manager: pip
  platform: linux-64
  dependencies: {}
  url: https://files.pythonhosted.org/packages/70/8e/requests-2.31.0-py3-none-any.whl
  hash: {sha256: 58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f}
  category: main
  optional: false
"""


def test_conda_lock_yml(tmp_path: Path) -> None:
    path = tmp_path / "conda-lock.yml"
    path.write_text(CONDA_LOCK)
    listed = read_package_list(path, platform="linux-64")
    assert listed.kind == "lock" and listed.platform == "linux-64"
    (pkg,) = listed.packages
    assert (pkg.name, pkg.version, pkg.build) == ("zlib", "1.3.1", "hb9d3cd8_2")
    assert pkg.md5 == "c9f075ab2f33b3bbee9e62d4ad0a6cd8" and pkg.sha256 is not None
    assert listed.pip_requirements() == (
        "requests @ https://files.pythonhosted.org/packages/70/8e/requests-2.31.0-py3-none-any.whl",)
    assert detect_lock(path, CONDA_LOCK)
    request = read_lock_request(path, CONDA_LOCK)
    assert request.specs == ("zlib==1.3.1=hb9d3cd8_2",) and "conda-forge" in request.channels
    with pytest.raises(SpecError, match="no packages for platform osx-arm64"):
        read_package_list(path, platform="osx-arm64")
    with pytest.raises(SpecError, match="no environment 'gpu'"):
        read_package_list(path, environment="gpu", platform="linux-64")


def test_pixi_lock_of_a_real_env(make_env: Callable[..., Path], lab_pkgs_cache: Path,
                                 tmp_path: Path) -> None:
    import rattler

    from labtools.lifecycle import create_env
    from labtools.spec.locks import register_readers

    source = make_env("spec-pixi", ("labdemo-extra",))
    platform = rattler.LockPlatform(str(rattler.Subdir.current()))
    lock = rattler.LockFile([platform])
    for json_file in sorted((source / "conda-meta").glob("*.json")):
        lock.add_conda_package("default", platform, rattler.PrefixRecord.from_path(json_file))
    path = tmp_path / "pixi.lock"
    lock.to_path(path)

    listed = read_package_list(path)
    assert [(p.name, p.version) for p in listed.packages] == [
        (r.name, r.version) for r in read_prefix(source).conda]
    register_readers()
    clone = create_env(name="spec-pixi-clone", file=path, root=tmp_path / "clones",
                       cache_dir=lab_pkgs_cache, backend="rattler", force_name=True,
                       compile_bytecode=False).prefix
    assert diff_specs(a=source, b=path).identical
    assert diff_specs(a=source, b=clone).identical


def test_broken_lock_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "pixi.lock"
    path.write_text("version: 6\nenvironments: [\n")
    with pytest.raises(SpecError, match=r"pixi\.lock:3:1: "):
        read_package_list(path)
