"""Tutorial sources: find them, read each format, and map cells back to source lines.

Three formats, mixed freely in one folder: percent ``.py`` scripts, MyST ``.md`` notebooks
(both through jupytext) and ``.ipynb``. ``reads(text, suffix, name)`` is pure and checks
what the build relies on (a known format, a kernelspec); ``read(path)`` does the I/O.
Other files in the folder are the tutorials' data: they are copied into each tutorial's
working directory and are part of its cache key (MyST-NB #299).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labtools.errors import HandbookError

#: suffix -> jupytext format
FORMATS: dict[str, str] = {".py": "py:percent", ".md": "md:myst", ".ipynb": "ipynb"}
#: document formats jupytext reads that labtools does not execute: a clear error, not data
FOREIGN = (".Rmd", ".qmd", ".markdown", ".myst", ".mystnb", ".mnb", ".jl", ".R", ".r")
_SUPPORTED = "labtools reads percent .py, MyST .md and .ipynb tutorials"
_PERCENT = re.compile(r"^# %%(\s|$)")
_PERCENT_CODE = re.compile(r"^# %%(\s|$)(?!.*\[(markdown|md|raw)\])")
_MYST_CODE = re.compile(r"^(`{3,}|~{3,})\{code-cell\}")
_IPY_LINE = re.compile(r"Cell In\[\d+\], line (\d+)")


@dataclass(frozen=True)
class Tutorial:
    """One tutorial source file."""

    path: Path

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def fmt(self) -> str:
        return FORMATS.get(self.path.suffix, "unknown")


def is_tutorial_name(path: Path) -> bool:
    return not path.name.startswith(("_", "."))


def discover(folder: Path) -> list[Tutorial]:
    """The tutorials directly in *folder*, in name order (``_name`` files are left out).

    Files in a document format labtools does not execute (``.Rmd``, ``.qmd``, ...) are
    listed too: reading them fails with a clear line, rather than the page going missing.
    """
    if not folder.is_dir():
        raise HandbookError(
            f"no tutorials folder at {folder}",
            hint="create it, or set `notebooks:` under the labtools plugin in mkdocs.yml",
        )
    found = []
    names: dict[str, Path] = {}
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if not path.is_file() or not is_tutorial_name(path):
            continue
        if path.suffix not in FORMATS and path.suffix not in FOREIGN:
            continue  # data
        if path.stem in names:
            raise HandbookError(
                f"two tutorials are named {path.stem!r}: {names[path.stem].name} and {path.name}",
                hint="rename one of them: each tutorial becomes the page of its name",
            )
        names[path.stem] = path
        found.append(Tutorial(path))
    return found


def data_files(folder: Path) -> list[Path]:
    """Files in *folder* that are not tutorials: copied next to every running tutorial."""
    tutorials = {t.path for t in discover(folder)}
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p not in tutorials
        and not any(
            part.startswith(".") or part == "__pycache__" for part in p.relative_to(folder).parts
        )
    )


def reads(text: str, suffix: str, name: str) -> Any:
    """The tutorial in *text* (a file ending in *suffix*) as an nbformat notebook.

    Raises :class:`HandbookError` (one line, naming *name*) for invalid JSON, a text file
    in no format labtools executes, or a notebook that names no kernel.
    """
    import jupytext
    import nbformat

    fmt = FORMATS.get(suffix)
    if fmt is None:
        raise HandbookError(
            f"{name}: unknown tutorial format {suffix!r}; {_SUPPORTED}",
            hint=f"convert it (jupytext --to py:percent {name}) or rename it with a leading _ "
            "to keep it out of the handbook",
        )
    if fmt == "ipynb":
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise HandbookError(
                f"{name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
                hint="restore it from version control or re-save it from Jupyter",
            ) from None
        try:
            nb = nbformat.reads(text, as_version=4)
            nbformat.validate(nb)
        except Exception as exc:  # nbformat raises ValidationError and KeyErrors alike
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise HandbookError(
                f"{name}: not a valid notebook: {first}",
                hint="re-save it from Jupyter, or check it with `jupyter nbconvert --to notebook`",
            ) from None
    else:
        if fmt == "py:percent" and not any(_PERCENT.match(ln) for ln in text.splitlines()):
            raise HandbookError(
                f"{name}: unknown tutorial format: a plain script with no '# %%' cell markers",
                hint=f"start each cell with '# %%', or convert: jupytext --to py:percent {name}",
            )
        try:
            nb = jupytext.reads(text, fmt)
        except Exception as exc:  # jupytext raises YAML, JSON and its own errors
            detail = " ".join(str(exc).split())[:200]
            raise HandbookError(f"{name}: cannot be read as {fmt}: {detail}") from None
        if fmt == "md:myst" and not any(c.cell_type == "code" for c in nb.cells):
            raise HandbookError(
                f"{name}: unknown tutorial format: Markdown with no MyST code cells",
                hint="write cells as ```{code-cell} blocks with a jupytext header "
                f"(jupytext --to myst {name}), or move the page into docs/",
            )
    kernelspec = nb.metadata.get("kernelspec") or {}
    if not isinstance(kernelspec, dict) or not kernelspec.get("name"):
        raise HandbookError(
            f"{name}: names no kernel (its metadata has no kernelspec)",
            hint=f"add one: jupytext --set-kernel python3 {name} (or the kernel it needs)",
        )
    return nb


def read(tutorial: Tutorial) -> Any:
    """Read and check *tutorial* (see :func:`reads`)."""
    try:
        text = tutorial.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HandbookError(f"cannot read {tutorial.path.name}: {exc}") from None
    return reads(text, tutorial.path.suffix, tutorial.path.name)


def code_cell_lines(text: str, suffix: str) -> list[int]:
    """The 1-based line of each code cell's marker in a text tutorial ([] for .ipynb)."""
    pattern = {".py": _PERCENT_CODE, ".md": _MYST_CODE}.get(suffix)
    if pattern is None:
        return []
    return [i for i, line in enumerate(text.splitlines(), start=1) if pattern.match(line)]


def body_offset(text: str, marker_line: int, suffix: str) -> int:
    """Lines between a cell's marker and its first source line (MyST option lines)."""
    if suffix != ".md":
        return 1
    lines = text.splitlines()[marker_line:]
    offset = 1
    if lines and lines[0].strip() == "---":
        end = next((i for i, ln in enumerate(lines[1:], 1) if ln.strip() == "---"), 0)
        return offset + end + 1
    while offset - 1 < len(lines) and lines[offset - 1].startswith(":"):
        offset += 1
    return offset


def line_in_cell(traceback: list[str]) -> int | None:
    """The line within the failing cell, from IPython's ``Cell In[N], line L`` frame."""
    plain = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(traceback))
    match = _IPY_LINE.search(plain)
    return int(match.group(1)) if match else None
