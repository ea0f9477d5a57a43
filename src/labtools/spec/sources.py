"""Load either side of a comparison: an environment (prefix or name) or a spec file.

Every source becomes a :class:`SpecSet`: conda name -> version (or constraint) and
pip name -> version (or URL). Files may be environment.yml/JSON exports, ``@EXPLICIT``
files, pixi.lock / conda-lock.yml, or ``conda create --file`` requirement lists.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labtools.errors import EnvError, SpecError
from labtools.spec.matchspec import normalize_name, parse_spec

_PIP_SPLIT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._\-]*)\s*(?:\[[^\]]*\])?\s*(.*)$")


def canonical_pip(name: str) -> str:
    """PEP 503 normalized distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class SpecSet:
    """Package name -> version or constraint ("" when unconstrained), conda and pip apart."""

    label: str
    conda: dict[str, str] = field(default_factory=dict)
    pip: dict[str, str] = field(default_factory=dict)
    # conda specs as written (file sides only), name -> spec text
    conda_specs: dict[str, str] = field(default_factory=dict)


def resolve_env(target: str | Path) -> Path:
    """An env name or prefix -> its prefix directory (names via ``labtools env list``)."""
    text = str(target)
    path = Path(text).expanduser()
    if os.sep in text or text.startswith((".", "~")) or path.is_dir():
        if not path.is_dir():
            raise EnvError(f"no environment at {path}",
                           hint="give an existing prefix or an env name")
        return path.absolute()
    from labtools.envs.listing import resolve_env as resolve_name

    return resolve_name(text)


def pip_entry(line: str) -> tuple[str, str]:
    """A pip requirement line -> (canonical name, version or URL or specifier)."""
    text = line.split(" #", 1)[0].strip()
    if text.startswith(("-e ", "--editable ")):
        url = text.split(None, 1)[1].strip()
        egg = re.search(r"#egg=([A-Za-z0-9._\-]+)", url)
        return (canonical_pip(egg.group(1)) if egg else url), url
    if " @ " in text:
        name, _, url = text.partition(" @ ")
        return canonical_pip(name.split("[")[0].strip()), url.strip()
    match = _PIP_SPLIT.match(text)
    if match is None:
        raise SpecError(f"cannot read pip requirement {line!r}", hint="write e.g. requests==2.31")
    name, rest = match.group(1), match.group(2).split(";")[0].strip()
    if rest.startswith("==") and not any(op in rest[2:] for op in "<>=!,"):
        rest = rest[2:].strip()
    return canonical_pip(name), rest


def local_pip_entry(line: str, base: Path) -> tuple[str, str] | None:
    """``-e .`` / ``./pkg`` relative to the file's folder -> (project name, its file URL).

    What pip records for such an install (``direct_url.json``) is the folder's URL, and
    the distribution's name comes from the project's ``pyproject.toml``.
    """
    import tomllib

    text = line.split(" #", 1)[0].strip()
    target = re.sub(r"^(?:-e|--editable)\s+", "", text)
    if not target.startswith((".", "/", "~", "file:")):
        return None
    folder = Path(target.removeprefix("file://")).expanduser()
    folder = (base / folder).resolve() if not folder.is_absolute() else folder
    try:
        name = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))[
            "project"]["name"]
    except (OSError, KeyError, TypeError, ValueError):
        return None
    return canonical_pip(str(name)), folder.as_uri()


def from_document(doc: Any, *, label: str, base: Path | None = None) -> SpecSet:
    """An environment.yml mapping -> :class:`SpecSet` (pure unless *base* resolves local
    pip projects, ``-e .``, relative to the file's folder)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("dependencies", []), list):
        raise SpecError(f"{label} is not an environment file: expected a mapping with "
                        "a dependencies list", hint="export one with labtools spec export ENV")
    conda: dict[str, str] = {}
    specs: dict[str, str] = {}
    pip: dict[str, str] = {}
    for item in doc.get("dependencies") or []:
        if isinstance(item, dict):
            for line in item.get("pip") or []:
                local = local_pip_entry(str(line), base) if base is not None else None
                name, value = local or pip_entry(str(line))
                pip[name] = value
            continue
        parts = parse_spec(str(item))
        key = normalize_name(parts.name)
        conda[key] = parts.version or ""
        specs[key] = str(item)
    return SpecSet(label=label, conda=conda, pip=pip, conda_specs=specs)


def from_env(prefix: Path, *, label: str | None = None) -> SpecSet:
    from labtools.spec.records import read_prefix

    state = read_prefix(prefix)
    return SpecSet(
        label=label or str(prefix),
        conda={normalize_name(r.name): r.version for r in state.conda},
        pip={canonical_pip(p.name): (p.direct_url or p.version) for p in state.pip},
    )


def from_file(path: Path) -> SpecSet:
    """Any spec file labtools writes or reads -> :class:`SpecSet`."""
    from labtools.spec.locks import _read_text

    text = _read_text(path)
    label = str(path)
    from labtools.spec.locks import is_explicit, parse_explicit, read_lock_file

    if is_explicit(text):
        listed = parse_explicit(text, source=label)
        return SpecSet(label=label, conda={normalize_name(p.name): p.version
                                           for p in listed.packages})
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            return from_document(json.loads(text), label=label)
        except ValueError as exc:
            raise SpecError(f"{path} is not valid JSON: {exc}", hint="fix the file") from None
    if path.suffix in (".yml", ".yaml", ".lock") or ":" in stripped.split("\n", 1)[0]:
        doc = _load_yaml(text, label)
        if isinstance(doc, dict) and ("package" in doc or "environments" in doc) \
                and "dependencies" not in doc:
            listed = read_lock_file(path)
            return SpecSet(label=label,
                           conda={normalize_name(p.name): p.version for p in listed.packages},
                           pip=dict(pip_entry(line) for line in listed.pip_requirements()))
        return from_document(doc, label=label, base=path.parent.absolute())
    conda: dict[str, str] = {}
    pip: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("# pip:"):
            name, value = pip_entry(line[len("# pip:"):])
            pip[name] = value
        elif line and not line.startswith("#"):
            parts = parse_spec(line)
            conda[normalize_name(parts.name)] = parts.version or ""
    return SpecSet(label=label, conda=conda, pip=pip)


def _load_yaml(text: str, label: str) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="safe", pure=True).load(text)
    except YAMLError as exc:
        first = " ".join(str(exc).split())[:200]
        raise SpecError(f"{label} is not valid YAML: {first}", hint="fix the file") from None


def load_side(target: str | Path) -> SpecSet:
    """An env name, a prefix directory or a file -> :class:`SpecSet`."""
    path = Path(str(target)).expanduser()
    if path.is_file():
        return from_file(path)
    return from_env(resolve_env(target), label=str(target))
