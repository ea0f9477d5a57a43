"""Find tutorials and read them through jupytext."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from labtools.errors import HandbookError

TUTORIAL_SUFFIXES = (".py", ".md")


def discover(notebooks_dir: Path) -> list[Path]:
    """Tutorials in *notebooks_dir* (percent ``.py`` and MyST ``.md``), in name order."""
    if not notebooks_dir.is_dir():
        raise HandbookError(
            f"no tutorials folder at {notebooks_dir}", hint="create notebooks/ or pass --notebooks"
        )
    found = [
        p
        for p in notebooks_dir.iterdir()
        if p.suffix in TUTORIAL_SUFFIXES and p.is_file() and not p.name.startswith(("_", "."))
    ]
    return sorted(found, key=lambda p: p.name)


def read_tutorial(path: Path) -> Any:
    """The tutorial as an nbformat notebook (jupytext decides the format from the file)."""
    import jupytext

    try:
        return jupytext.read(path)
    except Exception as exc:  # jupytext raises many kinds; report one line
        raise HandbookError(f"cannot read tutorial {path.name}: {exc}") from exc
