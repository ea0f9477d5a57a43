"""``labtools handbook new DIR``: a working handbook for another lab, made in one step.

The files are written into a staging folder next to DIR and renamed into place, so an
interrupted or failed scaffold leaves nothing half-made.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from labtools.errors import HandbookError

MKDOCS_YML = """\
site_name: {title}
site_description: Our lab's procedures, taught by tutorials that the build executes.
strict: true
use_directory_urls: false  # pages open from a file:// copy too, without folder listings

theme:
  name: material
  font: false  # no Google Fonts: the site works offline
  features:
    - navigation.sections
    - search.suggest
    - search.highlight
    - content.code.copy
  palette:
    - media: "(prefers-color-scheme: light)"
      scheme: default
      toggle:
        icon: material/weather-night
        name: Switch to dark mode
    - media: "(prefers-color-scheme: dark)"
      scheme: slate
      toggle:
        icon: material/weather-sunny
        name: Switch to light mode

markdown_extensions:
  - admonition
  - tables
  - toc:
      permalink: true

plugins:
  - search
  - labtools:
      notebooks: notebooks  # percent .py, MyST .md and .ipynb tutorials, mixed
      jobs: 2
      cell_timeout: 300     # seconds; a cell tagged timeout=N gets its own limit
      # kernels: {{python3: our-env}}   # run Python tutorials on another kernel

nav:
  - Home: index.md
  - Tutorials:
      - Status: tutorials/index.md
      - First steps: tutorials/01-first-steps.ipynb
"""

INDEX_MD = """\
# {title}

This handbook holds our lab's procedures as tutorials that the build **executes**: every
tutorial page carries a stamp saying when it ran, on which kernel, and that it passed.
A procedure that stops working fails the build instead of rotting on a wiki.

- Add a tutorial: a file in `notebooks/` (percent `.py`, MyST `.md` or `.ipynb`), then a
  line under `nav:` in `mkdocs.yml`.
- Preview while you write: `labtools handbook serve` (only what you change re-runs).
- Build the site: `labtools handbook build` (or `mkdocs build --strict`).
"""

TUTORIAL_PY = """\
# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # First steps
#
# A tutorial is what a new lab member would type and see. Shell commands are lines that
# start with `!`; Python cells show the API; prose in between says why.

# %%
!python --version

# %% [markdown]
# A measurement and its plot: the build runs this cell and publishes its output.

# %%
import matplotlib.pyplot as plt

runs = [1, 2, 3, 4, 5, 6]
seconds = [4.1, 3.2, 2.9, 2.7, 2.6, 2.6]
fig, ax = plt.subplots(figsize=(6, 3.2), layout="constrained")
ax.plot(runs, seconds, marker="o")
ax.set_xlabel("run")
ax.set_ylabel("seconds")
ax.set_xticks(runs)
plt.show()

# %% [markdown]
# A cell tagged `verify` proves the page right. The build executes it; the site hides it.

# %% tags=["verify"]
assert seconds[-1] < seconds[0], "the runs should get faster"
"""

LABTOOLS_TOML = """\
# The lab profile labtools commands read (see `labtools profile show`).
[profile]
channels = ["conda-forge"]
naming = "refuse"   # refuse vague environment names such as env1 or test
"""

WORKFLOW = """\
# Build the handbook on every push; the site is the artifact.
name: handbook
on: [push, pull_request]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: pip install "labtools[docs]"
      - run: labtools handbook build --jobs 2
      - uses: actions/upload-artifact@v4
        with:
          name: site
          path: site/
"""

GITIGNORE = "site/\nbuild/\n.cache/\n"


@dataclass(frozen=True)
class Scaffold:
    root: Path
    files: tuple[str, ...]


def _title(root: Path, name: str | None) -> str:
    if name:
        return name
    words = re.sub(r"[-_]+", " ", root.name).strip() or "lab"
    return f"{words} handbook"


def new_handbook(directory: Path | str, *, name: str | None = None) -> Scaffold:
    """Write a handbook (mkdocs.yml, docs/, notebooks/, labtools.toml, CI) into *directory*,
    which must not exist or be empty."""
    root = Path(directory).expanduser().absolute()
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise HandbookError(
            f"{root} already exists and is not an empty folder",
            hint="pick a new folder name; labtools never writes over existing files",
        )
    title = _title(root, name).replace('"', "'")
    files = {
        "mkdocs.yml": MKDOCS_YML.format(title=title),
        "docs/index.md": INDEX_MD.format(title=title),
        "notebooks/01-first-steps.py": TUTORIAL_PY,
        "labtools.toml": LABTOOLS_TOML,
        ".github/workflows/handbook.yml": WORKFLOW,
        ".gitignore": GITIGNORE,
    }
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.new-", dir=root.parent))
    try:
        for rel, text in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        staging.chmod(0o755)
        if root.exists():
            root.rmdir()  # empty, checked above
        os.replace(staging, root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Scaffold(root=root, files=tuple(files))
