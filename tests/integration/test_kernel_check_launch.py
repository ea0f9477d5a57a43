"""`kernel check` starts every kernel for real: each broken kind is named, none is left running.

Every kernel here is a real process started by jupyter_client: a real ipykernel, an
interpreter that lacks ipykernel (``python -S``), one that exits with a message, one that
hangs while ignoring SIGTERM and has a child, a missing interpreter, a malformed kernel.json.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from plugins.procs import in_groups, table

from labtools.cli import cli
from labtools.kernels.check import check_kernels

pytestmark = pytest.mark.integration
LAUNCH = ["-m", "ipykernel_launcher", "-f", "{connection_file}"]
HANG = ("import os, signal, subprocess, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "subprocess.Popen(['sleep', '300']); open(os.environ['HANG_MARK'], 'w').close(); "
        "time.sleep(300)")


def kernels_dir() -> Path:
    return Path(os.environ["JUPYTER_DATA_DIR"]) / "kernels"


def write_spec(name: str, spec: dict[str, Any] | str) -> Path:
    folder = kernels_dir() / name
    folder.mkdir(parents=True)
    text = spec if isinstance(spec, str) else json.dumps(
        {"display_name": name, "language": "python", **spec})
    (folder / "kernel.json").write_text(text)
    return folder / "kernel.json"


def ours() -> set[int]:
    """Processes of this test session's kernels: children of this pytest, any depth."""
    me = os.getpid()
    procs = table()
    found: set[int] = set()
    for proc in procs.values():
        pid, seen = proc.pid, 0
        while pid > 1 and seen < 64:
            parent = procs.get(pid)
            if parent is None:
                break
            if parent.ppid == me:
                found.add(proc.pid)
                break
            pid, seen = parent.ppid, seen + 1
    return found


def test_each_broken_kind_is_named_and_nothing_is_left(tmp_path: Path) -> None:
    gone_env = tmp_path / "gone-env"
    hollow_env = tmp_path / "hollow-env"
    hollow_env.mkdir()
    write_spec("good", {"argv": [sys.executable, *LAUNCH]})
    write_spec("ghost", {"argv": [str(gone_env / "bin/python"), *LAUNCH]})
    write_spec("hollow", {"argv": [str(hollow_env / "bin/python"), *LAUNCH],
                          "metadata": {"labtools": {"env": str(hollow_env)}}})
    write_spec("bare", {"argv": [sys.executable, "-S", *LAUNCH]})
    write_spec("nomodule", {"argv": [sys.executable, "-m", "labtools_no_such_kernel", "-f",
                                     "{connection_file}"]})
    write_spec("exits", {"argv": [sys.executable, "-c",
                                  "import sys; sys.stderr.write('bad config: x\\n'); "
                                  "sys.exit(3)", "{connection_file}"]})
    broken = write_spec("broken", "{not json")
    before = ours()
    report = check_kernels(["good", "ghost", "hollow", "bare", "nomodule", "exits", "broken"],
                           timeout=180)
    by_kernel = {p.kernel: p for p in report.problems}
    assert set(by_kernel) == {"ghost", "hollow", "bare", "nomodule", "exits", "broken"}
    assert by_kernel["ghost"].code == "orphan"
    assert by_kernel["hollow"].code == "interpreter-missing"
    assert str(hollow_env / "bin/python") in by_kernel["hollow"].message
    assert by_kernel["bare"].code == "no-ipykernel"
    assert "has no ipykernel" in by_kernel["bare"].message
    assert "--install-ipykernel" in by_kernel["bare"].fix
    assert by_kernel["nomodule"].code == "launch-module-missing"
    assert "labtools_no_such_kernel" in by_kernel["nomodule"].message
    exits = by_kernel["exits"]
    assert exits.code == "exited"
    assert "exit status 3" in exits.message and "bad config: x" in exits.message
    assert by_kernel["broken"].code == "malformed"
    assert str(broken) in by_kernel["broken"].message
    (good,) = [launch for launch in report.launches if launch.name == "good"]
    assert good.ok and good.executable == sys.executable
    assert good.language_version == ".".join(map(str, sys.version_info[:3]))
    launched = [launch.pid for launch in report.launches if launch.pid]
    assert len(launched) >= 4  # good, bare, nomodule, exits really started
    assert in_groups(launched) == []
    assert ours() - before == set()


def test_a_hanging_kernel_is_reported_within_its_timeout_and_killed(tmp_path: Path) -> None:
    mark = tmp_path / "hang-started"
    write_spec("hangs", {"argv": [sys.executable, "-c", HANG, "{connection_file}"],
                         "env": {"HANG_MARK": str(mark)}})
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["kernel", "check", "hangs", "--timeout", "4", "--json"])
    elapsed = time.monotonic() - started
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    (problem,) = report["problems"]
    assert problem["code"] == "no-reply" and "did not answer within 4 s" in problem["message"]
    (launch,) = report["launches"]
    assert launch["seconds"] >= 4
    assert elapsed < 4 + 90, "the check must end soon after its timeout, not with the kernel"
    assert mark.exists(), "the kernel really ran"
    assert in_groups([launch["pid"]]) == [], "the kernel and its child were killed"
    assert result.stderr == ""


def test_kernel_on_jupyter_path_and_data_dir_is_not_shadowing_itself() -> None:
    write_spec("twice", {"argv": [sys.executable, *LAUNCH]})
    os.environ["JUPYTER_PATH"] = str(Path(os.environ["JUPYTER_DATA_DIR"]))
    listing_result = CliRunner().invoke(cli, ["kernel", "list", "--json"])
    twice = [k for k in json.loads(listing_result.stdout)["kernels"] if k["name"] == "twice"]
    assert len(twice) == 1 and twice[0]["shadowed_by"] is None
    report = check_kernels(["twice"], timeout=180)
    assert report.ok, report.problems


def test_verify_is_one_line_for_each_broken_kind(tmp_path: Path) -> None:
    write_spec("bare", {"argv": [sys.executable, "-S", *LAUNCH]})
    write_spec("broken", '{"argv": [1, 2')
    write_spec("ghost", {"argv": [str(tmp_path / "nope/bin/python"), *LAUNCH]})
    runner = CliRunner()
    for name, words in (("bare", "has no ipykernel"),
                        ("broken", "kernel.json is not valid JSON"),
                        ("ghost", "does not exist")):
        result = runner.invoke(cli, ["kernel", "verify", name, "--timeout", "120"])
        assert result.exit_code == 1
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0], result.stderr
        assert "Traceback" not in result.stderr
