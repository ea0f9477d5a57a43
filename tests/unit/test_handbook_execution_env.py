"""The execution environment a stamp names: creator tool, version, lock hash (pure parts)."""

from __future__ import annotations

import sys
from pathlib import Path

from labtools.handbook.execution_env import creator, describe_env, lock_hash, this_env

MICROMAMBA = """\
==> 2026-12-01 20:44:02 <==
# cmd: /cache/real-tools/bin/micromamba create -y -n labtools-dev -f environment.yml
# conda version: 3.8.0
+file:///m/conda-forge/linux-64::python-3.11.7-h_lab_0_cp311
==> 2026-12-02 10:00:00 <==
# cmd: /opt/conda/bin/conda install -y rich
# conda version: 26.7.1
"""


def test_the_creator_is_the_first_transactions_tool() -> None:
    # mamba 2 writes conda's compatibility version, not its own: not taken as the version
    assert creator(MICROMAMBA) == ("micromamba", "")
    conda = "==> 2026-12-01 <==\n# cmd: /x/bin/conda create -y -p /e python\n" \
            "# conda version: 26.7.1\n"
    assert creator(conda) == ("conda", "26.7.1")
    ours = "==> 2026-12-01 <==\n# cmd: labtools env create py311 python\n" \
           "# labtools version: 0.1.0\n"
    assert creator(ours) == ("labtools", "0.1.0")
    assert creator("") == ("unknown", "")


def test_the_lock_hash_ignores_order_and_sees_every_build() -> None:
    a = [("python", "3.11.7", "h_0", "aa"), ("rich", "13.0", "pyh_0", "bb")]
    same = lock_hash(list(reversed(a)), [])
    assert lock_hash(a, []) == same and len(same) == 16
    assert lock_hash([a[0], ("rich", "13.0", "pyh_1", "cc")], []) != same
    assert lock_hash(a, [("labtools", "0.1.0", "file:///src")]) != same


def test_this_env_is_the_venv_running_the_build() -> None:
    env = this_env()
    assert env.prefix == Path(sys.prefix).absolute()
    if (Path(sys.prefix) / "pyvenv.cfg").is_file():
        assert env.tool == "venv"
        assert env.tool_version == ".".join(map(str, sys.version_info[:3]))
    assert env.facts()["env"] == Path(sys.prefix).name
    assert describe_env(sys.prefix).lock_hash == env.lock_hash  # stable


def test_a_kernels_program_names_its_env(tmp_path: Path) -> None:
    from labtools.handbook.execution_env import prefix_of_program, summary

    conda = tmp_path / "envs" / "labtools-dev"
    (conda / "conda-meta").mkdir(parents=True)
    (conda / "bin").mkdir()
    venv = tmp_path / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("version = 3.11.7\n")
    assert prefix_of_program(str(conda / "bin" / "python")) == conda
    assert prefix_of_program(str(venv / "bin" / "python")) == venv
    assert prefix_of_program("/usr/lib/R/bin/R") is None  # not an environment
    assert prefix_of_program("no-such-program-xyz") is None
    line = summary([{"env": "labtools-dev", "created by": "micromamba 2.8.1", "lock": "ab"},
                    {"env": "labtools-dev", "created by": "micromamba 2.8.1", "lock": "ab"},
                    {}])
    assert line == "labtools-dev (micromamba 2.8.1, lock ab)"
