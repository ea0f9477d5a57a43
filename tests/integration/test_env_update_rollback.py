"""``env update`` / ``env rollback`` on real built-in-engine envs from the lab channel.

A second test channel holds ``labbreak`` 1.0 (fine) and 2.0 (its ``__init__`` raises), and
``labfine`` 1.0 / 2.0 (both fine), built with the channel builder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from labtools.channel import add_wheels, index_channel, init_channel
from labtools.channel.lab import make_wheel
from labtools.envs.create import create_env
from labtools.envs.prefix import Prefix
from labtools.envs.snapshots import list_snapshots
from labtools.envs.update import restore_snapshot
from labtools.errors import EnvError, UsageError
from labtools.lifecycle import update_env

pytestmark = pytest.mark.integration

def package_keys(prefix: Path) -> tuple[str, ...]:
    return Prefix(prefix).package_keys()


BROKEN = "raise ImportError('labbreak 2.0 is broken on purpose')\n"


@pytest.fixture(scope="module")
def break_channel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("break-channel")
    channel = root / "channel"
    init_channel(channel)
    wheels = root / "wheels"
    built = [
        make_wheel(wheels / "a", "labbreak", "1.0", files={"labbreak/__init__.py": "OK = 1\n"}),
        make_wheel(wheels / "b", "labbreak", "2.0", files={"labbreak/__init__.py": BROKEN}),
        make_wheel(wheels / "c", "labfine", "1.0", files={"labfine/__init__.py": "V = 1\n"}),
        make_wheel(wheels / "d", "labfine", "2.0", files={"labfine/__init__.py": "V = 2\n"}),
    ]
    add_wheels(channel, built)
    index_channel(channel)
    return channel


@pytest.fixture
def channels(lab_channel: Path, break_channel: Path) -> list[str]:
    return [str(lab_channel), str(break_channel)]


def _env(tmp_path: Path, channels: list[str], cache: Path, *specs: str) -> Path:
    return create_env(name="py-labbreak", specs=["python", *specs], channels=channels,
                      backend="rattler", root=tmp_path / "envs", cache_dir=cache,
                      force_name=True, compile_bytecode=False).prefix


def test_an_update_whose_verification_fails_rolls_back(
    tmp_path: Path, channels: list[str], lab_pkgs_cache: Path
) -> None:
    prefix = _env(tmp_path, channels, lab_pkgs_cache, "labbreak==1.0", "labfine==1.0")
    before = package_keys(prefix)
    result = update_env(env=prefix, specs=["labbreak"], channels=channels,
                        cache_dir=lab_pkgs_cache)
    assert [(i.name, i.kind) for i in result.plan.items] == [("labbreak", "upgraded")]
    assert result.applied and result.rolled_back and not result.ok
    assert any("labbreak" in p and "broken on purpose" in p for p in result.problems)
    assert result.restored_exactly is True
    assert package_keys(prefix) == before
    assert result.snapshot is not None and result.snapshot.path.is_file()
    assert result.snapshot.path.parent == prefix / "conda-meta" / "labtools-snapshots"


def test_a_good_update_keeps_the_rest_and_rollback_restores_it(
    tmp_path: Path, channels: list[str], lab_pkgs_cache: Path
) -> None:
    prefix = _env(tmp_path, channels, lab_pkgs_cache, "labfine==1.0", "labbreak==1.0")
    before = package_keys(prefix)
    dry = update_env(env=prefix, specs=["labfine"], channels=channels, cache_dir=lab_pkgs_cache,
                     dry_run=True)
    assert dry.dry_run and not dry.applied and package_keys(prefix) == before
    assert not list_snapshots(prefix)
    everything = update_env(env=prefix, all_packages=True, channels=channels,
                            cache_dir=lab_pkgs_cache, dry_run=True)
    assert {(i.name, i.kind) for i in everything.plan.items} == {
        ("labfine", "upgraded"), ("labbreak", "upgraded")}
    assert package_keys(prefix) == before
    result = update_env(env=prefix, specs=["labfine"], channels=channels,
                        cache_dir=lab_pkgs_cache)
    assert result.ok and result.applied and not result.rolled_back
    assert "labfine" in result.modules_checked and "labbreak" in result.modules_checked
    after = package_keys(prefix)
    changed = sorted(set(after) ^ set(before))
    assert [k.split("=")[:2] for k in changed] == [["labfine", "1.0"], ["labfine", "2.0"]]
    assert [s.id for s in list_snapshots(prefix)] == [result.snapshot.id]  # type: ignore[union-attr]
    restored = restore_snapshot(prefix)
    assert restored.packages == before == package_keys(prefix)
    assert "labtools env rollback" in (prefix / "conda-meta" / "history").read_text()


def test_update_needs_specs_or_all_and_rollback_needs_a_snapshot(
    tmp_path: Path, channels: list[str], lab_pkgs_cache: Path
) -> None:
    prefix = _env(tmp_path, channels, lab_pkgs_cache, "labfine==1.0")
    with pytest.raises(UsageError, match="--all"):
        update_env(env=prefix, channels=channels, cache_dir=lab_pkgs_cache)
    with pytest.raises(EnvError, match="has no snapshots"):
        restore_snapshot(prefix)


def test_cli_update_plan_failure_snapshots_and_rollback(
    tmp_path: Path, channels: list[str], lab_pkgs_cache: Path
) -> None:
    import json

    from click.testing import CliRunner

    from labtools.cli import cli

    prefix = _env(tmp_path, channels, lab_pkgs_cache, "labbreak==1.0", "labfine==1.0")
    before = package_keys(prefix)
    runner = CliRunner()
    env = {"LABTOOLS_CACHE_DIR": str(lab_pkgs_cache)}
    chans = [arg for c in channels for arg in ("-c", c)]
    dry = runner.invoke(cli, ["env", "update", str(prefix), "labbreak", "labfine", "--dry-run",
                              *chans], env=env)
    assert dry.exit_code == 0, dry.output
    assert "^ labbreak" in dry.stdout and "1.0=" in dry.stdout and "dry run" in dry.stdout
    refused = runner.invoke(cli, ["env", "update", str(prefix), "labfine", *chans], env=env)
    assert refused.exit_code == 1 and "pass --yes" in refused.stderr
    failed = runner.invoke(cli, ["env", "update", str(prefix), "labbreak", "--yes", *chans],
                           env=env)
    assert failed.exit_code == 1
    assert "rolled back exactly" in failed.stdout
    assert "the update broke py-labbreak" in failed.stderr and "broken on purpose" in failed.stderr
    assert package_keys(prefix) == before
    good = runner.invoke(cli, ["env", "update", str(prefix), "labfine", "--yes", "--json",
                               *chans], env=env)
    assert good.exit_code == 0, good.output
    data = json.loads(good.stdout)
    assert data["plan"]["items"][0]["name"] == "labfine" and data["rolled_back"] is False
    listed = runner.invoke(cli, ["env", "snapshots", str(prefix), "--json"], env=env)
    snaps = json.loads(listed.stdout)
    assert len(snaps) == 2 and snaps[-1]["id"] == data["snapshot"]["id"]
    back = runner.invoke(cli, ["env", "rollback", str(prefix), "--to", snaps[-1]["id"]],
                         env=env)
    assert back.exit_code == 0, back.output
    assert package_keys(prefix) == before
    missing = runner.invoke(cli, ["env", "rollback", str(prefix), "--to", "1999"], env=env)
    assert missing.exit_code == 1 and "no snapshot" in missing.stderr


def test_an_update_starts_the_kernel_registered_for_the_env(
    tmp_path: Path, channels: list[str], lab_pkgs_cache: Path
) -> None:
    from labtools.kernels.register import register_kernel

    prefix = _env(tmp_path, channels, lab_pkgs_cache, "ipykernel", "labfine==1.0")
    register_kernel(prefix, name="labfine-kernel")
    result = update_env(env=prefix, specs=["labfine"], channels=channels,
                        cache_dir=lab_pkgs_cache)
    assert result.ok and result.kernels_checked == ("labfine-kernel",)
    assert {"labfine", "ipykernel", "IPython"} <= set(result.modules_checked)


def test_rollback_relinks_files_that_went_missing(
    tmp_path: Path, channels: list[str], lab_pkgs_cache: Path
) -> None:
    from labtools.envs.inspect import site_packages_of
    from labtools.envs.snapshots import take_snapshot

    prefix = _env(tmp_path, channels, lab_pkgs_cache, "labfine==1.0")
    snap = take_snapshot(prefix, reason="by hand")
    assert [s.reason for s in list_snapshots(prefix)] == ["by hand"]
    module = site_packages_of(prefix) / "labfine" / "__init__.py"  # type: ignore[operator]
    module.unlink()  # what `pip uninstall` does to a copy it wrote over conda's
    restored = restore_snapshot(prefix, to=snap.id[:8] + snap.id[8:])
    assert module.read_text() == "V = 1\n"
    assert restored.snapshot.id == snap.id
