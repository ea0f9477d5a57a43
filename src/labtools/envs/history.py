"""A prefix's history in conda's own format, read and written (pure; no file I/O).

One block per transaction, as conda writes it::

    ==> 2026-11-24 00:20:13 <==
    # cmd: labtools env create py311-kernel python=3.11 ipykernel
    # labtools version: 0.1.0
    +file:///srv/lab-channel::python-3.11.7-h_lab_0_cp311
    # update specs: ['python=3.11', 'ipykernel']

The reader takes every form conda has written: ``+channel::name-ver-build`` and
``+channel/subdir::...`` (and bare ``+name-ver-build`` from old conda), ``-`` removals,
``# update specs: [...]`` (Python or JSON list: mamba writes double quotes),
``# remove specs``, ``# neutered specs`` and, before conda 4.4, ``# install specs: a,b``.
:func:`owner` names the tool that made the env from its first ``# cmd:`` line.
:class:`labtools.envs.prefix.Prefix` reads and appends the file.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath

from labtools.envs.records import KNOWN_SUBDIRS
from labtools.envs.specs import normalize_name, parse_spec
from labtools.errors import SpecError

#: the first word of a ``# cmd:`` line -> the backend that owns the env
TOOLS = {"conda": "conda", "mamba": "mamba", "micromamba": "micromamba", "labtools": "rattler",
         "pixi": "rattler"}
_HEADER = re.compile(r"^==>\s*(.+?)\s*<==\s*$")
_SPECS = re.compile(r"^#\s*(update|install|remove|neutered|create)\s+specs\s*:\s*(.*)$")
_VERSION_START = re.compile(r"^\s*[<>=!~0-9*]")


@dataclass(frozen=True)
class LinkedDist:
    """One package line of a history block: ``+channel::name-version-build``."""

    channel: str
    name: str
    version: str
    build: str

    def line(self, sign: str = "+") -> str:
        return f"{sign}{self.channel}::{self.name}-{self.version}-{self.build}"


def history_block(
    *,
    when: datetime,
    command: Sequence[str],
    linked: Sequence[LinkedDist],
    update_specs: Sequence[str],
    tool_version: str,
    unlinked: Sequence[LinkedDist] = (),
    remove_specs: Sequence[str] = (),
) -> str:
    """One transaction block, as conda writes it (pure)."""
    lines = [
        f"==> {when:%Y-%m-%d %H:%M:%S} <==",
        f"# cmd: {' '.join(command)}",
        f"# labtools version: {tool_version}",
        *(dist.line("-") for dist in sorted(unlinked, key=lambda d: d.name)),
        *(dist.line() for dist in sorted(linked, key=lambda d: d.name)),
    ]
    if update_specs or not remove_specs:
        lines.append(f"# update specs: {list(update_specs)!r}")
    if remove_specs:
        lines.append(f"# remove specs: {list(remove_specs)!r}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Dist:
    """A package line of a history file: ``+conda-forge/linux-64::numpy-1.26.4-py311_0``."""

    name: str
    version: str
    build: str
    channel: str | None
    subdir: str | None

    def render(self) -> str:
        where = self.channel or ""
        if where and self.subdir:
            where += f"/{self.subdir}"
        head = f"{where}::" if where else ""
        return f"{head}{self.name}-{self.version}-{self.build}"


@dataclass(frozen=True)
class Revision:
    """One ``==> date <==`` block."""

    date: str
    cmd: str | None = None
    added: tuple[Dist, ...] = ()
    removed: tuple[Dist, ...] = ()
    update_specs: tuple[str, ...] = ()
    remove_specs: tuple[str, ...] = ()
    neutered_specs: tuple[str, ...] = ()


@dataclass
class _Builder:
    date: str
    cmd: str | None = None
    added: list[Dist] = field(default_factory=list)
    removed: list[Dist] = field(default_factory=list)
    update: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    neutered: list[str] = field(default_factory=list)

    def freeze(self) -> Revision:
        return Revision(self.date, self.cmd, tuple(self.added), tuple(self.removed),
                        tuple(self.update), tuple(self.remove), tuple(self.neutered))


def parse_dist(text: str) -> Dist:
    """``channel[/subdir]::name-version-build`` (channel optional) -> :class:`Dist`."""
    where, sep, body = text.strip().rpartition("::")
    parts = body.rsplit("-", 2)
    if len(parts) != 3 or not all(parts):
        raise SpecError(f"cannot read history package line {text!r}",
                        hint="expected channel::name-version-build")
    channel: str | None = where or None
    subdir: str | None = None
    if channel and "/" in channel:
        head, _, last = channel.rpartition("/")
        if last in KNOWN_SUBDIRS:
            channel, subdir = head, last
    del sep
    return Dist(name=parts[0], version=parts[1], build=parts[2], channel=channel, subdir=subdir)


def parse_specs_list(text: str) -> tuple[str, ...]:
    """The value of a ``# ... specs:`` line: a Python list literal, or the old ``a,b`` form."""
    value = text.strip()
    if value.startswith("["):
        try:
            items = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            items = None
        if items is None:
            try:
                items = json.loads(value)
            except ValueError:
                items = None
        if not isinstance(items, list):
            raise SpecError(f"cannot read history specs {value!r}",
                            hint="expected a list such as ['numpy', 'python=3.11']")
        return tuple(str(item).strip() for item in items if str(item).strip())
    # conda < 4.4: "numpy 1.11*,python >=3.5,<3.6" -- a comma also separates version ranges
    specs: list[str] = []
    for piece in value.split(","):
        if specs and _VERSION_START.match(piece) and not piece.startswith(" "):
            specs[-1] += f",{piece.strip()}"
        elif piece.strip():
            specs.append(piece.strip())
    return tuple(specs)


