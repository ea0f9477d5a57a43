"""Crash safety with real processes and real signals (``labtools env ...`` as a user runs it).

- two concurrent creates of one name: exactly one wins, the other says the name is taken;
- SIGINT / SIGTERM / SIGHUP mid-create: exit 128 + signum, no traceback, nothing left;
- SIGKILL mid-create: the env is listed ``incomplete``, and the next create cleans up;
- SIGTERM mid-install into an existing env, and a failing install: the env is as it was.

"Mid-create" is when the transaction's in-progress marker exists: from then on the
create has begun and must be undone.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from labtools.envs.prefix import Prefix

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def lab_profile(lab_channel: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lab's profile names its channel (install adds the profile's channels to -c;
    the default, conda-forge, is unreachable here)."""
    monkeypatch.setenv("LABTOOLS_CHANNELS", str(lab_channel))


def labtools(*args: str, cache: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "LABTOOLS_CACHE_DIR": str(cache), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "labtools", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen[str], timeout: float = 300) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def wait_for(path: Path, proc: subprocess.Popen[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, f"exited early: {proc.communicate()}"
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def create_args(root: Path, name: str, channel: Path, *extra: str) -> list[str]:
    return ["env", "create", name, "python", "labdemo", "--root", str(root), "-c",
            str(channel), "--backend", "rattler", "--no-compile", *extra]


def test_two_creates_of_one_name_one_wins(lab_channel: Path, lab_pkgs_cache: Path,
                                          tmp_path: Path) -> None:
    root = tmp_path / "envs"
    first = labtools(*create_args(root, "py-race", lab_channel), cache=lab_pkgs_cache)
    wait_for(root / ".py-race.labtools-lock", first)
    first.send_signal(signal.SIGSTOP)  # hold the winner inside its create
    try:
        impatient = labtools(*create_args(root, "py-race", lab_channel, "--no-wait"),
                             cache=lab_pkgs_cache)
        code_i, _, err_i = finish(impatient)
        waiting = labtools(*create_args(root, "py-race", lab_channel), cache=lab_pkgs_cache)
        time.sleep(3)
        assert waiting.poll() is None  # it waits for the lock while the winner works
    finally:
        first.send_signal(signal.SIGCONT)
    code_1, _, err_1 = finish(first)
    code_w, _, err_w = finish(waiting)
    assert code_1 == 0, err_1
    assert code_i == 1 and "is being changed by another labtools process (pid " \
        f"{first.pid})" in err_i, err_i
    assert code_w == 1 and "already exists" in err_w, err_w
    assert f"waiting for labtools process {first.pid}" in err_w
    assert "Traceback" not in err_i + err_w
    # the winner's env works, and nothing else is left
    done = subprocess.run([str(root / "py-race" / "bin" / "labdemo")], capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "hello from labdemo"
    assert leftovers(root) == ["py-race"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP],
                         ids=["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_signal_mid_create_leaves_nothing(signum: int, lab_channel: Path,
                                            lab_pkgs_cache: Path, tmp_path: Path) -> None:
    root = tmp_path / "envs"
    proc = labtools(*create_args(root, "py-signal", lab_channel), cache=lab_pkgs_cache)
    wait_for(root / ".py-signal.labtools-incomplete", proc)
    proc.send_signal(signum)
    code, _, err = finish(proc)
    assert code == 128 + signum, err
    assert "Traceback" not in err and "interrupted" in err, err
    assert leftovers(root) == []  # no env, no partial folder, no marker, no lock
    again = labtools(*create_args(root, "py-signal", lab_channel), cache=lab_pkgs_cache)
    assert finish(again)[0] == 0  # the name is free again


def test_sigkill_mid_create_is_listed_incomplete_and_cleaned_by_the_next_create(
        lab_channel: Path, lab_pkgs_cache: Path, tmp_path: Path) -> None:
    root = tmp_path / "envs"
    proc = labtools(*create_args(root, "py-killed", lab_channel), cache=lab_pkgs_cache)
    marker = root / ".py-killed.labtools-incomplete"
    wait_for(marker, proc)
    proc.kill()
    proc.wait()
    assert marker.exists()
    code, out, _ = finish(labtools("env", "list", "--root", str(root), "--json",
                                   cache=lab_pkgs_cache))
    listed = {e["name"]: e for e in json.loads(out) if e["source"] == "labtools"}
    assert code == 0 and listed["py-killed"]["status"] == "incomplete"
    assert "did not finish" in listed["py-killed"]["detail"]
    code, _, err = finish(labtools("env", "inspect", "py-killed", "--root", str(root),
                                   cache=lab_pkgs_cache))
    assert code == 1 and "is incomplete" in err and "Traceback" not in err
    code, _, err = finish(labtools(*create_args(root, "py-killed", lab_channel),
                                   cache=lab_pkgs_cache))
    assert code == 0, err
    assert leftovers(root) == ["py-killed"] and Prefix(root / "py-killed").is_complete()


def test_sigterm_mid_install_puts_the_env_back(make_env: object, lab_channel: Path,
                                                lab_pkgs_cache: Path, tmp_path: Path) -> None:
    prefix = make_env("py-inst", ("python",))  # type: ignore[operator]
    before = Prefix(prefix).package_keys()
    proc = labtools("env", "install", str(prefix), "labdemo-extra", "--yes", "-c",
                    str(lab_channel), cache=lab_pkgs_cache)
    wait_for(prefix.parent / ".py-inst.labtools-incomplete", proc)
    proc.send_signal(signal.SIGTERM)
    code, _, err = finish(proc)
    assert code == 143 and "Traceback" not in err, err
    assert Prefix(prefix).package_keys() == before
    assert Prefix(prefix).is_complete() and not (prefix.parent / ".py-inst.labtools-lock").exists()


def test_a_failing_install_leaves_the_env_as_it_was(make_env: object, lab_channel: Path,
                                                    lab_pkgs_cache: Path) -> None:
    prefix = make_env("py-fail", ("python",))  # type: ignore[operator]
    before = Prefix(prefix).package_keys()
    history = Prefix(prefix).history_text()
    code, _, err = finish(labtools("env", "install", str(prefix), "labdemo=9", "--yes", "-c",
                                   str(lab_channel), cache=lab_pkgs_cache))
    assert code == 1 and "labdemo" in err and len(err.strip().splitlines()) == 1, err
    assert Prefix(prefix).package_keys() == before
    assert Prefix(prefix).history_text() == history and Prefix(prefix).is_complete()
