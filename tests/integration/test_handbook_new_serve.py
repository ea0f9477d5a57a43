"""`handbook new` gives a handbook that builds; `serve` previews, reloads, stops clean."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from labtools import process, proctree

pytestmark = pytest.mark.integration
LABTOOLS = [sys.executable, "-m", "labtools"]


def test_new_handbook_builds_with_the_cli_and_with_mkdocs(tmp_path: Path) -> None:
    lab = tmp_path / "lab"
    made = process.run([*LABTOOLS, "handbook", "new", lab, "--json"], timeout=60)
    files = json.loads(made.stdout)["files"]
    assert {"mkdocs.yml", "docs/index.md", "notebooks/01-first-steps.py", "labtools.toml",
            ".github/workflows/handbook.yml"} <= set(files)
    built = process.run([*LABTOOLS, "handbook", "build", "--json"], cwd=lab, timeout=600)
    result = json.loads(built.stdout)
    assert [t["status"] for t in result["tutorials"]] == ["executed"] and result["mkdocs_ran"]
    page = (lab / "site" / "tutorials" / "01-first-steps.html").read_text()
    assert 'data-result="passed"' in page and "Python 3." in page
    assert "the runs should get faster" not in page  # the verify cell is hidden
    again = json.loads(process.run([*LABTOOLS, "handbook", "build", "--json"], cwd=lab,
                                   timeout=600).stdout)
    assert again["executed"] == [] and not again["mkdocs_ran"]
    strict = process.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
                          "--site-dir", tmp_path / "plain-site"], cwd=lab, timeout=600,
                         check=False)
    assert strict.returncode == 0, strict.stderr
    assert (tmp_path / "plain-site" / "tutorials" / "01-first-steps.html").exists()


def test_new_refuses_a_folder_with_files(tmp_path: Path) -> None:
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "notes.txt").write_text("mine")
    done = process.run([*LABTOOLS, "handbook", "new", tmp_path / "lab"], timeout=60,
                       check=False)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1
    assert "not an empty folder" in done.stderr
    assert sorted(p.name for p in (tmp_path / "lab").iterdir()) == ["notes.txt"]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.read().decode())


def _wait_for(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():  # type: ignore[operator]
                return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def _kernels(root: int) -> list[int]:
    found = []
    for pid in proctree.descendants(root):
        try:
            if b"ipykernel_launcher" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            pass
    return found


def test_serve_reexecutes_what_changed_and_ctrl_c_leaves_nothing(tmp_path: Path) -> None:
    lab = tmp_path / "lab"
    process.run([*LABTOOLS, "handbook", "new", lab], timeout=60)
    second = lab / "notebooks" / "02-second.py"
    text = (lab / "notebooks" / "01-first-steps.py").read_text()
    second.write_text(text.replace("# # First steps", "# # Second page"))
    log = (tmp_path / "serve.log").open("wb")
    proc = process.spawn([*LABTOOLS, "handbook", "serve", "--port", "0", "--json"], cwd=lab,
                         stdout=subprocess.PIPE, stderr=log, new_session=True)
    try:
        assert proc.stdout is not None
        events = []
        while "url" not in (line := json.loads(proc.stdout.readline())):
            events.append(line)  # the first build runs before the server listens
        url = line["url"]
        page = f"{url}tutorials/02-second.html"
        assert _wait_for(lambda: "Second page" in _get(page), 180)
        assert "Verified: passed" in _get(f"{url}tutorials/01-first-steps.html")
        second.write_text(text.replace("# # First steps", "# # Edited page"))
        assert _wait_for(lambda: "Edited page" in _get(page), 180)
        # an edit that makes a cell run long: Ctrl-C while its kernel runs kills it
        second.write_text(text + '\n# %% tags=["timeout=120"]\nimport time\ntime.sleep(90)\n')
        assert _wait_for(lambda: bool(_kernels(proc.pid)), 120), "the kernel did not start"
        everything = proctree.descendants(proc.pid)
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=60) in (0, 130)
        assert _wait_for(lambda: not any(proctree.alive(p) for p in everything), 20), (
            "processes left running after Ctrl-C")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    with pytest.raises(OSError):
        _get(url)
    events += [json.loads(line) for line in proc.stdout.read().decode().splitlines()]
    ran = [e["tutorial"] for e in events if e["event"] == "executed"]
    assert ran.count("01-first-steps") == 1 and ran.count("02-second") == 2, events
