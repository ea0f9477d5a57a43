"""Package specs, parsed once: conda match specs with rattler, pip requirements with packaging.

Every module that needs to know what a spec names (``numpy >=1.26`` -> ``numpy``), its
version constraint or build, or whether a pip line is well-formed, asks here; nothing
else splits spec strings by hand. Bad text is one :class:`~labtools.errors.SpecError`
that quotes it.

conda's ``add_pip_as_python_dependency`` (on by default) is read here too, from conda's
own variable ``CONDA_ADD_PIP_AS_PYTHON_DEPENDENCY``, so the built-in engine and the conda
adapter bring pip along with python exactly when conda says they should.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from labtools.errors import SpecError

_FALSE = frozenset({"false", "0", "no", "off"})
#: a version without operators or wildcards (``1.26``): conda's ``name=1.26`` shorthand
_BARE = re.compile(r"^[0-9A-Za-z_.!+]+$")


@dataclass(frozen=True)
class SpecParts:
    """A conda match spec taken apart, as rattler reads it.

    ``version`` is rattler's normalized version constraint, with conda's shorthand for
    "this version and its patch releases" kept as written: ``numpy=1.26`` and
    ``numpy 1.26.*`` -> ``1.26`` (rattler: ``1.26.*``), ``numpy=1.26.4=py311_0`` ->
    ``==1.26.4``, ``numpy >=1.2,<2`` -> ``>=1.2,<2``; ``None`` when unconstrained.
    ``channel`` is the channel as written before ``::`` (``conda-forge/linux-64``).
    """

    name: str
    version: str | None = None
    build: str | None = None
    channel: str | None = None

    def render(self, *, with_channel: bool = True) -> str:
        """Back to text (``numpy=1.26``, ``chan::numpy ==1.26.4 py311_0``)."""
        text = self.name
        version = self.version
        if version and _BARE.match(version):
            if not self.build:
                text += f"={version}"
                version = None
            else:
                version = f"{version}.*"
        if version:
            text += f" {version}"
            if self.build:
                text += f" {self.build}"
        elif self.build and not text.count("="):
            text += f" * {self.build}"
        if with_channel and self.channel:
            text = f"{self.channel}::{text}"
        return text


def normalize_name(name: str) -> str:
    """conda package names compare case-insensitively."""
    return name.strip().lower()


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


@lru_cache(maxsize=4096)
def _parse(text: str) -> SpecParts:
    # rattler costs ~0.1 s to import: imported on first use, not with this module
    from rattler import MatchSpec
    from rattler.exceptions import InvalidMatchSpecError

    body = text.split("#", 1)[0].strip()
    if not body:
        raise SpecError(f"empty package spec {text!r}", hint="write e.g. numpy or numpy=1.26")
    try:
        spec = MatchSpec(body)
    except InvalidMatchSpecError as exc:
        raise SpecError(f"invalid package spec {text!r}: {_first_line(exc)}",
                        hint="write specs like python=3.11, 'numpy >=1.26' or "
                             "conda-forge::numpy") from None
    if spec.name is None:
        raise SpecError(f"invalid package spec {text!r}: no package name",
                        hint="write e.g. numpy or conda-forge::numpy=1.26")
    version = str(spec.version) if spec.version is not None else None
    if version and version.endswith(".*") and _BARE.match(version[:-2]):
        version = version[:-2]  # conda's =1.26 (rattler: 1.26.*), as users write it
    channel: str | None = None
    if "::" in body.split("[", 1)[0]:
        channel = body.split("[", 1)[0].rpartition("::")[0].strip() or None
    elif spec.channel is not None:
        channel = str(spec.channel.base_url).rstrip("/")
    return SpecParts(
        name=spec.name.normalized,
        version=None if version in (None, "*") and spec.build is None else version,
        build=spec.build,
        channel=channel,
    )


def parse_spec(text: str) -> SpecParts:
    """Parse one conda match spec (rattler's grammar); raises :class:`SpecError`."""
    return _parse(str(text))


def spec_name(text: str) -> str:
    """The normalized package name a spec is about (``numpy>=2`` -> ``numpy``)."""
    return parse_spec(text).name


def check_specs(specs: Iterable[str]) -> list[str]:
    """The specs unchanged, each checked once; the first bad one raises."""
    checked = [str(s) for s in specs]
    for text in checked:
        parse_spec(text)
    return checked


def match_specs(specs: Iterable[str]) -> list[Any]:
    """rattler ``MatchSpec`` objects for a solve (each text checked by :func:`parse_spec`)."""
    from rattler import MatchSpec

    return [MatchSpec(text.split("#", 1)[0].strip()) for text in check_specs(specs)]


def names(specs: Iterable[str]) -> set[str]:
    return {spec_name(s) for s in specs}


def pip_requirement(line: str) -> Any:
    """A pip requirement line as a ``packaging.requirements.Requirement``."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return Requirement(line)
    except InvalidRequirement as exc:
        raise SpecError(f"invalid pip requirement {line!r}: {_first_line(exc)}",
                        hint="write e.g. requests==2.31 or 'rich>=13'") from None


def pip_with_python(environ: Mapping[str, str] | None = None) -> bool:
    """conda's ``add_pip_as_python_dependency``, from its environment variable (default on)."""
    env = os.environ if environ is None else environ
    value = env.get("CONDA_ADD_PIP_AS_PYTHON_DEPENDENCY", "").strip().lower()
    return value not in _FALSE


def wants_pip_added(specs: Iterable[str], environ: Mapping[str, str] | None = None) -> bool:
    """True when *specs* name python but not pip and conda's setting says pip comes along."""
    named = names(specs)
    return "python" in named and "pip" not in named and pip_with_python(environ)


__all__ = ["SpecParts", "check_specs", "match_specs", "names", "normalize_name", "parse_spec",
           "pip_requirement", "pip_with_python", "spec_name", "wants_pip_added"]
