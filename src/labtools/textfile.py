"""Reading a text file someone gave us: refused whole, in one line, when it is not one.

Every reader of user files (spec and lock files, requirements, Jupyter configs, notebooks)
goes through :func:`read_text`, so a folder, a device, a file larger than any such file
is (checked by its size before a byte is read), a binary file and text that is not UTF-8
are each one clear error naming the file, never a traceback or a partial read.
"""

from __future__ import annotations

import stat
from pathlib import Path

from labtools.errors import LabtoolsError

MiB = 1024 * 1024
#: far above any real spec, lock or config file (large pixi.locks are a few MB)
MAX_TEXT_BYTES = 64 * MiB
#: notebooks may carry images in their outputs
MAX_NOTEBOOK_BYTES = 256 * MiB


def read_text(path: Path, *, what: str, error: type[LabtoolsError] = LabtoolsError,
              limit: int = MAX_TEXT_BYTES, hint: str = "check the path",
              encoding: str = "utf-8") -> str:
    """The text of *path* (a *what*, e.g. "a lock or spec file"), or *error* saying why not."""
    try:
        info = path.stat()
    except OSError as exc:
        raise error(f"cannot read {path}: {exc.strerror}", hint=hint) from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{path} is a folder, not {what}", hint=hint)
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{path} is not a regular file, so not {what}", hint=hint)
    if info.st_size > limit:
        raise error(f"{path} is {info.st_size / MiB:,.0f} MB, larger than {what} can be "
                    f"(labtools reads up to {limit // MiB} MB)", hint="give the right file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"cannot read {path}: {exc.strerror}", hint=hint) from None
    if b"\0" in raw[:8192]:
        raise error(f"{path} is a binary file, not {what}", hint=hint)
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(f"{path}:{line}: not UTF-8 text", hint="save the file as UTF-8") from None


__all__ = ["MAX_NOTEBOOK_BYTES", "MAX_TEXT_BYTES", "read_text"]
