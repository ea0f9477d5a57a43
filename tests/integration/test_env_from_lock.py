"""env create --from-lock: exactly a lock's URLs, each verified against its hash first.

Locks (@EXPLICIT, pixi.lock, conda-lock.yml) are written from a real env built from the
lab channel; the env made from each by the built-in engine and by each real tool matches
its lock (``spec check``); a lock with one hash changed stops, naming the package, with
no env left and the name free.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from plugins.lock_files import lab_env_with_locks, write_locks
from plugins.real_tools import RealTool

from labtools.cli import cli
from labtools.envs.prefix import Prefix
from labtools.spec.records import read_prefix

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory, lab_channel: Path,
           lab_pkgs_cache: Path) -> tuple[Path, dict[str, Path]]:
    return lab_env_with_locks(tmp_path_factory.mktemp("from-lock"), channel=lab_channel,
                              cache=lab_pkgs_cache, name="lock-src")


def _create(name: str, lock: Path, root: Path, *extra: str) -> tuple[int, str, str]:
    done = CliRunner().invoke(cli, ["env", "create", name, "--from-lock", str(lock),
                                    "--root", str(root), "--no-compile", "--force-name",
                                    *extra])
    return done.exit_code, done.stdout, done.stderr


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []


def _check_against(prefix: Path, lock: Path) -> None:
    done = CliRunner().invoke(cli, ["spec", "check", "--prefix", str(prefix), "--against",
                                    str(lock)])
    assert done.exit_code == 0, done.output
    assert "matches" in done.output


@pytest.mark.parametrize("kind", ["explicit", "pixi", "conda-lock"])
def test_the_engine_installs_exactly_the_lock(source: tuple[Path, dict[str, Path]],
                                             tmp_path: Path, lab_pkgs_cache: Path,
                                             kind: str) -> None:
    src, locks = source
    root = tmp_path / "envs"
    code, out, err = _create("from-lock", locks[kind], root, "--backend", "rattler", "--json")
    assert code == 0, err
    data = json.loads(out)
    prefix = root / "from-lock"
    assert data["prefix"] == str(prefix) and data["backend"] == "rattler"
    wanted = {(r.name, r.version, r.build, r.url) for r in read_prefix(src).conda}
    made = {(r.name, r.version, r.build, r.url) for r in read_prefix(prefix).conda}
    assert made == wanted
    assert {p["name"] for p in data["packages"]} == {w[0] for w in wanted}
    _check_against(prefix, locks[kind])
    # the records come from each package's own index.json: dependencies are kept
    labdemo = next(r for r in read_prefix(prefix).conda if r.name == "labdemo-extra")
    assert any(d.startswith("labdemo") for d in labdemo.depends), labdemo
    assert Prefix(prefix).incomplete() is None
    assert _leftovers(root) == ["from-lock"]


@pytest.mark.parametrize("kind", ["explicit", "conda-lock"])
def test_each_real_tool_installs_exactly_the_lock(source: tuple[Path, dict[str, Path]],
                                                 real_tool: RealTool, tmp_path: Path,
                                                 kind: str) -> None:
    src, locks = source
    backend = "conda" if real_tool.name.startswith("conda") else real_tool.name
    root = tmp_path / "envs"
    code, _, err = _create("from-lock", locks[kind], root, "--backend", backend)
    assert code == 0, err
    prefix = root / "from-lock"
    wanted = {(r.name, r.version, r.build) for r in read_prefix(src).conda}
    made = {(r.name, r.version, r.build) for r in read_prefix(prefix).conda}
    assert made == wanted
    _check_against(prefix, locks[kind])
    assert Prefix(prefix).owner() == backend


@pytest.mark.parametrize(("kind", "field"), [("pixi", "sha256"), ("conda-lock", "sha256"),
                                             ("explicit", "md5")])
def test_a_changed_hash_stops_naming_the_package_and_leaves_nothing(
        source: tuple[Path, dict[str, Path]], tmp_path: Path, kind: str, field: str) -> None:
    src, locks = source
    record = next(r for r in read_prefix(src).conda if r.name == "labdemo")
    good = getattr(record, field)
    assert good, record
    text = locks[kind].read_text()
    assert good in text
    bad = tmp_path / locks[kind].name
    bad.write_text(text.replace(good, "f" * len(good)))
    root = tmp_path / "envs"
    code, out, err = _create("from-lock", bad, root, "--backend", "rattler")
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 or lines[1].startswith("hint:"), err
    assert f"hash mismatch for labdemo {record.version} {record.build}" in lines[0]
    assert f"the lock says {'f' * len(good)}" in lines[0]
    assert out == ""
    assert _leftovers(root) == []  # no env, no build folder, no marker: the name is free
    code, _, err = _create("from-lock", locks[kind], root, "--backend", "rattler")
    assert code == 0, err


def test_a_lock_whose_url_is_gone_is_one_line(source: tuple[Path, dict[str, Path]],
                                              tmp_path: Path) -> None:
    src, locks = source
    record = next(r for r in read_prefix(src).conda if r.name == "labdemo")
    assert record.url
    moved = tmp_path / "moved"
    channel = Path(record.url.removeprefix("file://")).parents[1]
    shutil.copytree(channel, moved)
    text = locks["explicit"].read_text()
    assert channel.as_uri() in text
    text = text.replace(channel.as_uri(), moved.as_uri())
    (moved / record.subdir / Path(record.url).name).unlink()
    lock = tmp_path / "explicit.txt"
    lock.write_text(text)
    root = tmp_path / "envs"
    code, out, err = _create("gone", lock, root, "--backend", "rattler")
    assert code == 1 and out == ""
    assert f"cannot fetch labdemo {record.version} {record.build} from " in err, err
    assert _leftovers(root) == []


def test_ctrl_c_while_linking_a_lock_leaves_nothing(
        source: tuple[Path, dict[str, Path]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from labtools.envs.backends import rattler as rattler_backend
    from labtools.lifecycle import create_env

    seen: list[Path] = []

    def interrupted(prefix: Path) -> None:
        seen.append(prefix)
        assert (prefix / "bin" / "python").exists()  # linked into the staging prefix
        raise KeyboardInterrupt

    monkeypatch.setattr(rattler_backend, "finish_prefix", interrupted)
    root, cache = tmp_path / "envs", tmp_path / "cache"
    with pytest.raises(KeyboardInterrupt):
        create_env(name="from-lock", from_lock=source[1]["pixi"], root=root,
                   backend="rattler", cache_dir=cache, compile_bytecode=False)
    assert seen and seen[0].name.startswith(".from-lock.partial-")
    assert _leftovers(root) == []
    assert not list(cache.glob("labtools-fromlock-*")), "the verified downloads are removed"


def test_sigterm_during_a_locked_create_leaves_no_env(source: tuple[Path, dict[str, Path]],
                                                     tmp_path: Path) -> None:
    import os
    import signal
    import sys
    import time

    from labtools import process

    root = tmp_path / "envs"
    env = {**os.environ, "LABTOOLS_CACHE_DIR": str(tmp_path / "cold-cache")}
    proc = process.spawn([sys.executable, "-m", "labtools", "env", "create", "from-lock",
                          "--from-lock", str(source[1]["conda-lock"]), "--backend", "rattler",
                          "--root", str(root), "--no-compile"], env=env)
    try:
        while not (root.is_dir() and any(p.name.startswith(".from-lock.partial-")
                                         for p in root.iterdir())):
            assert proc.poll() is None, "the create finished before it could be interrupted"
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 128 + signal.SIGTERM
        assert _leftovers(root) == [], "nothing half-made in the envs root"
        assert not list((tmp_path / "cold-cache").glob("labtools-fromlock-*"))
    finally:
        process.stop(proc)


@pytest.fixture(scope="module")
def python_lock(tmp_path_factory: pytest.TempPathFactory, lab_channel: Path,
                lab_pkgs_cache: Path) -> tuple[Path, Path]:
    """An @EXPLICIT lock of python + pip from the lab channel, and the labdemo wheel its
    ``# pip`` entry will name."""
    from labtools.envs.create import create_env

    folder = tmp_path_factory.mktemp("pip-lock")
    prefix = create_env(name="pip-src", specs=["python", "pip"],
                        channels=[lab_channel.as_uri()], root=folder / "envs",
                        cache_dir=lab_pkgs_cache, backend="rattler", force_name=True,
                        compile_bytecode=False).prefix
    (wheel,) = (lab_channel / "wheels").glob("labdemo-1.0-*.whl")
    return write_locks(prefix, folder / "locks")["explicit"], wheel


