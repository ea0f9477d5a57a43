"""The handbook pipeline end to end on a small project: real kernels, real mkdocs."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import nbformat
import pytest

from labtools.errors import HandbookError
from labtools.handbook.build import Layout, build_handbook
from labtools.handbook.execute import ExecOptions
from labtools.handbook.sandbox import Service

pytestmark = pytest.mark.integration

HEADER = """\
# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---
"""

MKDOCS = """\
site_name: mini
strict: true
plugins:
  - mkdocs-jupyter:
      execute: false
      include: ["*.ipynb"]
      ignore: ["*.py"]
nav:
  - Home: index.md
  - Status: tutorials/index.md
{nav}
"""


def make_project(root: Path, tutorials: dict[str, str]) -> Path:
    (root / "notebooks").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_text("# mini\n")
    nav = "\n".join(f"  - {name}: tutorials/{name}.ipynb" for name in tutorials)
    (root / "mkdocs.yml").write_text(MKDOCS.format(nav=nav))
    for name, body in tutorials.items():
        (root / "notebooks" / f"{name}.py").write_text(HEADER + textwrap.dedent(body))
    return root


OK = """
# %% [markdown]
# # A tutorial

# %%
import os, sys
print("answer", 6 * 7)

# %% tags=["raises-exception"]
raise ValueError("on purpose")
"""


class SecretService(Service):
    """A service that generates a secret, as the SSH host does with its key."""

    name = "secret"

    def environ(self) -> dict[str, str]:
        return {"LAB_SECRET": "hunter2-the-lab-secret"}

    def secrets(self) -> set[str]:
        return {"hunter2-the-lab-secret"}


def test_build_executes_stamps_and_renders(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {"01-ok": OK})
    result = build_handbook(project, out="site", services=[])
    assert [t.name for t in result.tutorials] == ["01-ok"] and result.executed == ("01-ok",)
    nb = nbformat.read(project / "docs/tutorials/01-ok.ipynb", as_version=4)
    stamp = nb.metadata["labtools"]["stamp"]
    assert stamp["result"] == "passed" and stamp["duration_s"] > 0
    outputs = "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )
    assert "answer 42" in outputs
    page = (project / "site/tutorials/01-ok/index.html").read_text()
    assert "labtools-stamp" in page and "Verified: passed" in page
    assert (project / "site/tutorials/01-ok.py").exists()  # source download
    status = (project / "site/tutorials/index.html").read_text()
    assert "01-ok" in status


def test_second_build_with_nothing_changed_executes_nothing(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {"01-ok": OK, "02-ok": OK})
    first = build_handbook(project, out="site", services=[], jobs=2)
    assert sorted(first.executed) == ["01-ok", "02-ok"] and first.mkdocs_ran
    second = build_handbook(project, out="site", services=[])
    assert second.executed == () and not second.mkdocs_ran
    assert {t.status for t in second.tutorials} == {"cached"}
    (project / "notebooks/02-ok.py").write_text(HEADER + OK + "\n# %%\nprint('changed')\n")
    third = build_handbook(project, out="site", services=[])
    assert third.executed == ("02-ok",) and third.mkdocs_ran
    forced = build_handbook(project, out=None, services=[], force=True)
    assert sorted(forced.executed) == ["01-ok", "02-ok"]


def test_failing_cell_names_tutorial_cell_and_exception(tmp_path: Path) -> None:
    body = OK + '\n# %%\nx = 1\n\n# %%\nassert x == 2, "x should be two"\n'
    project = make_project(tmp_path / "p", {"03-bad": body})
    with pytest.raises(HandbookError) as info:
        build_handbook(project, out=None, services=[])
    message = str(info.value)
    assert "03-bad.py" in message and "code cell 4" in message
    assert "AssertionError" in message and "x should be two" in message
    assert not (project / "docs/tutorials/03-bad.ipynb").exists()


def test_raises_exception_cell_that_raises_nothing_fails(tmp_path: Path) -> None:
    body = '\n# %%\nprint(1)\n\n# %% tags=["raises-exception"]\nprint("no error here")\n'
    project = make_project(tmp_path / "p", {"04-silent": body})
    with pytest.raises(
        HandbookError, match=r"code cell 2 is tagged raises-exception but raised nothing"
    ):
        build_handbook(project, out=None, services=[])


def test_cell_timeout_tag_stops_a_hanging_cell(tmp_path: Path) -> None:
    body = '\n# %% tags=["timeout=2"]\nimport time\ntime.sleep(60)\n'
    project = make_project(tmp_path / "p", {"05-slow": body})
    with pytest.raises(HandbookError, match=r"code cell 1 did not finish within 2 s"):
        build_handbook(project, out=None, services=[], options=ExecOptions(cell_timeout=60))


def snapshot(root: Path) -> dict[str, float]:
    return {str(p.relative_to(root)): p.stat().st_mtime for p in root.rglob("*")}


def test_sandbox_leaves_home_untouched_and_scrubs_secrets(
    tmp_path: Path, isolated_home: Path
) -> None:
    body = """
# %%
import os, json, pathlib, subprocess, sys
home = pathlib.Path.home()
(home / "touched-by-tutorial").write_text("x")
subprocess.run([sys.executable, "-m", "ipykernel", "install", "--user", "--name", "nbk"],
               check=True, capture_output=True)
print(os.environ["HOME"], os.environ["JUPYTER_DATA_DIR"], os.getcwd())
print("secret is", os.environ["LAB_SECRET"])
"""
    project = make_project(tmp_path / "p", {"06-home": body})
    before = snapshot(isolated_home)
    build_handbook(project, out="site", services=[SecretService()])
    assert snapshot(isolated_home) == before, "the real HOME changed"
    assert os.environ["HOME"] == str(isolated_home)
    worlds = Layout.of(project).sandbox / "worlds/06-home"
    assert (worlds / "home/touched-by-tutorial").exists()
    assert (worlds / "home/.local/share/jupyter/kernels/nbk/kernel.json").exists()
    executed = (project / "docs/tutorials/06-home.ipynb").read_text()
    assert "secret is [REDACTED]" in executed
    for path in (project / "site").rglob("*"):
        if path.is_file():
            assert b"hunter2-the-lab-secret" not in path.read_bytes(), path
