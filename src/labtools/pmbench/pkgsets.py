"""What each contestant resolved or made, as a set of ``name==version`` (normalized names).

Pure parsers of the tools' own outputs (for dry runs) and one reader of a finished
prefix on disk (for creates and installs), the same reader for every tool, so an
env is judged by what is in it, not by what its tool says it did.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from labtools.pmbench.stats import normalize_name

#: what ``python -m venv`` (or ``uv venv --seed``) puts into every venv by itself
VENV_SEEDS = frozenset({"pip", "setuptools", "wheel"})
#: conda packages that have no PyPI counterpart in a venv (the interpreter, the installer)
CONDA_ONLY = frozenset({"python", "pip"})


def pkgset(pairs: Iterable[tuple[str, str]]) -> frozenset[str]:
    return frozenset(f"{normalize_name(name)}=={version}" for name, version in pairs)


def from_conda_json(stdout: str) -> frozenset[str]:
    """``actions.LINK`` of conda/mamba/micromamba ``--json`` output."""
    data = json.loads(stdout)
    actions = data.get("actions", {}) if isinstance(data, dict) else {}
    linked = actions.get("LINK", []) if isinstance(actions, dict) else []
    return pkgset((str(p["name"]), str(p["version"])) for p in linked)


def from_labtools_json(stdout: str) -> frozenset[str]:
    """``packages`` of ``labtools env create --json`` output."""
    data = json.loads(stdout)
    return pkgset((str(p["name"]), str(p["version"])) for p in data.get("packages", []))


def from_pip_report(text: str) -> frozenset[str]:
    """The ``install`` list of pip's ``--report`` JSON."""
    data = json.loads(text)
    return pkgset((str(item["metadata"]["name"]), str(item["metadata"]["version"]))
                  for item in data.get("install", []))


def from_uv_dry_run(output: str) -> frozenset[str]:
    """The `` + name==version`` lines of ``uv pip install --dry-run``."""
    pairs = []
    for line in output.splitlines():
        text = line.strip()
        if text.startswith("+ ") and "==" in text:
            name, _, version = text[2:].strip().partition("==")
            pairs.append((name, version))
    return pkgset(pairs)


def of_prefix(prefix: Path, *, drop: frozenset[str] = frozenset()) -> frozenset[str]:
    """What is installed in *prefix*: conda records and pip dist-infos alike."""
    from labtools.envs.packages import packages_of

    report = packages_of(prefix)
    return frozenset(item for item in pkgset((p.name, p.version) for p in report.packages)
                     if item.partition("==")[0] not in drop)


def pypi_view(packages: frozenset[str], requested: Iterable[str] = ()) -> frozenset[str]:
    """The part of a conda env that a venv would hold (no interpreter, no installer),
    under PyPI's names (conda-forge's ``msgpack-python`` is PyPI's ``msgpack``)."""
    from labtools.channel.names import pypi_name

    keep = {normalize_name(r) for r in requested}
    out = set()
    for item in packages:
        name, _, version = item.partition("==")
        if name not in (CONDA_ONLY | VENV_SEEDS) - keep:
            out.add(f"{normalize_name(pypi_name(name))}=={version}")
    return frozenset(out)
