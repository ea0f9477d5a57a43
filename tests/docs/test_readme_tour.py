"""README.md's "A first hour" runs word for word on a fresh machine (a sandbox HOME)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.docs, pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def tour_blocks(readme: str) -> list[str]:
    """The ```bash blocks of the README's "A first hour" section, in order."""
    start = readme.index("\n## A first hour\n")
    end = readme.find("\n## ", start + 1)
    section = readme[start: end if end != -1 else len(readme)]
    return re.findall(r"```bash\n(.*?)```", section, re.DOTALL)


def test_the_tour_has_the_lines_a_newcomer_needs() -> None:
    script = "\n".join(tour_blocks((ROOT / "README.md").read_text(encoding="utf-8")))
    for needed in ("source .venv/bin/activate", "labtools channel demo",
                   "labtools env create", "labtools kernel register", "labtools spec export"):
        assert needed in script, needed


def test_the_readme_tour_runs_verbatim_in_a_fresh_home(tmp_path: Path) -> None:
    home = Path.home()  # the autouse fixture's fresh, empty HOME
    assert not (home / "lab-channel").exists()
    checkout = tmp_path / "checkout"  # the reader's clone: its .venv is what `make` made
    checkout.mkdir()
    (checkout / ".venv").symlink_to(VENV_BIN.parent)
    script = "\n".join(tour_blocks((ROOT / "README.md").read_text(encoding="utf-8")))
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                           if Path(p) != VENV_BIN)  # labtools is NOT on PATH until activated
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
    # the wheels that `channel demo` downloads once are cached outside the fresh HOME
    env.update(PATH=path, LABTOOLS_CACHE_DIR=str(ROOT / "build" / "readme-tour-cache"))
    done = subprocess.run(["bash", "--norc", "--noprofile", "-euo", "pipefail", "-c", script],
                          cwd=checkout, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    out = done.stdout
    assert "py311-torch20-cuda118" in out
    assert "registered kernel 'py311-demo'" in out
    assert re.search(r"kernel 'py311-demo' runs Python 3\.11", out)
    assert f"sys.prefix     {home}/.local/share/labtools/envs/py311-demo" in out
    exported = (checkout / "py311-demo.yml").read_text(encoding="utf-8")
    assert f"file://{home}/lab-channel" in exported and "ipykernel=" in exported
    assert out.rstrip().endswith("ExitOnForwardFailure yes")
    assert "Host gpu-box" in out
