"""conda, mamba and micromamba each create ``labtools-dev`` from environment.yml, offline.

The channel is ``labtools channel mirror environment.yml`` (plugins/env_mirror.py); the
tools are the real ones from the kits (plugins/real_tools.py), each sealed in its sandbox.
Under CI (LABTOOLS_REQUIRE_REAL_TOOLS=1) these fail instead of skipping.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from plugins.env_mirror import ENVIRONMENT_YML, EnvMirror, create_from_file
from plugins.real_tools import RealTool

import labtools
from labtools.cli import cli

pytestmark = pytest.mark.integration

ENV_NAME = "labtools-dev"


def test_the_mirror_holds_the_whole_request(env_mirror: EnvMirror) -> None:
    report = env_mirror.report
    assert report.missing == ()
    assert report.packages >= 100  # the real stack: jupyter, mkdocs, matplotlib, pytest ...
    records = {}
    for sub in ("noarch", report.subdir):
        repodata = json.loads((env_mirror.channel / sub / "repodata.json").read_text())
        records.update(repodata["packages.conda"])
    names = {r["name"] for r in records.values()}
    # conda-forge's spellings, as environment.yml writes them
    assert {"jupyter_client", "ruamel.yaml", "py-rattler", "python", "pip"} <= names
    assert "jupyter-client" not in names
    # every depends of every package names a package the mirror has
    wanted = {d.split()[0] for r in records.values() for d in r["depends"]}
    assert wanted <= names, sorted(wanted - names)
    assert (env_mirror.channel / "wheels").is_dir()  # the pip: section's build backend
    assert any(p.name.startswith("hatchling-") for p in (env_mirror.channel / "wheels").iterdir())


# conda with its default solver (libmamba), mamba, micromamba: the tools a lab member uses.
# (conda's classic solver is covered against the small lab channel; here it would add minutes.)
@pytest.mark.parametrize("real_tool", ["conda", "mamba", "micromamba"], indirect=True)
def test_the_real_tool_creates_labtools_dev_from_environment_yml(
    real_tool: RealTool, env_mirror: EnvMirror
) -> None:
    created = create_from_file(real_tool, env_mirror, ENVIRONMENT_YML, ENV_NAME)
    prefix = created.prefix
    assert (prefix / "conda-meta").is_dir(), created.output[-2000:]
    version = subprocess.run([str(prefix / "bin" / "labtools"), "--version"],
                             capture_output=True, text=True, timeout=120, check=True)
    assert version.stdout.strip() == f"labtools, version {labtools.__version__}"
    # the binary wheels work in the env: rattler (Rust), zstandard (C), matplotlib (C++)
    probe = ("import rattler, zstandard, matplotlib, jupyter_client, ruamel.yaml, labtools; "
             "import sys; print(sys.prefix)")
    ran = subprocess.run([str(prefix / "bin" / "python"), "-c", probe], capture_output=True,
                         text=True, timeout=120, check=True)
    assert Path(ran.stdout.strip()) == prefix
    check = CliRunner().invoke(cli, ["spec", "check", ENV_NAME, "--against",
                                     str(ENVIRONMENT_YML), "--json"])
    assert check.exit_code == 0, check.output
    verdict = json.loads(check.output)
    assert verdict["drifted"] is False, verdict
    assert Path(verdict["env"]).name == ENV_NAME or verdict["env"] == ENV_NAME
