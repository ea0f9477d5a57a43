"""What a mirror of an environment file must hold: pure functions over the request.

An ``environment.yml`` asks for conda packages (``jupyter_client>=8.6``) and, in its
``pip:`` list, for pip requirements and local projects (``-e .``). A mirror serves the
conda part as conda packages converted from PyPI wheels, and the pip part as a folder
of wheels pip installs from offline (``--no-index --find-links``). This module turns
the request into PyPI requirements and turns wheel metadata back into conda depends.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from labtools.channel.names import NOT_ON_PYPI, normalize, pypi_name
from labtools.errors import SpecError
from labtools.spec.matchspec import parse_spec

#: conda packages the mirror makes itself rather than from a requirement
BUILT_IN = frozenset({"python"})
_OPS = ("==", "!=", ">=", "<=", "~=", ">", "<", "=")


@dataclass(frozen=True)
class Wanted:
    """One conda spec of the request, as a PyPI requirement (or why it has none)."""

    spec: str  # as written in the file
    conda: str  # its conda name, lower case
    requirement: str | None  # the PyPI requirement, None when not mirrorable
    reason: str | None = None  # why not


@dataclass(frozen=True)
class PipSection:
    """The ``pip:`` list: requirements for the wheel folder, and local projects."""

    requirements: tuple[str, ...] = ()
    projects: tuple[Path, ...] = ()
    #: what the local projects need to build (``[build-system] requires``)
    build_requirements: tuple[str, ...] = ()
    #: what they need to run (``[project] dependencies``); the conda part usually has them
    project_dependencies: tuple[str, ...] = ()
    fingerprint: tuple[str, ...] = field(default=())


def conda_to_pep440(version: str) -> str:
    """A conda version constraint -> a PEP 440 specifier (``=1.26`` -> ``==1.26.*``)."""
    version = version.replace(" ", "")
    if "|" in version:
        raise SpecError(f"cannot mirror the constraint {version!r}: pip has no 'or'",
                        hint="write one range, e.g. >=1.2,<2")
    out = []
    for clause in filter(None, version.split(",")):
        op = next((o for o in _OPS if clause.startswith(o)), "")
        value = clause[len(op):]
        if op in ("", "=") or (op == "==" and value.endswith("*")):
            value = value.rstrip("*").rstrip(".")
            if value:  # conda's fuzzy 1.26 (and 1.26.*) is PEP 440's ==1.26.*
                out.append(f"=={value}.*")
        elif op == "!=" and value.endswith("*"):
            out.append(f"!={value.rstrip('*').rstrip('.')}.*")
        else:
            out.append(f"{op}{value.rstrip('*').rstrip('.')}")
    return ",".join(out)


def wanted(spec: str) -> Wanted:
    """One conda spec of an environment file -> the PyPI requirement that mirrors it."""
    parts = parse_spec(spec)
    conda = parts.name.lower()
    if conda in NOT_ON_PYPI and conda not in BUILT_IN:
        return Wanted(spec, conda, None, f"{conda} is a conda-only package (not the PyPI "
                                         "project of that name)")
    version = conda_to_pep440(parts.version) if parts.version else ""
    return Wanted(spec, conda, f"{pypi_name(conda)}{version}")


_LOCAL = re.compile(r"^(?:-e|--editable)\s+(.+)$")


def split_pip(entries: Sequence[str], base: Path) -> PipSection:
    """Split the ``pip:`` list into requirements and local projects (relative to *base*)."""
    requirements: list[str] = []
    projects: list[Path] = []
    for entry in entries:
        text = entry.split(" #", 1)[0].strip()
        if not text:
            continue
        editable = _LOCAL.match(text)
        target = editable.group(1).strip() if editable else text
        if editable or target.startswith((".", "/", "~")) or target.startswith("file:"):
            path = Path(target.removeprefix("file://")).expanduser()
            path = (base / path).resolve() if not path.is_absolute() else path
            if not (path / "pyproject.toml").is_file() and not (path / "setup.py").is_file():
                raise SpecError(f"pip entry {entry!r}: no Python project at {path}",
                                hint="point -e at a folder with a pyproject.toml")
            projects.append(path)
        elif text.startswith("-"):
            raise SpecError(f"pip entry {entry!r}: options are not mirrored",
                            hint="list requirements (name==version) or local projects (-e .)")
        else:
            requirements.append(text)
    builds: list[str] = []
    runs: list[str] = []
    prints: list[str] = []
    for project in projects:
        build, run, raw = project_requirements(project)
        builds += build
        runs += run
        prints.append(raw)
    return PipSection(tuple(requirements), tuple(projects), tuple(dict.fromkeys(builds)),
                      tuple(dict.fromkeys(runs)), tuple(prints))


def project_requirements(project: Path) -> tuple[list[str], list[str], str]:
    """A local project's build requirements, static runtime requirements, and its pyproject."""
    pyproject = project / "pyproject.toml"
    if not pyproject.is_file():
        return ["setuptools>=40.8.0", "wheel"], [], ""
    text = pyproject.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{pyproject}: {exc}", hint="fix the TOML") from None
    build = list(data.get("build-system", {}).get("requires", ["setuptools>=40.8.0"]))
    run = list(data.get("project", {}).get("dependencies", []))
    return build, run, text


def python_ok(spec: str, version: str) -> bool:
    """Does the interpreter *version* satisfy the request's ``python`` spec?"""
    from rattler import Version, VersionSpec

    parts = parse_spec(spec)
    if not parts.version:
        return True
    constraint = parts.version
    if constraint[0] not in "<>=!~" and "*" not in constraint and "," not in constraint:
        constraint = f"={constraint}"
    return bool(VersionSpec(constraint).matches(Version(version)))


def extra_requirements(requires_dist: Iterable[str], extras: Iterable[str],
                       environment: Mapping[str, str]) -> list[str]:
    """The Requires-Dist lines that only ``extras`` bring in (``bleach[css]`` -> tinycss2)."""
    from packaging.requirements import Requirement

    chosen: list[str] = []
    base = dict(environment, extra="")
    for line in requires_dist:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate(base):
            continue
        if any(req.marker.evaluate(dict(environment, extra=e)) for e in extras):
            chosen.append(line.split(";", 1)[0].strip())
    return chosen


def depends_of_extras(
    requires_dist: Iterable[str],
    metadata: Mapping[str, Sequence[str]],
    environment: Mapping[str, str],
    naming: Callable[[str], str],
) -> list[str]:
    """Conda depends a package needs for the extras it asks of its requirements.

    *metadata* maps normalized PyPI names to the Requires-Dist of the wheel the mirror
    holds for them; conda has no extras, so ``jsonschema[format-nongpl]`` becomes the
    depends of the requiring package itself.
    """
    from packaging.requirements import Requirement

    from labtools.channel.wheel import requirement_to_depend

    out: list[str] = []
    base = dict(environment, extra="")
    for line in requires_dist:
        req = Requirement(line)
        if not req.extras or (req.marker is not None and not req.marker.evaluate(base)):
            continue
        for extra_line in extra_requirements(metadata.get(normalize(req.name), ()),
                                             req.extras, environment):
            depend = requirement_to_depend(extra_line, dict(base), naming)
            if depend:
                out.append(depend)
    return out
