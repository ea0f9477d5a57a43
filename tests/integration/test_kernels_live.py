"""Real kernels through jupyter_client: verify, a kernel that dies, a timeout, assert_env."""

from __future__ import annotations

import json
import os
import sys
import sysconfig
from pathlib import Path

import pytest
from click.testing import CliRunner

import labtools
from labtools import process
from labtools.cli import cli
from labtools.errors import EnvError, KernelError

pytestmark = pytest.mark.integration
MAIN_SITE = sysconfig.get_paths()["purelib"]


def make_venv(path: Path) -> Path:
    process.run([sys.executable, "-m", "venv", "--without-pip", path], timeout=120)
    site = next((path / "lib").glob("python3.*")) / "site-packages"
    (site / "labtools_main.pth").write_text(f"import site; site.addsitedir({MAIN_SITE!r})\n")
    return path


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_venv(tmp_path_factory.mktemp("live") / "py311-live")


def write_spec(name: str, argv: list[str]) -> None:
    kdir = Path(os.environ["JUPYTER_DATA_DIR"]) / "kernels" / name
    kdir.mkdir(parents=True)
    (kdir / "kernel.json").write_text(json.dumps(
        {"argv": argv, "display_name": name, "language": "python"}))


def test_verify_runs_code_in_the_registered_env(env: Path) -> None:
    reg = labtools.register_kernel(env)
    result = labtools.verify_kernel(reg.name, expect_prefix=env, timeout=60)
    assert Path(result.prefix) == env
    assert result.executable == str(env / "bin" / "python")
    assert result.version.startswith(f"{sys.version_info[0]}.{sys.version_info[1]}.")
    assert result.matches is True


def test_verify_cli_flags_the_wrong_kernel(env: Path) -> None:
    # the wrong-kernel case: a kernel named after env, but running the project's Python
    write_spec("py311-live", [sys.executable, "-m", "ipykernel_launcher", "-f",
                              "{connection_file}"])
    result = CliRunner().invoke(cli, ["kernel", "verify", "py311-live", "--expect-prefix",
                                      str(env), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["matches"] is False and report["prefix"] == sys.prefix
    assert "not in" in result.stderr and "kernel register" in result.stderr
    assert "without encryption" not in result.stdout + result.stderr


def test_kernel_that_exits_at_once_reports_its_stderr() -> None:
    write_spec("boom", [sys.executable, "-c",
                        "import sys; sys.stderr.write('boom\\n'); sys.exit(3)"])
    with pytest.raises(KernelError, match=r"died at start \(exit status 3\): boom"):
        labtools.verify_kernel("boom", timeout=30)


def test_kernel_that_never_answers_times_out() -> None:
    write_spec("sleepy", [sys.executable, "-c", "import time; time.sleep(120)"])
    result = CliRunner().invoke(cli, ["kernel", "verify", "sleepy", "--timeout", "3"])
    assert result.exit_code == 1
    assert "did not answer within 3 s" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_verify_missing_interpreter_is_one_line(tmp_path: Path) -> None:
    write_spec("ghost", [str(tmp_path / "nope/bin/python"), "-m", "ipykernel_launcher",
                         "-f", "{connection_file}"])
    result = CliRunner().invoke(cli, ["kernel", "verify", "ghost"])
    assert result.exit_code == 1
    assert result.stderr.startswith("labtools: error: kernel 'ghost' could not start")


def test_assert_env_in_and_out_of_the_env(env: Path) -> None:
    assert labtools.assert_env(sys.prefix) == Path(sys.prefix).resolve()
    with pytest.raises(KernelError, match="not in the expected environment") as info:
        labtools.assert_env(env)
    assert "labtools kernel register" in str(info.value)
    with pytest.raises(EnvError, match="no environment named"):
        labtools.assert_env("no-such-env")
    inside = process.run([env / "bin" / "python", "-c",
                          f"import labtools; print(labtools.assert_env({str(env)!r}))"],
                         timeout=60)
    assert inside.stdout.strip() == str(env)
