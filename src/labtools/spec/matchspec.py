"""A small, pure parser for conda package specs (``channel::name=version=build``).

Enough of conda's MatchSpec grammar to read history files, environment files and
requested specs without importing rattler: channel prefixes (``conda-forge::``,
``conda-forge/linux-64::``), ``name=ver=build``, ``name==ver``, ``name >=1,<2``,
the space form ``name 1.2 build*`` and the bracket form ``name[version='>=1']``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from labtools.errors import SpecError

_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-+]*")
_BRACKET_ITEM = re.compile(r"\s*(\w+)\s*=\s*(?:'([^']*)'|\"([^\"]*)\"|([^,\]]*))\s*,?")
_OPERATORS = "<>=!~"


@dataclass(frozen=True)
class SpecParts:
    """A package spec taken apart. ``version`` keeps conda's operator form (``=1.26``)."""

    name: str
    version: str | None = None
    build: str | None = None
    channel: str | None = None

    def render(self, *, with_channel: bool = True) -> str:
        """Back to text: ``channel::name=version=build`` (or ``name>=1`` for ranges)."""
        text = self.name
        if self.version:
            if self.version[0] in _OPERATORS:
                text += self.version
            else:
                text += f"={self.version}"
            if self.build:
                text += f"={self.build}"
        elif self.build:
            text += f"=*={self.build}"
        if with_channel and self.channel:
            text = f"{self.channel}::{text}"
        return text


def normalize_name(name: str) -> str:
    """Conda names compare case-insensitively."""
    return name.strip().lower()


def parse_spec(text: str) -> SpecParts:
    """Parse one conda spec; raises :class:`SpecError` on text that names no package."""
    raw = text
    body = text.split("#", 1)[0].strip()
    if not body:
        raise SpecError(f"empty package spec {raw!r}", hint="write e.g. numpy or numpy=1.26")
    extras: dict[str, str] = {}
    if body.endswith("]") and "[" in body:
        body, _, inner = body.partition("[")
        for match in _BRACKET_ITEM.finditer(inner[:-1]):
            key, *vals = match.groups()
            extras[key] = next((v for v in vals if v is not None), "").strip()
        body = body.strip()
    channel: str | None = None
    if "::" in body:
        channel, _, body = body.rpartition("::")
        channel = channel.strip() or None
        body = body.strip()
    name_match = _NAME.match(body)
    if name_match is None:
        raise SpecError(f"cannot read package spec {raw!r}: no package name",
                        hint="write e.g. numpy or conda-forge::numpy=1.26")
    name = name_match.group(0)
    rest = body[name_match.end():].strip()
    version: str | None = None
    build: str | None = None
    if rest:
        if " " in rest and rest[0] not in _OPERATORS:
            version, _, build = rest.partition(" ")
            build = build.strip() or None
        elif rest.startswith("=") and not rest.startswith("=="):
            version, _, build_part = rest[1:].partition("=")
            build = build_part.strip() or None
            version = version.strip()
        else:
            version, _, build_part = rest.partition(" ")
            build = build_part.strip() or None
    version = extras.get("version", version) or None
    build = extras.get("build", build) or None
    channel = extras.get("channel", channel) or channel
    if version == "*" and build is None:
        version = None
    return SpecParts(name=name, version=version, build=build, channel=channel)


def version_spec_of(parts: SpecParts) -> str | None:
    """The version constraint in the form rattler's ``VersionSpec`` reads (``=1.26`` kept)."""
    if parts.version is None or parts.version == "*":
        return None
    return parts.version


def spec_name(text: str) -> str:
    """The normalized package name of a spec."""
    return normalize_name(parse_spec(text).name)
