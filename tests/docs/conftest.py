"""One handbook build per test session, shared by every docs test (nothing runs twice)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from labtools.handbook import config as hbconfig
from labtools.handbook.site import BuildResult, build_handbook
from labtools.secret_registry import read_secrets_file

ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The first docs test pays for the whole handbook build (the benchmark tutorial alone
    runs 8 tools x 2 scenarios x 8 rounds): give docs tests a budget that covers it."""
    docs = Path(__file__).parent
    for item in items:
        if docs in item.path.parents and "handbook" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.timeout(3600))


@dataclass(frozen=True)
class BuiltHandbook:
    result: BuildResult
    site: Path
    config: hbconfig.HandbookConfig
    secrets: frozenset[str]


@pytest.fixture(scope="session")
def handbook(tmp_path_factory: pytest.TempPathFactory,
             real_tools_dir: Path) -> Iterator[BuiltHandbook]:
    """The project's real handbook, built (or reused from the cache) into a temporary site.

    The real conda, mamba and micromamba are offered to the tutorials that use them
    (``LABTOOLS_REAL_TOOLS``: the folder whose ``bin/`` holds them).
    """
    site = tmp_path_factory.mktemp("handbook") / "site"
    saved = os.environ.get("LABTOOLS_REAL_TOOLS")
    os.environ["LABTOOLS_REAL_TOOLS"] = str(real_tools_dir)
    try:
        result = build_handbook(ROOT, out=site, jobs=2)
    finally:
        if saved is None:
            os.environ.pop("LABTOOLS_REAL_TOOLS", None)
        else:
            os.environ["LABTOOLS_REAL_TOOLS"] = saved
    assert not result.failures, result.failures
    config = hbconfig.load(ROOT, site_dir=site)
    secrets = read_secrets_file(config.sandbox / "secrets.txt")
    yield BuiltHandbook(result=result, site=site, config=config, secrets=secrets)
