"""The stamp names the environment a tutorial ran in: a mapped env's kernel, or the .venv."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from labtools.cli import cli
from labtools.handbook.site import build_handbook

pytestmark = pytest.mark.integration

TUTORIAL = """\
# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Where am I

# %%
import sys
print(sys.prefix)
"""

MKDOCS = """\
site_name: mini
strict: true
use_directory_urls: false
plugins:
  - search
  - labtools:
      services: []
      cell_timeout: 120
"""


def _project(root: Path) -> Path:
    (root / "notebooks").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_text("# mini\n")
    (root / "mkdocs.yml").write_text(MKDOCS)
    (root / "notebooks" / "where.py").write_text(TUTORIAL)
    return root


def _printed(project: Path) -> str:
    nb = nbformat.read(next(project.rglob("executed/where.ipynb")), as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs).strip()


def test_a_mapped_kernel_stamps_its_env_tool_and_lock(
    tmp_path: Path, lab_kernel_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jupyter = tmp_path / "jupyter"
    registered = CliRunner().invoke(cli, ["kernel", "register", str(lab_kernel_env), "--name",
                                          "lab-env", "--prefix", str(jupyter), "--json"])
    assert registered.exit_code == 0, registered.output
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter / "share" / "jupyter"))
    project = _project(tmp_path / "proj")
    result = build_handbook(project, out=None, kernels={"python3": "lab-env"})
    (tutorial,) = result.tutorials
    assert tutorial.status == "executed", tutorial.failure
    assert Path(_printed(project)) == lab_kernel_env  # it really ran there
    facts = tutorial.environment
    assert facts["env"] == lab_kernel_env.name
    assert facts["created by"] == "labtools 0.1.0"  # the built-in engine made it
    assert len(facts["lock"]) == 16
    stamp = nbformat.read(next(project.rglob("executed/where.ipynb")), as_version=4)
    assert stamp.metadata["labtools"]["stamp"]["environment"] == facts

    # the same tutorial on the handbook's own interpreter: another env, so executed again
    again = CliRunner().invoke(cli, ["handbook", "build", "--project", str(project),
                                     "--no-site"])
    assert again.exit_code == 0, again.output
    venv = Path(sys.prefix).name
    assert f"executed in: {venv} (" in again.output
    assert Path(_printed(project)) == Path(sys.prefix).absolute()

    # unchanged env, unchanged tutorial: cached; the summary still names the env
    cached = CliRunner().invoke(cli, ["handbook", "build", "--project", str(project),
                                      "--no-site", "--json"])
    assert cached.exit_code == 0, cached.output
    (row,) = json.loads(cached.output)["tutorials"]
    assert row["status"] == "cached" and row["environment"]["env"] == venv
