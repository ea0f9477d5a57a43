"""Reading tutorials, mapping cells to source lines, kernels and config: pure parts."""

from __future__ import annotations

from pathlib import Path

import pytest

from labtools.errors import ConfigError, HandbookError
from labtools.handbook import config as hbconfig
from labtools.handbook.execute import TutorialFailure
from labtools.handbook.kernels import choose_kernel, parse_mapping
from labtools.handbook.sources import body_offset, code_cell_lines, line_in_cell, reads
from labtools.handbook.stamp import Stamp, render_stamp_html

HEADER = "# ---\n# jupyter:\n#   kernelspec:\n#     name: python3\n#     display_name: P\n# ---\n"
PERCENT = HEADER + (
    '\n# %% [markdown]\n# # T\n\n# %%\nx = 1\n\n# %% tags=["verify"]\n# %%bash\necho\n'
)
MYST = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  name: bash
  display_name: Bash
  language: bash
---
# T

```{code-cell}
---
tags: [verify]
---
ls
```

```{code-cell} bash
:tags: [x]
echo 2
```
"""


def test_percent_cells_map_to_their_lines_and_a_bash_magic_is_no_marker() -> None:
    nb = reads(PERCENT, ".py", "t.py")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.source for c in code] == ["x = 1", "%%bash\necho"]
    lines = code_cell_lines(PERCENT, ".py")
    assert len(lines) == 2 and PERCENT.splitlines()[lines[0]] == "x = 1"
    assert body_offset(PERCENT, lines[0], ".py") == 1


def test_myst_cells_skip_their_option_lines() -> None:
    nb = reads(MYST, ".md", "t.md")
    assert [c.source for c in nb.cells if c.cell_type == "code"] == ["ls", "echo 2"]
    assert nb.metadata["kernelspec"]["name"] == "bash"
    first, second = code_cell_lines(MYST, ".md")
    rows = MYST.splitlines()
    assert rows[first + body_offset(MYST, first, ".md") - 1] == "ls"
    assert rows[second + body_offset(MYST, second, ".md") - 1] == "echo 2"


@pytest.mark.parametrize(
    ("text", "suffix", "needle"),
    [
        ('{"cells": [', ".ipynb", "not valid JSON (line 1, column 12"),
        ('{"cells": [{"cell_type": "code"}], "metadata": {}, "nbformat": 4, '
         '"nbformat_minor": 5}', ".ipynb", "not a valid notebook"),
        ("import os\nprint(os)\n", ".py", "no '# %%' cell markers"),
        ("# Title\n\nJust prose.\n", ".md", "no MyST code cells"),
        ("# %%\nprint(1)\n", ".py", "names no kernel"),
        ("x", ".Rmd", "unknown tutorial format '.Rmd'"),
    ],
)
def test_bad_tutorials_fail_with_one_line_naming_the_file(
    text: str, suffix: str, needle: str
) -> None:
    with pytest.raises(HandbookError) as info:
        reads(text, suffix, f"notebooks/bad{suffix}")
    line = info.value.one_line()
    assert needle in line and line.startswith(f"notebooks/bad{suffix}: ") and "\n" not in line


def test_the_failing_line_comes_from_ipythons_traceback() -> None:
    tb = ["\x1b[0;31m---\x1b[0m", "Cell \x1b[0;32mIn[4], line 2\x1b[0m", "AssertionError"]
    assert line_in_cell(tb) == 2
    assert line_in_cell(["bash: boom"]) is None
    failure = TutorialFailure("notebooks/a.py", "AssertionError: no", line=12,
                              cell="code cell 3", source_line="  assert x")
    assert str(failure) == "notebooks/a.py:12: code cell 3: AssertionError: no [assert x]"


def test_kernels_map_and_missing_ones_say_how_to_install() -> None:
    assert parse_mapping(["python3=lab-env"]) == {"python3": "lab-env"}
    with pytest.raises(HandbookError, match="bad --kernel value"):
        parse_mapping(["python3"])
    assert choose_kernel("python3").resource_dir is None  # the handbook's own interpreter
    with pytest.raises(HandbookError) as info:
        choose_kernel("ir", {"ir": "no-such-r-kernel"})
    assert "'no-such-r-kernel' (mapped from 'ir') is not installed" in info.value.one_line()
    assert "jupyter kernelspec list" in info.value.one_line()


def test_config_options_are_checked(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: x\nplugins:\n  - search\n  - labtools:\n      jobs: 2\n"
        "      kernels: {python3: lab-env}\n      cell_timeout: 30\n"
    )
    cfg = hbconfig.load(tmp_path)
    assert cfg.jobs == 2 and cfg.kernels == {"python3": "lab-env"} and cfg.cell_timeout == 30.0
    assert cfg.notebooks == tmp_path.resolve() / "notebooks"
    assert cfg.with_overrides(jobs=None, kernels={"bash": "b"}).kernels == {
        "python3": "lab-env", "bash": "b"}
    (tmp_path / "mkdocs.yml").write_text("site_name: x\nplugins:\n  - labtools:\n      job: 2\n")
    with pytest.raises(ConfigError, match="unknown labtools option 'job'"):
        hbconfig.load(tmp_path)
    (tmp_path / "mkdocs.yml").write_text("site_name: x\nplugins: [search]\n")
    with pytest.raises(ConfigError, match="does not use the labtools plugin"):
        hbconfig.load(tmp_path)


def test_a_failed_stamp_renders_the_red_banner_with_the_failure() -> None:
    stamp = Stamp(tutorial="t", executed_at="2026-01-01T00:00:00+00:00", duration_s=1.0,
                  labtools_version="1", git_commit="c", env_hash="e", python="3.11",
                  result="failed", cache_key="k", kernel="bash", failure="t.md:3: boom <x>")
    html = render_stamp_html(stamp)
    assert 'data-result="failed"' in html and "failed to build" in html
    assert "t.md:3: boom &lt;x&gt;" in html
    assert Stamp.from_dict({**stamp.to_dict(), "future_field": 1}) == stamp
