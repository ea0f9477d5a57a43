"""Turning one benchmark request into each contestant's terms (pure where it can be).

- :func:`to_pypi`: the conda specs as PyPI requirements for pip and uv (or why not);
- :func:`find_wheelhouse`: the wheels pip and uv install from (``CHANNEL/wheels``);
- :func:`choose_addition`: the one package the install scenario adds, read from the
  channel's own repodata: one the env lacks and whose dependencies it already has.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from labtools.pmbench.stats import normalize_name

#: conda packages a venv brings by itself (its interpreter, its installer)
VENV_PROVIDES = ("python", "pip")


def _host_python() -> str:
    return ".".join(map(str, sys.version_info[:3]))


def _python_ok(constraint: str, host: str) -> bool:
    """Whether a conda version constraint (``3.11``, ``>=3.10``, ``3.11.*``) admits *host*."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import Version

    text = constraint.replace(" ", "")
    if not text:
        return True
    if text.startswith("=") and not text.startswith("=="):
        text = text[1:]
    if re.fullmatch(r"[\d.]+(\.\*)?", text):  # conda's fuzzy 3.11 / 3.11.* / 3.11.7
        text = f"=={text.removesuffix('.*')}.*"
    try:
        return Version(host) in SpecifierSet(text)
    except InvalidSpecifier:
        return False


def to_pypi(specs: Sequence[str], *, host: str | None = None) -> tuple[list[str] | None, str]:
    """Conda specs as pip requirements, or ``None`` and why they are not PyPI-only (pure).

    ``numpy=1.26`` -> ``numpy==1.26.*``; ``numpy >=1.2`` -> ``numpy>=1.2``. ``python``
    (and ``pip``) is what the venv brings: it is dropped when the venv's interpreter
    (*host*, default this one) satisfies it. A build string or a channel cannot be given
    to pip or uv.
    """
    host = host or _host_python()
    out: list[str] = []
    for raw in specs:
        text = raw.strip()
        if "::" in text or "[" in text:
            return None, f"{raw!r} names a channel or build options, which pip and uv lack"
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)", text)
        if match is None:
            return None, f"{raw!r} is not a package spec pip and uv understand"
        name, rest = match.group(1), match.group(2).replace(" ", "")
        if normalize_name(name) in VENV_PROVIDES:
            if normalize_name(name) == "python" and not _python_ok(rest, host):
                return None, (f"the spec asks for {raw}, but pip and uv install into a venv "
                              f"of this interpreter (python {host})")
            continue
        if rest.startswith("=") and not rest.startswith("=="):
            version = rest[1:]
            if "=" in version:
                return None, f"{raw!r} pins a conda build string"
            rest = f"=={version}" if "*" in version else f"=={version}.*"
        elif rest and not re.match(r"[<>=!~]", rest):
            rest = f"=={rest}" if "*" in rest else f"=={rest}.*"
        out.append(name + rest)
    if not out:
        return None, "the spec asks for nothing but python, which a venv already is"
    return out, "PyPI-only spec"


def local_dirs(channels: Iterable[str]) -> list[Path]:
    """The channels that are folders on this machine (paths or file:// URLs)."""
    out = []
    for channel in channels:
        text = channel[len("file://"):] if channel.startswith("file://") else channel
        if "://" in text:
            continue
        path = Path(text).expanduser()
        if path.is_dir():
            out.append(path.resolve())
    return out


def find_wheelhouse(channels: Iterable[str], needed: Iterable[str] = ()) -> Path | None:
    """``CHANNEL/wheels``, where a channel built from wheels keeps them for pip and uv, if
    it has a wheel for every *needed* requirement (a mirror's ``wheels/`` may hold only
    what its ``pip:`` section needs)."""
    names = {normalize_name(re.split(r"[\s=<>!~\[;]", n.strip(), maxsplit=1)[0])
             for n in needed}
    for root in local_dirs(channels):
        folder = root / "wheels"
        if folder.is_dir() and any(folder.glob("*.whl")) and names <= wheel_names(folder):
            return folder
    return None


def wheel_names(wheelhouse: Path | None) -> set[str]:
    if wheelhouse is None:
        return set()
    return {normalize_name(w.name.split("-", 1)[0]) for w in wheelhouse.glob("*.whl")}


def read_repodata(channels: Iterable[str], subdir: str) -> dict[str, set[str]]:
    """name -> dependency names (over all versions) of every package in the local channels."""
    deps: dict[str, set[str]] = {}
    for root in local_dirs(channels):
        for sub in ("noarch", subdir):
            path = root / sub / "repodata.json"
            if not path.is_file():
                continue
            data = json.loads(path.read_text(encoding="utf-8"))
            for record in [*data.get("packages", {}).values(),
                           *data.get("packages.conda", {}).values()]:
                names = deps.setdefault(normalize_name(str(record["name"])), set())
                names.update(normalize_name(re.split(r"[\s=<>!~]", d, maxsplit=1)[0])
                             for d in record.get("depends", []))
    return deps


def closure(specs: Iterable[str], deps: Mapping[str, set[str]]) -> set[str]:
    """Every name the specs can pull in (python brings pip, as conda and mamba add it)."""
    todo = [normalize_name(re.split(r"[\s=<>!~]", s.strip(), maxsplit=1)[0]) for s in specs]
    if "python" in todo:
        todo.append("pip")
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(deps.get(name, ()))
    return seen


def choose_addition(specs: Sequence[str], deps: Mapping[str, set[str]],
                    wheels: set[str]) -> str | None:
    """A package the env lacks whose dependencies it has (pure): the install scenario's.

    Prefer one that pip and uv can install too (it has a wheel); the first by name.
    """
    have = closure(specs, deps)
    candidates = sorted(name for name, needs in deps.items()
                        if name not in have and needs <= have)
    with_wheel = [name for name in candidates if name in wheels]
    pick = with_wheel or candidates
    return pick[0] if pick else None
