"""Kernels for real conda environments built with rattler from the offline lab channel."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

import labtools
from labtools.errors import KernelError

pytestmark = pytest.mark.integration


def test_register_and_verify_a_conda_env(lab_kernel_env: Path) -> None:
    reg = labtools.register_kernel(lab_kernel_env, name="lab-py")
    assert reg.display_name.startswith("Python 3.") and "(py311-kernel)" in reg.display_name
    assert reg.package_hash.startswith("sha256:")
    result = labtools.verify_kernel("lab-py", expect_prefix=lab_kernel_env, timeout=90)
    assert result.matches is True
    assert Path(result.executable).parent == lab_kernel_env / "bin"
    report = labtools.check_kernels(["lab-py"])
    assert report.ok, report.problems


def test_install_ipykernel_into_a_conda_env(
        make_env: Callable[..., Path], lab_channel_url: str, lab_pkgs_cache: Path) -> None:
    prefix = make_env("py311-plain", ["python"])
    with pytest.raises(KernelError, match="has no ipykernel"):
        labtools.register_kernel(prefix)
    os.environ["LABTOOLS_CHANNELS"] = lab_channel_url
    os.environ["LABTOOLS_CACHE_DIR"] = str(lab_pkgs_cache)
    reg = labtools.register_kernel(prefix, install_ipykernel=True)
    assert reg.installed_ipykernel is True and reg.name == "py311-plain"
    assert list((prefix / "conda-meta").glob("ipykernel-*.json"))
    assert labtools.verify_kernel(reg.name, expect_prefix=prefix, timeout=90).matches is True