def parse_history(text: str) -> tuple[Revision, ...]:
    """The text of a prefix's history file -> its revisions, oldest first."""
    revisions: list[Revision] = []
    current: _Builder | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        header = _HEADER.match(line)
        if header:
            if current is not None:
                revisions.append(current.freeze())
            current = _Builder(date=header.group(1))
            continue
        if current is None:
            current = _Builder(date="")
        if line.startswith("#"):
            specs = _SPECS.match(line)
            if specs:
                kind, items = specs.group(1), parse_specs_list(specs.group(2))
                target = {"update": current.update, "install": current.update,
                          "create": current.update, "remove": current.remove,
                          "neutered": current.neutered}[kind]
                target.extend(items)
            elif line.startswith("# cmd:"):
                current.cmd = line[len("# cmd:"):].strip()
            continue
        if line[0] in "+-":
            try:
                dist = parse_dist(line[1:])
            except SpecError as exc:
                raise SpecError(f"history line {number}: {exc.message}", hint=exc.hint) from None
            (current.added if line[0] == "+" else current.removed).append(dist)
        else:  # a bare dist line: the initial state written by very old conda
            try:
                current.added.append(parse_dist(line))
            except SpecError as exc:
                raise SpecError(f"history line {number}: {exc.message}", hint=exc.hint) from None
    if current is not None:
        revisions.append(current.freeze())
    return tuple(revisions)


def requested_specs(revisions: tuple[Revision, ...]) -> dict[str, str]:
    """Name -> the spec the user last asked for, after removals and neutering (ordered)."""
    wanted: dict[str, str] = {}
    for rev in revisions:
        for spec in rev.update_specs:
            wanted[normalize_name(parse_spec(spec).name)] = spec
        for spec in rev.remove_specs:
            wanted.pop(normalize_name(parse_spec(spec).name), None)
        for spec in rev.neutered_specs:
            key = normalize_name(parse_spec(spec).name)
            if key in wanted:
                wanted[key] = spec
    return wanted


def render_history(revisions: tuple[Revision, ...]) -> str:
    """Revisions -> history text in conda's current format (for tests and round trips)."""
    lines: list[str] = []
    for rev in revisions:
        lines.append(f"==> {rev.date} <==")
        if rev.cmd is not None:
            lines.append(f"# cmd: {rev.cmd}")
        lines.extend(f"-{d.render()}" for d in rev.removed)
        lines.extend(f"+{d.render()}" for d in rev.added)
        for kind, specs in (("update", rev.update_specs), ("remove", rev.remove_specs),
                            ("neutered", rev.neutered_specs)):
            if specs:
                lines.append(f"# {kind} specs: {list(specs)!r}")
    return "\n".join(lines) + ("\n" if lines else "")


def owner(revisions: Sequence[Revision]) -> str | None:
    """The backend that made the env (``conda``, ``mamba``, ``micromamba``, ``rattler``),
    from the first ``# cmd:`` line; None when no revision names a command."""
    for rev in revisions:
        if rev.cmd:
            words = rev.cmd.split()
            tool = PurePath(words[0]).name if words else ""
            if tool.startswith("python") and len(words) > 2 and words[1] == "-m":
                tool = words[2].split(".")[0]
            return TOOLS.get(tool, tool or None)
    return None


__all__ = ["Dist", "LinkedDist", "Revision", "history_block", "owner", "parse_dist",
           "parse_history", "parse_specs_list", "render_history", "requested_specs"]
