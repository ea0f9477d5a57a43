"""Exact installs: packages given by URL and hash (a lock file's), fetched and verified first.

:func:`fetch_verified` downloads every package of a lock (``file://``, ``http(s)://``)
into a folder and checks each archive against the lock's hash (sha256, else md5) before
anything is linked: a mismatch or a failed download stops with the package named, while
no environment exists yet. The verified packages then go through the one transaction path
(:func:`labtools.envs.transaction.plan` with ``exact=``): the built-in engine links those
records (read from the verified archives' ``info/index.json``), the real tools get an
``@EXPLICIT`` file (:func:`explicit_text`) with the same URLs and hashes.

The lock readers live in :mod:`labtools.spec.locks`; this module takes plain data
(:class:`ExactPackage`), so the environment core does not depend on them.
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, cast

from labtools.envs.backends.base import SolvedPackage
from labtools.errors import ChannelError, EnvError

#: how long one package download may stall (seconds)
FETCH_TIMEOUT = 60.0
_CHUNK = 1 << 20
_SECRET = re.compile(r"(/t/)[^/]+(/)|(://)[^/@]+@")


def shown(url: str) -> str:
    """*url* as it may be printed: a channel token (``/t/TOKEN/``) or user:password hidden."""
    return _SECRET.sub(lambda m: f"{m[1]}***{m[2]}" if m[1] else f"{m[3]}***@", url)


@dataclass(frozen=True)
class ExactPackage:
    """One package pinned by URL and hash; ``archive`` is its verified local copy."""

    name: str
    version: str
    build: str
    url: str
    channel: str
    subdir: str
    sha256: str | None = None
    md5: str | None = None
    archive: Path | None = None

    @property
    def file_name(self) -> str:
        return urllib.parse.unquote(self.url.rsplit("/", 1)[-1])

    @property
    def label(self) -> str:
        return f"{self.name} {self.version} {self.build}"

    def solved(self) -> SolvedPackage:
        return SolvedPackage(self.name, self.version, self.build, self.channel.rstrip("/"),
                             self.subdir, self.url)


def explicit_text(packages: Sequence[ExactPackage], *, platform: str | None = None) -> str:
    """The ``@EXPLICIT`` file conda, mamba and micromamba install exactly (md5, else sha256)."""
    lines = ["# made by labtools env create --from-lock: verified URLs and hashes"]
    if platform:
        lines.append(f"# platform: {platform}")
    lines.append("@EXPLICIT")
    for pkg in packages:
        digest = f"#{pkg.md5}" if pkg.md5 else f"#sha256:{pkg.sha256}" if pkg.sha256 else ""
        lines.append(pkg.url + digest)
    return "\n".join(lines) + "\n"


def _open(url: str, timeout: float) -> IO[bytes]:
    # start-up: urllib.request (http.client, email, ssl) loads only to fetch a lock's
    # packages; every create imports this module through the transaction (measured)
    import urllib.request

    scheme = urllib.parse.urlsplit(url).scheme
    if scheme == "file":
        path = Path(urllib.request.url2pathname(urllib.parse.urlsplit(url).path))
        return path.open("rb")
    if scheme in ("http", "https"):
        return cast(IO[bytes], urllib.request.urlopen(url, timeout=timeout))
    raise ChannelError(f"cannot fetch {shown(url)}: only file://, http:// and https:// URLs are "
                       "supported", hint="lock from a channel served over http(s) or a folder")


def fetch_one(pkg: ExactPackage, folder: Path, *, timeout: float = FETCH_TIMEOUT
              ) -> ExactPackage:
    """Download *pkg* into *folder* and verify it; the package with its archive and both
    hashes (as computed), or an error naming the package."""
    if not pkg.sha256 and not pkg.md5:
        raise EnvError(f"{pkg.label}: the lock gives no sha256 or md5 for {shown(pkg.url)}, so it "
                       "cannot be verified",
                       hint="regenerate the lock with hashes (conda list --explicit --md5, "
                            "conda-lock, pixi)")
    import urllib.error  # start-up: see _open

    target = folder / pkg.file_name
    sha256, md5 = hashlib.sha256(), hashlib.md5()  # md5: what many locks record
    try:
        source = _open(pkg.url, timeout)
        with source as reader, target.open("wb") as out:
            while chunk := reader.read(_CHUNK):
                sha256.update(chunk)
                md5.update(chunk)
                out.write(chunk)
    except (OSError, urllib.error.URLError, ValueError) as exc:
        if isinstance(exc, ChannelError):
            raise
        reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or exc
        raise ChannelError(f"cannot fetch {pkg.label} from {shown(pkg.url)}: {reason}",
                           hint="check that the lock's channel is reachable (or offline: "
                                "lock from a local channel)") from None
    got_sha, got_md5 = sha256.hexdigest(), md5.hexdigest()
    kind, want, got = ("sha256", pkg.sha256, got_sha) if pkg.sha256 else \
        ("md5", pkg.md5, got_md5)
    if (want or "").lower() != got:
        target.unlink(missing_ok=True)
        raise EnvError(f"hash mismatch for {pkg.label}: {shown(pkg.url)} has {kind} {got}, "
                       f"the lock says {want}; nothing was installed",
                       hint="the package or the lock changed since it was made: regenerate "
                            "the lock, or check where the URL points")
    return replace(pkg, sha256=got_sha, md5=got_md5, archive=target)


def fetch_verified(packages: Sequence[ExactPackage], folder: Path, *,
                   timeout: float = FETCH_TIMEOUT) -> tuple[ExactPackage, ...]:
    """:func:`fetch_one` for every package, in order (the first failure stops)."""
    folder.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    for pkg in packages:
        if pkg.file_name in seen:
            raise EnvError(f"the lock lists {pkg.file_name} twice",
                           hint="regenerate the lock")
        seen.add(pkg.file_name)
    return tuple(fetch_one(p, folder, timeout=timeout) for p in packages)


__all__ = ["FETCH_TIMEOUT", "ExactPackage", "explicit_text", "fetch_one", "fetch_verified",
           "shown"]
