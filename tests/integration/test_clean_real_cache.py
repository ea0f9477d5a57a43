"""``clean_caches`` on a real engine cache whose packages are hard-linked into a real env."""

from __future__ import annotations

from pathlib import Path

import pytest

from labtools import process
from labtools.clean import clean_caches
from labtools.envs.create import create_env

pytestmark = pytest.mark.integration


def test_packages_linked_into_an_env_are_kept_and_the_env_still_works(
    lab_channel: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    env = create_env(name="py311-labdemo", specs=["labdemo"], channels=[str(lab_channel)],
                     backend="rattler", root=tmp_path / "envs", cache_dir=cache,
                     compile_bytecode=False).prefix
    (cache / "pkgs" / "stale-1.0-0").mkdir(parents=True)
    (cache / "pkgs" / "stale-1.0-0" / "blob").write_bytes(b"s" * 4096)

    before = clean_caches(caches=[("engine", cache)], dry_run=True, kernels=False)
    (dry,) = before.caches
    assert dry.in_use >= 2  # python and labdemo are linked into the env
    assert 4096 <= dry.reclaimable < dry.size
    assert (cache / "pkgs" / "stale-1.0-0").exists()

    after = clean_caches(caches=[("engine", cache)], dry_run=False, kernels=False)
    (done,) = after.caches
    assert done.freed == dry.reclaimable
    assert not (cache / "pkgs" / "stale-1.0-0").exists()
    assert any(p.name.startswith("python-") for p in (cache / "pkgs").iterdir())
    ran = process.run([env / "bin" / "python", "-c", "import labdemo; labdemo.main()"])
    assert ran.stdout.strip() == "hello from labdemo"
    again = clean_caches(caches=[("engine", cache)], dry_run=True, kernels=False)
    assert again.caches[0].reclaimable == 0
