"""One writer per environment: an advisory lock beside the prefix.

``.NAME.labtools-lock`` next to the prefix is ``flock``-ed for the whole of a create,
install, remove, update or rollback, so a second labtools process working on the same
name waits (saying whom it waits for) or, with ``wait=False``, fails at once. The kernel
drops the lock when its holder dies, even by SIGKILL, so a lock is never stale; the file
is removed on release (an acquirer checks that the file it locked is still the one on
disk, so removing it is safe).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from labtools.errors import EnvError


def lock_path(prefix: Path) -> Path:
    return prefix.parent / f".{prefix.name}.labtools-lock"


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 64, 0).decode(errors="replace").strip()
    except OSError:
        return "?"
    return text or "?"


@contextmanager
def env_lock(prefix: Path, *, wait: bool = True,
             on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the lock of *prefix* (its parent folder must exist and be writable)."""
    path = lock_path(prefix)
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise EnvError(f"cannot lock {prefix}: {exc.strerror} ({path})",
                           hint=f"check that you can write to {prefix.parent}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            if not wait:
                os.close(fd)
                raise EnvError(
                    f"{prefix.name} is being changed by another labtools process (pid "
                    f"{holder})", hint="wait for it to finish, or leave out --no-wait to "
                                       "wait for it") from None
            if on_wait is not None:
                on_wait(holder)
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the holder removed the file as we waited: lock the new one
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        with suppress(FileNotFoundError):
            path.unlink()
        os.close(fd)


__all__ = ["env_lock", "lock_path"]
