"""Ctrl-C or SIGTERM in the middle of `labtools bench`: the partial result is printed, the
exit status is 130, and no process, env, sandbox or cache is left behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def leftovers(work: Path) -> list[str]:
    """Command lines of processes still running with *work* in them."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(work) in text:
            found.append(text)
    return found


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_benchmark_prints_what_it_measured_and_cleans_up(
        sig: signal.Signals, lab_channel: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    labtools = Path(sys.executable).parent / "labtools"
    proc = subprocess.Popen(
        [str(labtools), "bench", "-s", "python labdemo", "-c", str(lab_channel),
         "--contestants", "engine,cp-al", "--scenarios", "solve,warm", "--workdir", str(work)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        # wait until the warm scenario of the first counted round is under way
        while not list(work.glob("labtools-bench-*/sb-*/envs/r1")):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the benchmark never reached round 2"
            time.sleep(0.05)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, (out, err)
    assert out.startswith("INTERRUPTED: a partial result"), out
    assert "solve: solve only" in out and "engine" in out  # the table of what was measured
    assert err.strip().endswith("labtools: interrupted; the result above is partial"), err
    assert "Traceback" not in err
    assert list(work.iterdir()) == []
    deadline = time.monotonic() + 30
    while leftovers(work) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert leftovers(work) == []
