"""The login-node scripts under real bash, with a stand-in sbatch that records its call:
environment lookup, the session folder's modes, refusals, and where the token goes."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import pytest

from labtools import process
from labtools.slurm.request import JobRequest
from labtools.slurm.script import batch_script, sections, submit_script

TOKEN = "f00d" * 12


@pytest.fixture
def login(tmp_path: Path) -> dict[str, str]:
    """A fake login node's environment: HOME, an env dir, a recording sbatch on PATH."""
    home = tmp_path / "home"
    bin_dir = tmp_path / "bin"
    for d in (home, bin_dir):
        d.mkdir()
    sbatch = bin_dir / "sbatch"
    sbatch.write_text('#!/bin/sh\n'
                      'for a in "$@"; do printf "%s\\n" "$a"; done > "$HOME/sbatch.args"\n'
                      'if [ -n "${FAIL_SBATCH:-}" ]; then\n'
                      '  echo "sbatch: error: invalid partition specified: nosuch" >&2; exit 1\n'
                      'fi\necho 4242\n')
    sbatch.chmod(0o755)
    envs = tmp_path / "envs"
    envs.mkdir()
    (envs / "good").symlink_to(sys.prefix)  # this project's environment: has jupyter_server
    (envs / "bare" / "bin").mkdir(parents=True)
    (envs / "bare" / "conda-meta").mkdir()
    bare = envs / "bare" / "bin" / "python"  # a Python without jupyter_server
    bare.write_text("#!/bin/sh\nexit 1\n")
    bare.chmod(0o755)
    return {"HOME": str(home), "PATH": f"{bin_dir}:/usr/bin:/bin", "CONDA_ENVS_PATH": str(envs)}


def run(script: str, env: dict[str, str]) -> dict[str, object]:
    done = process.run(["bash", "-s"], input=script, env=env, timeout=60)
    return dict(sections(done.stdout))


def submit(req: JobRequest) -> str:
    return submit_script(req, session="0123456789abcdef", token=TOKEN, startup_timeout=90)


def test_an_env_by_name_is_found_and_the_job_submitted(login: dict[str, str]) -> None:
    out = run(submit(JobRequest(env="good", partition="debug", time="30")), login)
    assert "submitted" in out, out
    home = Path(login["HOME"])
    d = home / ".labtools" / "slurm" / "0123456789abcdef"
    args = (home / "sbatch.args").read_text().splitlines()
    prefix = str(Path(login["CONDA_ENVS_PATH"]) / "good")
    assert args[:4] == ["--parsable", "--job-name=labtools-jupyter-0123456789abcdef",
                        f"--output={d}/job.log", f"--chdir={home}"]
    assert "--partition=debug" in args and "--time=30" in args
    assert args[args.index(f"{d}/job.sh") + 1:] == [
        f"{prefix}/bin/python", prefix, f"{d}/config.json", f"{d}/server.json", "0", "90", "0"]
    assert TOKEN not in "\n".join(args)  # the token is never on a command line
    assert TOKEN in (d / "config.json").read_text()
    for path in (d, d / "config.json", d / "job.sh", home / ".labtools"):
        assert path.stat().st_mode & 0o077 == 0, path
    assert TOKEN not in (d / "job.sh").read_text()
    process.run(["bash", "-n", str(d / "job.sh")], timeout=30)


def test_a_missing_env_is_named_and_nothing_is_written(login: dict[str, str]) -> None:
    out = run(submit(JobRequest(env="nosuch")), login)
    error = out["error"]
    assert error.args == ("env-missing",)  # type: ignore[attr-defined]
    assert login["CONDA_ENVS_PATH"] in error.text  # type: ignore[attr-defined]
    assert not (Path(login["HOME"]) / ".labtools").exists()
    assert not (Path(login["HOME"]) / "sbatch.args").exists()


def test_an_env_without_jupyter_server_is_refused(login: dict[str, str]) -> None:
    out = run(submit(JobRequest(env="bare")), login)
    assert out["error"].args == ("no-jupyter",)  # type: ignore[attr-defined]


def test_a_refused_job_leaves_no_session_folder(login: dict[str, str]) -> None:
    out = run(submit(JobRequest(env="good", partition="nosuch")), {**login, "FAIL_SBATCH": "1"})
    error = out["error"]
    assert error.args == ("sbatch",)  # type: ignore[attr-defined]
    assert "invalid partition specified: nosuch" in error.text  # type: ignore[attr-defined]
    assert not list((Path(login["HOME"]) / ".labtools" / "slurm").iterdir())


def test_profile_noise_does_not_confuse_the_answer(login: dict[str, str]) -> None:
    noisy = "echo 'Welcome to the cluster! @@labtools is not a section'\n" + submit(
        JobRequest(python=shlex.quote(sys.executable).strip("'")))
    out = run(noisy, login)
    assert out["submitted"].text.strip() == "4242"  # type: ignore[attr-defined]


def test_the_batch_script_is_valid_bash_and_carries_the_launcher(tmp_path: Path) -> None:
    script = tmp_path / "job.sh"
    script.write_text(batch_script("0123456789abcdef"))
    process.run(["bash", "-n", str(script)], timeout=30)
    text = script.read_text()
    assert text.startswith("#!/bin/bash\n") and "def choose_bind_address" in text
    assert os.path.basename(str(script)) == "job.sh"