def _with_pip_entry(lock: Path, wheel: Path, sha256: str, out: Path) -> Path:
    out.write_text(lock.read_text() + f"# pip labdemo @ {wheel.as_uri()}#sha256={sha256}\n")
    return out


def test_a_locks_pip_entry_is_installed_checked_against_its_sha256(
        python_lock: tuple[Path, Path], tmp_path: Path) -> None:
    lock, wheel = python_lock
    good = hashlib.sha256(wheel.read_bytes()).hexdigest()
    locked = _with_pip_entry(lock, wheel, good, tmp_path / "env.explicit.txt")
    root = tmp_path / "envs"
    code, out, err = _create("with-pip", locked, root, "--backend", "rattler", "--json")
    assert code == 0, err
    assert json.loads(out)["pip"] == [f"labdemo @ {wheel.as_uri()}#sha256={good}"]
    assert list((root / "with-pip").glob("lib/python3*/site-packages/labdemo-1.0.dist-info"))


def test_a_pip_entry_whose_hash_changed_stops_naming_it_and_leaves_nothing(
        python_lock: tuple[Path, Path], tmp_path: Path) -> None:
    lock, wheel = python_lock
    good = hashlib.sha256(wheel.read_bytes()).hexdigest()
    locked = _with_pip_entry(lock, wheel, "f" * 64, tmp_path / "env.explicit.txt")
    root = tmp_path / "envs"
    code, out, err = _create("with-pip", locked, root, "--backend", "rattler")
    assert code == 1 and out == ""
    assert err.startswith(f"labtools: error: hash mismatch for pip package labdemo: "
                          f"{wheel.as_uri()} has sha256 {good}, the lock says {'f' * 64}; "
                          "the env was not made (the package or the lock changed"), err
    assert err.count("\n") == 1, err
    assert _leftovers(root) == []
