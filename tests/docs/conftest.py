"""One handbook build per test session, shared by every docs test (nothing runs twice)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from labtools.handbook import config as hbconfig
from labtools.handbook.site import BuildResult, build_handbook
from labtools.secret_registry import read_secrets_file

ROOT = Path(__file__).resolve().parents[2]
# The folder tools/handbook-env.sh made (.ci/run sets it): the build then runs the Python
# tutorials in its env's kernel (labtools-dev), as `make handbook-env` does, so CI executes
# each tutorial once and `make handbook-env` reuses these executions. Unset: the .venv's
# interpreter, so `make test` needs no conda tool. Read at import: the isolation fixture
# clears LABTOOLS_* variables before each test.
HANDBOOK_ENV = os.environ.get("LABTOOLS_HANDBOOK_ENV", "")
HANDBOOK_ENV_NAME = os.environ.get("HANDBOOK_ENV_NAME", "labtools-dev")


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
    #: the env every Python tutorial must have run in (its stamp's "env"), and its prefix
    env_name: str
    env_prefix: Path


def execution_env() -> tuple[dict[str, str], dict[str, str], Path]:
    """(kernel mapping, variables to set, the kernel's env) for the build: labtools-dev's
    kernel, or none (the .venv's interpreter)."""
    if not HANDBOOK_ENV:
        return {}, {}, Path(sys.prefix).absolute()
    jupyter = Path(HANDBOOK_ENV).resolve() / "jupyter" / "share" / "jupyter"
    spec = jupyter / "kernels" / HANDBOOK_ENV_NAME / "kernel.json"
    if not spec.is_file():
        pytest.fail(f"LABTOOLS_HANDBOOK_ENV={HANDBOOK_ENV}: no kernel {spec}; make it with "
                    f"`bash tools/handbook-env.sh {HANDBOOK_ENV}` (or unset the variable)")
    python = Path(json.loads(spec.read_text(encoding="utf-8"))["argv"][0])
    return {"python3": HANDBOOK_ENV_NAME}, {"JUPYTER_PATH": str(jupyter)}, python.parent.parent


@pytest.fixture(scope="session")
def handbook(tmp_path_factory: pytest.TempPathFactory,
             real_tools_dir: Path) -> Iterator[BuiltHandbook]:
    """The project's real handbook, built (or reused from the cache) into a temporary site.

    The real conda, mamba and micromamba are offered to the tutorials that use them
    (``LABTOOLS_REAL_TOOLS``: the folder whose ``bin/`` holds them). Under
    ``LABTOOLS_HANDBOOK_ENV`` the Python tutorials run in labtools-dev (see above).
    """
    site = tmp_path_factory.mktemp("handbook") / "site"
    kernels, variables, env_prefix = execution_env()
    variables["LABTOOLS_REAL_TOOLS"] = str(real_tools_dir)
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        result = build_handbook(ROOT, out=site, jobs=2, kernels=kernels)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    assert not result.failures, result.failures
    config = hbconfig.load(ROOT, site_dir=site)
    secrets = read_secrets_file(config.sandbox / "secrets.txt")
    yield BuiltHandbook(result=result, site=site, config=config, secrets=secrets,
                        env_name=env_prefix.name, env_prefix=env_prefix)
