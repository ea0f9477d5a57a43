"""PyPI for a mirror: pip resolves, the simple index lists versions, downloads are verified.

:func:`resolve` asks pip (the well-kept resolver, with the user's pip configuration:
index, certificates, proxies) for the binary wheels that satisfy a set of requirements
on *this* interpreter and platform, without installing anything (``pip install
--dry-run --report``). :func:`project_files` reads one project's page of the PEP 691
JSON simple index (for older versions, and to say why a requirement has no wheel).
:func:`download` fetches a file once into a cache, checking its sha256.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from labtools import process
from labtools.errors import ChannelError

if TYPE_CHECKING:
    from packaging.version import Version

DEFAULT_INDEX = "https://pypi.org/simple"
#: where :func:`project_files` reads the simple index (PEP 691 JSON)
INDEX_ENV = "LABTOOLS_PYPI_INDEX"
_JSON_ACCEPT = "application/vnd.pypi.simple.v1+json"
_NOT_FOUND = re.compile(r"No matching distribution found for (\S+)")
_FROM = re.compile(r"satisfies the requirement (\S+) \(from (?!versions:)([^)\s]+)\)")


@dataclass(frozen=True)
class Resolved:
    """One wheel pip chose: what it is, where it comes from, what it requires."""

    name: str
    version: str
    url: str
    sha256: str | None
    requires_dist: tuple[str, ...]
    requested: bool

    @property
    def filename(self) -> str:
        return self.url.rsplit("/", 1)[-1].split("#", 1)[0]


@dataclass(frozen=True)
class IndexFile:
    """One file of a project on the simple index."""

    filename: str
    url: str
    sha256: str | None
    requires_python: str | None
    yanked: bool


class Unavailable(ChannelError):
    """A requirement pip found no wheel for (the requirement text is ``.requirement``)."""

    def __init__(self, requirement: str, parent: str | None = None) -> None:
        self.requirement = requirement
        self.parent = parent  # the package that requires it, when pip says
        super().__init__(f"no wheel satisfies {requirement}")


def resolve(requirements: Sequence[str], *, timeout: float = 1800) -> list[Resolved]:
    """The binary wheels pip would install for *requirements* here (nothing is installed).

    Raises :class:`Unavailable` naming the first requirement with no matching wheel, and
    :class:`ChannelError` when the requirements conflict.
    """
    with tempfile.TemporaryDirectory(prefix="labtools-pip-report-") as tmp:
        report = Path(tmp) / "report.json"
        env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
        done = process.run(
            [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
             "--only-binary", ":all:", "--quiet", "--report", report, *requirements],
            env=env, timeout=timeout, check=False,
        )
        if done.returncode != 0 or not report.is_file():
            raise _pip_failure(done.stderr + done.stdout)
        data = json.loads(report.read_text(encoding="utf-8"))
    return [_resolved(item) for item in data.get("install", [])]


def _resolved(item: dict[str, object]) -> Resolved:
    meta = item["metadata"]
    info = item["download_info"]
    assert isinstance(meta, dict) and isinstance(info, dict)
    hashes = (info.get("archive_info") or {}).get("hashes") or {}
    return Resolved(
        name=str(meta["name"]),
        version=str(meta["version"]),
        url=str(info["url"]),
        sha256=hashes.get("sha256"),
        requires_dist=tuple(str(r) for r in meta.get("requires_dist") or ()),
        requested=bool(item.get("requested")),
    )


def _pip_failure(output: str) -> ChannelError:
    found = _NOT_FOUND.search(output)
    if found:
        parent = _FROM.search(output)
        return Unavailable(found.group(1), parent.group(2) if parent else None)
    lines = [ln.strip() for ln in output.splitlines()
             if ln.strip() and "is ignored: it is neither a file" not in ln]
    useful = [ln for ln in lines if ln.startswith(("ERROR", "The conflict", "    "))] or lines
    return ChannelError(
        f"pip could not resolve the wheels: {' | '.join(useful[-4:])}"[:600],
        hint="relax the conflicting pins in the environment file",
    )


def index_url() -> str:
    return os.environ.get(INDEX_ENV, DEFAULT_INDEX).rstrip("/")


def _open(url: str, *, accept: str | None = None, timeout: float = 60) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    last: Exception | None = None
    for attempt in range(3):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return bytes(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise FileNotFoundError(url) from None
            last = exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            last = exc
        time.sleep(0.5 * (attempt + 1))
    raise ChannelError(f"cannot fetch {url}: {last}", hint="check the network or the index URL")


def project_files(name: str) -> list[IndexFile] | None:
    """The files of project *name* on the simple index; None when the index has no such project."""
    from packaging.utils import canonicalize_name

    url = f"{index_url()}/{canonicalize_name(name)}/"
    try:
        data = json.loads(_open(url, accept=_JSON_ACCEPT))
    except FileNotFoundError:
        return None
    files = []
    for entry in data.get("files", []):
        files.append(IndexFile(
            filename=str(entry["filename"]),
            url=str(entry["url"]),
            sha256=(entry.get("hashes") or {}).get("sha256"),
            requires_python=entry.get("requires-python"),
            yanked=bool(entry.get("yanked")),
        ))
    return files


def compatible_wheels(files: Sequence[IndexFile]) -> dict[str, IndexFile]:
    """Version -> the best wheel of that version installable on this interpreter.

    Yanked files, pre-releases and wheels whose Requires-Python excludes this Python are
    left out; among a version's wheels the one with the most specific tag wins.
    """
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.tags import sys_tags
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    rank = {tag: index for index, tag in enumerate(sys_tags())}
    here = ".".join(map(str, sys.version_info[:3]))
    best: dict[str, tuple[int, IndexFile]] = {}
    for item in files:
        if item.yanked or not item.filename.endswith(".whl"):
            continue
        try:
            _, version, _, tags = parse_wheel_filename(item.filename)
            if item.requires_python and not SpecifierSet(item.requires_python).contains(here):
                continue
        except (InvalidWheelFilename, InvalidSpecifier):
            continue
        if version.is_prerelease or version.is_devrelease:
            continue
        score = min((rank[t] for t in tags if t in rank), default=None)
        if score is None:
            continue
        key = str(version)
        if key not in best or score < best[key][0]:
            best[key] = (score, item)
    return {version: item for version, (_, item) in best.items()}


def explain_unavailable(requirement: str) -> str:
    """Why pip found no wheel for *requirement*: no such project, no wheel here, no version."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.tags import sys_tags

    try:
        req = Requirement(requirement)
    except InvalidRequirement:
        return f"{requirement!r} is not a valid requirement"
    files = project_files(req.name)
    if files is None:
        return f"{req.name} is not on PyPI"
    wheels = compatible_wheels(files)
    tag = next(iter(sys_tags()))
    if not wheels:
        kinds = "only source distributions" if not any(
            f.filename.endswith(".whl") for f in files) else "no wheel for this platform"
        return f"{req.name} has {kinds} on PyPI (need {tag.interpreter}-{tag.platform})"
    newest = max(wheels, key=_version_key)
    return (f"no wheel of {req.name} matches {req.specifier or 'any version'} here "
            f"(newest with a wheel for {tag.interpreter}-{tag.platform}: {newest})")


def _version_key(text: str) -> Version:
    from packaging.version import Version

    return Version(text)


def download(url: str, sha256: str | None, cache: Path) -> Path:
    """The file at *url*, fetched once into *cache* and checked against *sha256*."""
    name = url.rsplit("/", 1)[-1].split("#", 1)[0]
    target = cache / name
    if target.is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    data = _open(url, timeout=300)
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise ChannelError(f"{name}: sha256 mismatch after download from {url}",
                           hint="retry; if it persists the index serves a different file")
    fd, partial = tempfile.mkstemp(dir=cache, prefix=f".{name}.", suffix=".part")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(partial, target)
    return target


def copy_into(files: Sequence[Path], folder: Path) -> None:
    """Hard-link (or copy) *files* into *folder*."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in files:
        dest = folder / path.name
        if dest.exists():
            continue
        try:
            os.link(path, dest)
        except OSError:
            shutil.copy2(path, dest)
