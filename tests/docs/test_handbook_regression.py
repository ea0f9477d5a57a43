"""Output regression: executed tutorials vs committed references, via pytest-notebook.

The outputs come from the session's handbook build (the same execution the site shows).
Refresh after an intended change: LABTOOLS_UPDATE_REFERENCES=1 pytest this file.
"""

from __future__ import annotations

import copy
import os
import platform
import re
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from pytest_notebook.diffing import diff_notebooks, diff_to_string, filter_diff
from pytest_notebook.notebook import regex_replace_nb

from labtools.handbook.sources import discover
from labtools.handbook.stamp import STAMP_CELL_TAG

pytestmark = pytest.mark.docs
ROOT = Path(__file__).resolve().parents[2]
REFERENCES = ROOT / "tests" / "docs" / "references"
VOLATILE_TAG = "volatile-output"  # a cell whose outputs are measurements, not facts
OUT = "/cells/*/outputs"
# read at import: the isolation fixture clears LABTOOLS_* variables before each test
UPDATE = os.environ.get("LABTOOLS_UPDATE_REFERENCES") == "1"

NORMALIZERS: tuple[tuple[str, str, str], ...] = (
    (OUT, re.escape(str(ROOT)), "<PROJECT>"),
    (OUT, re.escape(sys.prefix), "<PREFIX>"),
    (OUT, re.escape(platform.python_version()) + r"\b", "<PYTHON-VERSION>"),
    (OUT, r"/(?:tmp|var/tmp)/[\w./\-]+", "<TMP>"),
    (OUT, r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:\+00:00|Z| UTC)?", "<TIME>"),
    (OUT, r"\b\d+(?:\.\d+)?\s?(?:ms|s|µs)\b", "<DURATION>"),
    (OUT, r"\b\d+(?:\.\d+)?\s?(?:B|kB|KB|KiB|MB|MiB|GB|GiB)\b", "<SIZE>"),
    (OUT, r"\b\d{8}T\d{6}\b", "<TIMESTAMP>"),
    (OUT, r"0x[0-9a-f]{6,}", "<ADDR>"),
    (OUT, r"SHA256:[A-Za-z0-9+/]{43}", "SHA256:<FINGERPRINT>"),
    (OUT, r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{8,64}\b", "<HASH>"),
    # random 8-hex ids (tunnels) may be all digits: 8 is no port, pid or version
    (OUT, r"\b[0-9a-f]{8}\b", "<HASH>"),
    (OUT, r'"(\w*seconds|\w*_s|elapsed)": \d+(?:\.\d+)?', r'"\1": <SECONDS>'),
    (OUT, r"(?<![\d.])\d+\.\d{3,}(?![\d.])", "<FLOAT>"),
    (OUT, r"(127\.0\.0\.1|localhost):\d{2,5}", r"\1:<PORT>"),
    (OUT, r"\bport:? \d{2,5}\b", "port <PORT>"),
    (OUT, r"\bpid \d+", "pid <PID>"),
    # files named after the server's random port (remote.py: jupyter-PORT.token)
    (OUT, r"\b(jupyter|server)-\d{2,5}\.(token|json|log)\b", r"\1-<PORT>.\2"),
    # Slurm job ids (tutorial 08): a fresh test cluster numbers from 1, but a rerun or a
    # cluster kept between builds would not
    (OUT, r"(\b[Jj]ob|--cancel|--attach) \d+\b", r"\1 <JOBID>"),
    (OUT, r"(?m)^[ \t]*\d+(?=[ \t]+(?:PENDING|RUNNING|COMPLETING|CONFIGURING|debug)\b)",
     "<JOBID>"),
    (OUT, r"\bslurm-\d+\.(token|out|log)\b", r"slurm-<JOBID>.\1"),
)
IGNORED = (
    "/metadata",
    "/cells/*/metadata",
    "/cells/*/id",
    "/cells/*/execution_count",
    "/cells/*/outputs/*/execution_count",
    "/cells/*/outputs/*/metadata",
    "/cells/*/outputs/*/data/image/png",
    "/cells/*/outputs/*/data/image/svg+xml",
)


def normalized(nb: Any, kernel_env: Path | None = None) -> Any:
    """Drop the stamp cell and volatile outputs; a stable form to commit and compare.

    *kernel_env*, the env the tutorials ran in (the .venv, or labtools-dev under
    LABTOOLS_HANDBOOK_ENV), reads ``<KERNEL-ENV>``: either gives the same reference.
    """
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if STAMP_CELL_TAG not in c.metadata.get("tags", [])]
    for cell in nb.cells:
        if VOLATILE_TAG in cell.metadata.get("tags", []):
            cell.outputs = []
    nb.metadata = {}
    rules = NORMALIZERS if kernel_env is None else (
        (OUT, re.escape(str(kernel_env)) + r"\b", "<KERNEL-ENV>"), *NORMALIZERS)
    return regex_replace_nb(nb, rules)


@pytest.mark.parametrize("name", [t.name for t in discover(ROOT / "notebooks")])
def test_tutorial_outputs_match_reference(name: str, handbook: Any) -> None:
    executed = nbformat.read(handbook.config.executed / f"{name}.ipynb", as_version=4)
    actual = normalized(executed, handbook.env_prefix)
    reference_path = REFERENCES / f"{name}.ipynb"
    if UPDATE:
        REFERENCES.mkdir(parents=True, exist_ok=True)
        nbformat.write(actual, reference_path)
    assert reference_path.exists(), (
        f"no reference for {name}; run LABTOOLS_UPDATE_REFERENCES=1 pytest {__file__}"
    )
    reference = nbformat.read(reference_path, as_version=4)
    diff = filter_diff(diff_notebooks(reference, actual), set(IGNORED))
    assert not diff, diff_to_string(reference, diff, use_git=False, use_color=False)
