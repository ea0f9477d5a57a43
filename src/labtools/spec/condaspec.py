"""Conda package specs through rattler's ``MatchSpec``: the one place that parses them here.

``six >= 1.16``, ``numpy=1.26``, ``conda-forge::numpy>=1.2,<2``, ``python 3.11.* *_cpython``
and ``pytorch[version='>=2',build=*cuda*]`` all read as conda reads them. (envcore's
``envs/specs.py`` becomes the project's one spec parser; switch this import when it lands.)
Also reads ``conda create --file`` lists: one spec per line, ``#`` comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from labtools.errors import SpecError

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-+]*$")
_BUILD = re.compile(r"^[A-Za-z0-9_.+*]+$")


@dataclass(frozen=True)
class CondaSpec:
    """A conda spec as rattler reads it; ``version`` in rattler's form (``1.26.*``)."""

    text: str
    name: str  # lower case
    version: str | None = None
    build: str | None = None
    channel: str | None = None
    line: int | None = None

    def matches(self, version: str, build: str | None = None) -> bool:
        """Does an installed *version* (and *build*) satisfy this spec?"""
        import fnmatch

        from rattler import Version, VersionSpec

        if self.build and build is not None and not fnmatch.fnmatchcase(build, self.build):
            return False
        if not self.version:
            return True
        try:
            return bool(VersionSpec(self.version).matches(Version(version)))
        except Exception:  # an installed version rattler cannot parse
            return self.version.lstrip("=") == version


def parse_conda_spec(text: str, *, where: str = "<spec>", line: int | None = None
                     ) -> CondaSpec:
    """One conda spec -> :class:`CondaSpec`; a spec conda would refuse is a :class:`SpecError`."""
    from rattler import MatchSpec

    body = text.split("#", 1)[0].strip()
    if not body:
        raise SpecError(f"{where}: empty package spec", hint="write e.g. numpy or numpy=1.26")
    try:
        spec = MatchSpec(body)
    except Exception as exc:  # rattler's InvalidMatchSpecError and friends
        raise SpecError(f"{where}: cannot read package spec {body!r}: "
                        f"{' '.join(str(exc).split())}",
                        hint="write e.g. numpy, numpy=1.26 or conda-forge::numpy>=1.26,<2"
                        ) from None
    name = spec.name.normalized if spec.name is not None else ""
    if not _NAME.match(name) or name == "*":
        raise SpecError(f"{where}: package spec {body!r} names no package",
                        hint="write e.g. numpy or conda-forge::numpy=1.26")
    version = str(spec.version) if spec.version is not None else None
    if version is not None and " " in version.strip():
        raise SpecError(f"{where}: cannot read the version of {body!r}",
                        hint="write e.g. numpy>=1.26,<2")
    build = str(spec.build) if spec.build else None
    if build is not None and not _BUILD.match(build):
        raise SpecError(f"{where}: cannot read package spec {body!r}: build {build!r}",
                        hint="write e.g. numpy>=1.26,<2 or python=3.11=*_cpython")
    channel = spec.channel.name if spec.channel is not None else None
    return CondaSpec(text=body, name=name, version=version if version != "*" else None,
                     build=build, channel=channel, line=line)


def parse_conda_list(text: str, *, source: str = "<text>") -> tuple[CondaSpec, ...]:
    """``conda create --file`` text: one spec per line (``#`` comments); errors name the line."""
    specs: list[CondaSpec] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        body = raw.split("#", 1)[0].strip()
        if body:
            specs.append(parse_conda_spec(body, where=f"{source}:{number}", line=number))
    return tuple(specs)
