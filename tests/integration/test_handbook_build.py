"""The handbook pipeline end to end on small projects: real kernels, real mkdocs."""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from labtools import process
from labtools.handbook import config as hbconfig
from labtools.handbook.site import build_handbook

pytestmark = pytest.mark.integration

PY = """\
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
use_directory_urls: false
plugins:
  - search
  - labtools:
      services: {services}
      cell_timeout: 60
"""

OK = PY + """
# %% [markdown]
# # A tutorial

# %%
print("answer", 6 * 7)

# %% tags=["verify"]
assert 6 * 7 == 42, "the verify cell ran"
print("hidden check ran")

# %% tags=["raises-exception"]
raise ValueError("on purpose")
"""


def myst(kernel: str, language: str, display_name: str) -> str:
    """A MyST notebook's front matter (jupytext) naming *kernel*."""
    return f"""\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: {display_name}
  language: {language}
  name: {kernel}
---
"""


MYST = myst("python3", "python", "Python 3") + """
# A MyST tutorial

```{code-cell} ipython3
print("from myst", 2 + 3)
```
"""

BASH = myst("bash", "bash", "Bash") + """
# A bash tutorial

```{code-cell} bash
echo "from bash $((40 + 2))"
```
"""


def ipynb(source: str, kernel: str = "python3", language: str = "python") -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# An ipynb tutorial"),
                nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": language}
    return nbformat.writes(nb)


def make_project(root: Path, tutorials: dict[str, str], services: str = "[]") -> Path:
    (root / "notebooks").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_text("# mini\n")
    (root / "mkdocs.yml").write_text(MKDOCS.format(services=services))
    for name, body in tutorials.items():
        (root / "notebooks" / name).write_text(textwrap.dedent(body))
    return root


def outputs(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )


@pytest.fixture
def bash_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """bash_kernel (from PyPI) installed as a kernelspec in a private Jupyter path."""
    pytest.importorskip("bash_kernel")
    prefix = tmp_path / "kernels-prefix"
    process.run([sys.executable, "-m", "bash_kernel.install", "--prefix", prefix], timeout=120)
    monkeypatch.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
    return "bash"


def test_every_format_and_the_bash_kernel_build_strict(tmp_path: Path, bash_kernel: str) -> None:
    project = make_project(tmp_path / "p", {
        "01-py.py": OK, "02-myst.md": MYST, "03-nb.ipynb": ipynb('print("from ipynb")'),
        "04-bash.md": BASH, "data.csv": "x,y\n1,2\n",
    })
    result = build_handbook(project, out="site")
    assert not result.failures
    assert [t.name for t in result.tutorials] == ["01-py", "02-myst", "03-nb", "04-bash"]
    assert [t.kernel for t in result.tutorials] == ["python3", "python3", "python3", "bash"]
    cfg = hbconfig.load(project)
    assert "answer 42" in outputs(cfg.executed / "01-py.ipynb")
    assert "hidden check ran" in outputs(cfg.executed / "01-py.ipynb")
    assert "from myst 5" in outputs(cfg.executed / "02-myst.ipynb")
    assert "from bash 42" in outputs(cfg.executed / "04-bash.ipynb")
    stamp = json.loads((cfg.executed / "04-bash.ipynb").read_text())["metadata"]["labtools"]
    assert stamp["stamp"]["kernel"] == "bash" and stamp["stamp"]["language"].startswith("bash")
    site = project / "site" / "tutorials"
    page = (site / "01-py.html").read_text()
    assert 'data-result="passed"' in page and "answer 42" in page
    assert "hidden check ran" not in page and "the verify cell ran" not in page
    assert 'href="01-py.py"' in page and 'href="01-py.ipynb"' in page
    assert (site / "01-py.py").read_text() == OK
    assert (site / "02-myst.md").exists() and (site / "03-nb.ipynb").exists()
    assert "from bash 42" in (site / "04-bash.html").read_text()
    status = (site / "index.html").read_text()
    assert all(name in status for name in ("01-py", "02-myst", "03-nb", "04-bash"))
    # the same project through mkdocs itself: the plugin's entry point
    done = process.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"],
                       cwd=project, timeout=300, check=False)
    assert done.returncode == 0, done.stderr


