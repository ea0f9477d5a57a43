"""Export an environment as a spec, in the layout of ``conda env export``.

``build_export`` is pure (a :class:`PrefixState` in, an :class:`EnvSpec` out);
``render_*`` turn it into text; ``export_spec`` reads a prefix and does both.
Identical input gives byte-identical output: everything is sorted, nothing is dated.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from labtools.errors import UsageError
from labtools.spec.matchspec import normalize_name, parse_spec
from labtools.spec.records import CondaRecord, PipRecord, PrefixState

Format = Literal["yaml", "json", "explicit", "requirements"]
FORMATS: tuple[str, ...] = ("yaml", "json", "explicit", "requirements")


@dataclass(frozen=True)
class EnvSpec:
    """An environment file's content: what ``environment.yml`` says."""

    name: str | None
    channels: tuple[str, ...]
    dependencies: tuple[str, ...]
    pip: tuple[str, ...]
    prefix: str | None = None
    # where the requested specs came from: installed | history | requested_specs | leaves
    source: str = "installed"


@dataclass(frozen=True)
class ExportResult:
    """An export: the spec, the format and the rendered text."""

    spec: EnvSpec
    format: str
    text: str


def order_channels(records: tuple[CondaRecord, ...]) -> tuple[str, ...]:
    """Every channel the records came from; specialised channels (fewer packages) first."""
    counts = Counter(r.channel for r in records if r.channel != "<unknown>")
    return tuple(sorted(counts, key=lambda ch: (counts[ch], ch)))


def leaf_names(records: tuple[CondaRecord, ...]) -> list[str]:
    """Names no other installed record depends on (the leaves of the depends graph)."""
    needed: set[str] = set()
    for record in records:
        for dep in record.depends:
            try:
                needed.add(normalize_name(parse_spec(dep).name))
            except ValueError:
                continue
    return [r.name for r in records if normalize_name(r.name) not in needed]


def requested_from(state: PrefixState) -> tuple[dict[str, str], str]:
    """What the user asked for: conda history first, then rattler's requested_specs."""
    from labtools.envs.history import parse_history, requested_specs

    if state.requested_by_owner:  # the env's maker said it (conda env export --from-history)
        return {normalize_name(k): v for k, v in state.requested_by_owner.items()}, "history"
    if state.history_text and state.history_text.strip():
        wanted = requested_specs(parse_history(state.history_text))
        if wanted:
            return wanted, "history"
    wanted = {}
    for record in state.conda:
        for spec in record.requested_specs:
            wanted[normalize_name(record.name)] = spec
    if wanted:
        return wanted, "requested_specs"
    return {normalize_name(n): n for n in leaf_names(state.conda)}, "leaves"


def _pip_lines(pip: tuple[PipRecord, ...], *, from_history: bool, pinned: bool) -> tuple[str, ...]:
    chosen = pip
    if from_history and any(p.requested for p in pip):
        chosen = tuple(p for p in pip if p.requested)
    lines = []
    for p in chosen:
        if from_history and not pinned and not p.direct_url:
            lines.append(p.name)
        else:
            lines.append(p.requirement)
    return tuple(sorted(lines, key=str.lower))


def build_export(
    state: PrefixState,
    *,
    name: str | None = None,
    from_history: bool = False,
    pinned: bool = False,
    builds: bool = False,
    with_prefix: bool = False,
) -> EnvSpec:
    """The spec of *state*: every package (``name=version[=build]``) or only the requested."""
    by_name = {normalize_name(r.name): r for r in state.conda}
    source = "installed"
    if from_history:
        wanted, source = requested_from(state)
        deps = []
        for key, spec in wanted.items():
            record = by_name.get(key)
            if record is None:
                continue  # asked for once, no longer installed
            if pinned:
                parts = parse_spec(spec)
                pin = f"{record.name}={record.version}" + (f"={record.build}" if builds else "")
                deps.append(f"{parts.channel}::{pin}" if parts.channel else pin)
            else:
                deps.append(spec)
        dependencies = tuple(sorted(deps, key=lambda s: normalize_name(parse_spec(s).name)))
    else:
        dependencies = tuple(
            f"{r.name}={r.version}" + (f"={r.build}" if builds else "") for r in state.conda
        )
    return EnvSpec(
        name=name if name is not None else state.prefix.name,
        channels=order_channels(state.conda),
        dependencies=dependencies,
        pip=_pip_lines(state.pip, from_history=from_history, pinned=pinned),
        prefix=str(state.prefix) if with_prefix else None,
        source=source,
    )


