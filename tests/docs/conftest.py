"""One handbook build per test session, shared by every docs test (nothing runs twice)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from labtools.handbook import config as hbconfig
from labtools.handbook.site import BuildResult, build_handbook
from labtools.secret_registry import read_secrets_file

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class BuiltHandbook:
    result: BuildResult
    site: Path
    config: hbconfig.HandbookConfig
    secrets: frozenset[str]


@pytest.fixture(scope="session")
def handbook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltHandbook]:
    """The project's real handbook, built (or reused from the cache) into a temporary site."""
    site = tmp_path_factory.mktemp("handbook") / "site"
    result = build_handbook(ROOT, out=site, jobs=2)
    assert not result.failures, result.failures
    config = hbconfig.load(ROOT, site_dir=site)
    secrets = read_secrets_file(config.sandbox / "secrets.txt")
    yield BuiltHandbook(result=result, site=site, config=config, secrets=secrets)