def test_nothing_changed_executes_nothing_and_one_change_one_tutorial(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {"01-ok.py": OK, "02-ok.py": OK})
    first = build_handbook(project, out="site", jobs=2)
    assert sorted(first.executed) == ["01-ok", "02-ok"] and first.mkdocs_ran
    second = build_handbook(project, out="site")
    assert second.executed == () and not second.mkdocs_ran
    assert {t.status for t in second.tutorials} == {"cached"}
    (project / "notebooks/02-ok.py").write_text(OK + "\n# %%\nprint('changed')\n")
    third = build_handbook(project, out="site")
    assert third.executed == ("02-ok",) and third.mkdocs_ran
    (project / "notebooks" / "data.txt").write_text("new data\n")  # data files count
    fourth = build_handbook(project, out=None)
    assert sorted(fourth.executed) == ["01-ok", "02-ok"]


BROKEN = {
    "01-ok.py": OK,
    "02-assert.py": PY
    + '\n# %%\nx = 1\n\n# %%\nprint("before")\nassert x == 2, "x should be two"\n',
    "03-json.ipynb": '{"cells": [',
    "04-nokernel.py": "# %%\nprint(1)\n",
    "05-hang.py": PY + '\n# %% tags=["timeout=2"]\nimport time\ntime.sleep(60)\n',
    "06-verify.py": PY + '\n# %%\nn = 3\n\n# %% tags=["verify"]\nassert n == 4, "n is four"\n',
    "07-rmd.Rmd": "# an R markdown file\n",
    "08-silent.py": PY + '\n# %% tags=["raises-exception"]\nprint("no error here")\n',
    "09-kernel.py": PY.replace("name: python3", "name: no-such-kernel") + "\n# %%\nprint(1)\n",
}


def test_every_broken_tutorial_is_named_and_the_previous_site_stays(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {"01-ok.py": OK})
    build_handbook(project, out="site")
    before = (project / "site" / "tutorials" / "01-ok.html").read_text()
    for name, body in BROKEN.items():
        (project / "notebooks" / name).write_text(body)
    result = build_handbook(project, out="site")
    failures = {f.split(":")[0].split("/")[-1]: f for f in result.failures}
    assert sorted(failures) == sorted(n for n in BROKEN if n != "01-ok.py"), result.failures
    assert all("\n" not in f for f in result.failures)
    assert failures["02-assert.py"].startswith("notebooks/02-assert.py:14: code cell 2: ")
    assert "AssertionError: x should be two" in failures["02-assert.py"]
    assert '[assert x == 2, "x should be two"]' in failures["02-assert.py"]
    assert "not valid JSON (line 1" in failures["03-json.ipynb"]
    assert "names no kernel" in failures["04-nokernel.py"]
    assert "jupytext --set-kernel" in failures["04-nokernel.py"]
    assert "code cell 1: did not finish within 2 s" in failures["05-hang.py"]
    assert "verify cell 2: AssertionError: n is four" in failures["06-verify.py"]
    assert "unknown tutorial format '.Rmd'" in failures["07-rmd.Rmd"]
    assert "tagged raises-exception but raised nothing" in failures["08-silent.py"]
    assert "kernel 'no-such-kernel' is not installed" in failures["09-kernel.py"]
    assert (project / "site" / "tutorials" / "01-ok.html").read_text() == before
    assert not (project / "site" / "tutorials" / "02-assert.html").exists()
    assert not list(project.glob(".site.*")), "staging folders left behind"
    # --keep-going: the site is built, each failed page carries the red banner
    kept = build_handbook(project, out="site", keep_going=True)
    assert len(kept.failures) == len(BROKEN) - 1 and kept.mkdocs_ran
    page = (project / "site" / "tutorials" / "02-assert.html").read_text()
    assert 'data-result="failed"' in page and "x should be two" in page and "before" in page
    assert 'data-result="failed"' in (project / "site/tutorials/03-json.html").read_text()
    status = (project / "site" / "tutorials" / "index.html").read_text()
    assert "8 of 9 tutorials failed" in status


