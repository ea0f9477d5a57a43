"""Files that hold a secret (a token, a password hash, a private key): no one else can use them.

:func:`write_secret` creates the file at mode 0600 inside a folder that only its owner can
enter (0700), through a fresh temp name opened with ``O_CREAT | O_EXCL | O_NOFOLLOW``,
then renames it into place. A symlink, a non-regular file or a file owned by another
user at the target path is refused, never followed or reused; so is a folder that someone
else owns or can write to. :func:`private_dir` is the folder half of the same rule.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from labtools.errors import UnsafeFileError

FILE_MODE = 0o600
DIR_MODE = 0o700


def _owner_text(uid: int) -> str:
    import pwd

    try:
        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"


def private_dir(path: Path, *, tighten: bool = True) -> Path:
    """*path* as a folder only this user can enter: created 0700, or checked and tightened.

    Refuses a folder owned by another user or writable by group or others (anyone who can
    write there can swap the secret file for a link). A folder of ours that others can
    read is tightened to 0700 (unless *tighten* is false). Symlinked parents are followed
    (home folders often are); the folder itself is checked where it really is.
    """
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        path.mkdir(parents=True, mode=DIR_MODE)
    real = Path(os.path.realpath(path))
    try:
        info = os.stat(real)
    except OSError as exc:
        raise UnsafeFileError(f"cannot use {path} for a secret file: {exc.strerror}",
                              hint="pass a folder you own") from None
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeFileError(f"{path} is not a folder", hint="pass a folder you own")
    if info.st_uid != os.geteuid():
        raise UnsafeFileError(
            f"{path} is owned by {_owner_text(info.st_uid)}, not by you: a secret file there "
            "could be read or replaced by its owner",
            hint="remove that folder or use another location")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UnsafeFileError(
            f"{path} is writable by others (mode {stat.S_IMODE(info.st_mode):o}): anyone "
            "could swap a secret file there for a link",
            hint=f"chmod 700 {path}")
    if tighten and stat.S_IMODE(info.st_mode) != DIR_MODE:
        os.chmod(real, DIR_MODE)
    return path


def check_target(path: Path) -> bool:
    """Whether *path* exists; raise when it is a symlink, not a regular file, or not ours."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(info.st_mode):
        raise UnsafeFileError(
            f"{path} is a symbolic link; refusing to write a secret through it",
            hint="remove the link (it may point where others can read), then run again")
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeFileError(f"{path} is not a regular file; refusing to write a secret there",
                              hint="remove it, then run again")
    if info.st_uid != os.geteuid():
        raise UnsafeFileError(
            f"{path} is owned by {_owner_text(info.st_uid)}; refusing to write a secret into "
            "a file someone else controls", hint="remove it, then run again")
    return True


def write_secret(path: Path, data: str | bytes, *, replace: bool = True) -> Path:
    """Write *data* to *path* at mode 0600 in a 0700 folder, atomically; never via a link.

    With ``replace=False`` an existing file is refused too (the name must be new).
    """
    path = Path(path)
    private_dir(path.parent)
    if check_target(path) and not replace:
        raise UnsafeFileError(f"{path} already exists; refusing to reuse it for a secret",
                              hint="remove it, then run again")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(tmp, flags, FILE_MODE)
    except OSError as exc:
        raise UnsafeFileError(f"cannot create a file in {path.parent}: {exc.strerror}",
                              hint="check the folder's permissions") from None
    try:
        try:
            os.fchmod(fd, FILE_MODE)
            view = memoryview(raw)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        if replace:
            os.rename(tmp, path)  # rename replaces a link planted meanwhile; never follows it
        else:
            os.link(tmp, path)  # fails if anything (a link included) appeared at the name
    except FileExistsError:
        raise UnsafeFileError(f"{path} appeared while writing it; refusing to reuse it",
                              hint="check who else writes there, then run again") from None
    except OSError as exc:
        raise UnsafeFileError(f"cannot write {path}: {exc.strerror}",
                              hint="check the path and the folder's permissions") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return path


def read_private(path: Path) -> str:
    """Read a secret file without following a link at its name (``O_NOFOLLOW``)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        if os.path.islink(path):
            raise UnsafeFileError(f"{path} is a symbolic link; refusing to read a secret "
                                  "through it", hint="remove the link") from None
        raise UnsafeFileError(f"cannot read {path}: {exc.strerror}",
                              hint="check the path") from None
    with os.fdopen(fd, encoding="utf-8") as fh:
        return fh.read()
