"""A test run stopped by SIGTERM or SIGHUP (a CI time-out, ``kill``, a closed terminal)
tears its fixtures down, so the services they started stop (tests/plugins/terminate.py).

A real pytest runs a session fixture that starts a service (a ``sleep``, standing in for
sshd or slurmctld) and a test that waits; the signal comes while it waits. With the plugin
the service is gone; without it (the case the plugin exists for) it is left running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from plugins.procs import survivors

pytestmark = pytest.mark.integration
TESTS = Path(__file__).resolve().parents[1]

SUITE = '''
import os, subprocess, time
from pathlib import Path
import pytest

OUT = Path(os.environ["SUITE_OUT"])

@pytest.fixture(scope="session")
def service():
    proc = subprocess.Popen(["sleep", "600"])
    (OUT / "service.pid").write_text(str(proc.pid))
    yield proc
    proc.terminate()
    proc.wait()
    (OUT / "torn-down").write_text("yes")

def test_waits(service):
    (OUT / "waiting").write_text("yes")
    time.sleep(600)
'''


def run_suite(tmp_path: Path, sig: signal.Signals, plugin: bool) -> tuple[int, str, int]:
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_suite.py").write_text(SUITE)
    env = {**os.environ, "SUITE_OUT": str(tmp_path), "PYTHONPATH": str(TESTS)}
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "--rootdir", str(suite), "-c", os.devnull, str(suite)]
    if plugin:
        argv[3:3] = ["-p", "plugins.terminate"]
    proc = subprocess.Popen(argv, cwd=suite, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "waiting").exists():
            assert proc.poll() is None, proc.communicate()[0]
            assert time.monotonic() < deadline, "the suite never reached its test"
            time.sleep(0.05)
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, out, int((tmp_path / "service.pid").read_text())


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signalled_run_tears_its_fixtures_down(sig: signal.Signals, tmp_path: Path) -> None:
    code, out, service = run_suite(tmp_path, sig, plugin=True)
    assert code == pytest.ExitCode.INTERRUPTED, out
    assert f"KeyboardInterrupt: pytest got {sig.name}" in out, out
    assert (tmp_path / "torn-down").exists(), out
    assert survivors([service]) == []


def test_without_the_plugin_the_service_is_left_running(tmp_path: Path) -> None:
    code, out, service = run_suite(tmp_path, signal.SIGTERM, plugin=False)
    try:
        assert code == -signal.SIGTERM, out
        assert not (tmp_path / "torn-down").exists()
        assert [p.pid for p in survivors([service], grace=0)] == [service]
    finally:
        os.kill(service, signal.SIGKILL)