def test_cli_lists_failures_one_line_each_and_exits_1(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {"01-ok.py": OK, "02-assert.py": BROKEN["02-assert.py"],
                                            "03-json.ipynb": BROKEN["03-json.ipynb"]})
    done = process.run([sys.executable, "-m", "labtools", "handbook", "build", "--project",
                        project, "--no-site", "--jobs", "2"], timeout=600, check=False)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    failed = [ln for ln in lines if ln.strip().startswith("failed")]
    assert len(failed) == 2 and lines[-1].startswith("labtools: error: 2 tutorial(s) failed")
    assert "Traceback" not in done.stderr


def snapshot(root: Path) -> dict[str, float]:
    return {str(p.relative_to(root)): p.stat().st_mtime for p in root.rglob("*")}


def test_sandbox_leaves_home_untouched_and_scrubs_secrets(
    tmp_path: Path, isolated_home: Path
) -> None:
    body = PY + """
# %%
import os, json, pathlib, subprocess, sys
home = pathlib.Path.home()
(home / "touched-by-tutorial").write_text("x")
subprocess.run([sys.executable, "-m", "ipykernel", "install", "--user", "--name", "nbk"],
               check=True, capture_output=True)
print(os.environ["HOME"], os.environ["JUPYTER_DATA_DIR"], os.getcwd())
print("secret is", os.environ["LAB_SECRET"])
print("data:", open("data.txt").read())
"""
    services = "['plugins.handbook_services:SecretService']"
    project = make_project(tmp_path / "p", {"06-home.py": body, "data.txt": "from the folder"},
                           services=services)
    before = snapshot(isolated_home)
    build_handbook(project, out="site")
    assert snapshot(isolated_home) == before, "the real HOME changed"
    assert os.environ["HOME"] == str(isolated_home)
    cfg = hbconfig.load(project)
    world = cfg.sandbox / "worlds/06-home"
    assert (world / "home/touched-by-tutorial").exists()
    assert (world / "home/.local/share/jupyter/kernels/nbk/kernel.json").exists()
    executed = (cfg.executed / "06-home.ipynb").read_text()
    assert "secret is [REDACTED]" in executed and "data: from the folder" in executed
    for path in (project / "site").rglob("*"):
        if path.is_file():
            assert b"hunter2-the-lab-secret" not in path.read_bytes(), path


R_MYST = myst("ir", "R", "R") + """
# An R tutorial

```{code-cell} r
cat("from R", sum(1:10), "\\n")
```
"""


@pytest.fixture
def ir_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """IRkernel (Debian's r-cran-irkernel), its kernelspec in a private Jupyter path."""
    if process.which("R") is None:
        pytest.skip("R is not installed (Debian: apt-get install r-cran-irkernel)")
    found = process.run(["R", "--slave", "-e", "cat(system.file('kernelspec', "
                         "package='IRkernel'))"], timeout=120).stdout.strip()
    if not found:
        pytest.skip("IRkernel is not installed (Debian: apt-get install r-cran-irkernel)")
    kernels = tmp_path / "jupyter" / "kernels"
    kernels.mkdir(parents=True)
    shutil.copytree(found, kernels / "ir")
    monkeypatch.setenv("JUPYTER_PATH", str(kernels.parent))
    return "ir"


def test_an_r_notebook_runs_on_irkernel(tmp_path: Path, ir_kernel: str) -> None:
    project = make_project(tmp_path / "p", {"01-r.md": R_MYST, "02-py.py": OK})
    result = build_handbook(project, out="site")
    assert not result.failures, result.failures
    assert [t.kernel for t in result.tutorials] == ["ir", "python3"]
    assert "from R 55" in outputs(hbconfig.load(project).executed / "01-r.ipynb")
    assert "from R 55" in (project / "site" / "tutorials" / "01-r.html").read_text()
