"""Fixtures for an offline conda channel and environments built from it (environments issue).

Session fixtures, for every test that needs a real conda environment:

- ``lab_channel`` -> Path: a built and indexed channel (relocatable host python, ipykernel
  and its ~30 dependencies converted from wheels, pip, and the tiny demo packages
  ``labdemo`` (console script ``labdemo``) and ``labdemo-extra`` (depends on labdemo)).
  Cached under ``build/`` keyed on its inputs, so only the first run pays (~10 s).
- ``lab_channel_url`` -> str: the same channel as a ``file://`` URL.
- ``lab_pkgs_cache`` -> Path: a package cache shared by the session (warm installs).
- ``make_env`` -> ``make_env(name, specs=("python",), *, root=None) -> Path``: creates an
  env from the lab channel with the built-in engine under a per-test folder.
- ``lab_kernel_env`` -> Path: one ``python + ipykernel`` env per session (do not modify it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from labtools.channel.lab import ensure_lab_channel

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "build"

MakeEnv = Callable[..., Path]


@pytest.fixture(scope="session")
def lab_channel() -> Path:
    """A built and indexed offline channel (python, ipykernel + deps, pip, labdemo*)."""
    return ensure_lab_channel(BUILD)


@pytest.fixture(scope="session")
def lab_channel_url(lab_channel: Path) -> str:
    return lab_channel.as_uri()


@pytest.fixture(scope="session")
def lab_pkgs_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A rattler cache (repodata + extracted packages) shared by the whole session."""
    return tmp_path_factory.mktemp("lab-pkgs-cache")


def _create(channel: Path, cache: Path, root: Path, name: str, specs: Sequence[str]) -> Path:
    from labtools.envs.create import create_env

    result = create_env(
        name=name, specs=list(specs), channels=[str(channel)], backend="rattler",
        root=root, cache_dir=cache, force_name=True, compile_bytecode=False,
    )
    return result.prefix


@pytest.fixture
def make_env(lab_channel: Path, lab_pkgs_cache: Path, tmp_path: Path) -> MakeEnv:
    """``make_env(name, specs=("python",), *, root=None) -> Path`` of a new env."""

    def make(name: str, specs: Sequence[str] = ("python",), *, root: Path | None = None) -> Path:
        return _create(lab_channel, lab_pkgs_cache, root or tmp_path / "envs", name, specs)

    return make


@pytest.fixture(scope="session")
def lab_kernel_env(
    lab_channel: Path, lab_pkgs_cache: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A session-wide ``python + ipykernel`` environment from the lab channel."""
    root = tmp_path_factory.mktemp("lab-kernel-envs")
    return _create(lab_channel, lab_pkgs_cache, root, "py311-kernel", ["python", "ipykernel"])