def spec_document(spec: EnvSpec) -> dict[str, object]:
    """The environment.yml mapping, keys in conda's order (name, channels, deps, prefix)."""
    doc: dict[str, object] = {}
    if spec.name:
        doc["name"] = spec.name
    doc["channels"] = list(spec.channels)
    deps: list[object] = list(spec.dependencies)
    if spec.pip:
        deps.append({"pip": list(spec.pip)})
    doc["dependencies"] = deps
    if spec.prefix:
        doc["prefix"] = spec.prefix
    return doc


_PLAIN = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_./=<>!*,+@:~\- ]*$")
_NOT_STRING = re.compile(
    r"^(?:[-+]?[0-9_.]+(?:[eE][-+]?[0-9]+)?|0x[0-9a-fA-F_]+|0o[0-7_]+|"
    r"y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|"
    r"null|Null|NULL|[0-9]+:[0-9:]+)$")


def _plain(value: str) -> bool:
    """Would ruamel write *value* unquoted? Conservative: False sends us to ruamel."""
    return bool(_PLAIN.match(value)) and not _NOT_STRING.match(value) and ": " not in value \
        and not value.endswith((":", " ")) and "  " not in value and " #" not in value


def fast_yaml(doc: dict[str, object]) -> str | None:
    """The YAML ruamel writes for an export document, without importing ruamel.

    Returns None when any value might need quoting; callers then use ruamel.
    A property test checks this equals :func:`ruamel_yaml` byte for byte.
    """
    lines: list[str] = []
    for key, value in doc.items():
        if isinstance(value, str):
            if not _plain(value):
                return None
            lines.append(f"{key}: {value}")
            continue
        if not isinstance(value, list):
            return None
        lines.append(f"{key}:" if value else f"{key}: []")
        for item in value:
            if isinstance(item, str):
                if not _plain(item):
                    return None
                lines.append(f"  - {item}")
            elif isinstance(item, dict) and list(item) == ["pip"] and isinstance(
                    item["pip"], list) and item["pip"]:
                lines.append("  - pip:")
                for entry in item["pip"]:
                    if not isinstance(entry, str) or not _plain(entry):
                        return None
                    lines.append(f"      - {entry}")
            else:
                return None
    return "\n".join(lines) + "\n"


def ruamel_yaml(doc: dict[str, object]) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def render_yaml(spec: EnvSpec) -> str:
    """environment.yml text: ruamel.yaml's layout; the common case skips importing ruamel."""
    doc = spec_document(spec)
    return fast_yaml(doc) or ruamel_yaml(doc)


def render_json(spec: EnvSpec) -> str:
    return json.dumps(spec_document(spec), indent=2) + "\n"


def render_requirements(spec: EnvSpec, *, platform: str | None) -> str:
    """``conda create --file`` text; pip packages follow as ``# pip:`` comments."""
    lines = ["# This file may be used to create an environment using:",
             "# $ labtools env create --file <this file>"]
    if platform:
        lines.append(f"# platform: {platform}")
    lines.extend(spec.dependencies)
    lines.extend(f"# pip: {p}" for p in spec.pip)
    return "\n".join(lines) + "\n"


def platform_of(records: tuple[CondaRecord, ...]) -> str | None:
    subdirs = sorted({r.subdir for r in records if r.subdir and r.subdir != "noarch"})
    return subdirs[0] if subdirs else None


def render(state: PrefixState, spec: EnvSpec, fmt: str) -> str:
    if fmt == "yaml":
        return render_yaml(spec)
    if fmt == "json":
        return render_json(spec)
    if fmt == "requirements":
        return render_requirements(spec, platform=platform_of(state.conda))
    if fmt == "explicit":
        from labtools.spec.locks import render_explicit

        return render_explicit(state.conda, platform=platform_of(state.conda))
    raise UsageError(f"unknown export format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}")


def export_spec(
    *,
    prefix: Path | str,
    name: str | None = None,
    from_history: bool = False,
    pinned: bool = False,
    builds: bool = False,
    with_prefix: bool = False,
    format: str = "yaml",
) -> ExportResult:
    """Read the environment at *prefix* and render its spec in *format*."""
    from labtools.spec.records import read_prefix

    if format not in FORMATS:
        raise UsageError(f"unknown export format {format!r}",
                         hint=f"use one of {', '.join(FORMATS)}")
    state = read_prefix(prefix, ask_owner=from_history)
    spec = build_export(state, name=name, from_history=from_history, pinned=pinned,
                        builds=builds, with_prefix=with_prefix)
    return ExportResult(spec=spec, format=format, text=render(state, spec, format))
