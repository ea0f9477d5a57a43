"""pixi.lock: a line-numbered check of the document's shape before rattler reads it.

py-rattler's ``LockFile`` reads every pixi.lock format version (2-7 today) but its errors
carry no line ("failed to parse digest"). This pure check over ruamel.yaml's round-trip
nodes finds the usual faults first and names ``file:line``: a hash that is not hex of the
right length, a package entry without a location, an environment that references a package
the file does not define. What it lets through, rattler reads in full.
"""

from __future__ import annotations

import re
from typing import Any

from labtools.errors import SpecError
from labtools.spec.yamlsrc import YamlSource

_HEX = re.compile(r"^[0-9a-fA-F]+$")
_SIZES = {"md5": 32, "sha256": 64}
FIX = "regenerate it with `pixi lock`"


def _location(entry: Any) -> tuple[str, str] | None:
    """(kind, location) of a package entry or an environment's reference to one."""
    if not isinstance(entry, dict):
        return None
    for key in ("conda", "pypi"):
        if isinstance(entry.get(key), str):
            return key, str(entry[key]).strip()
    kind = entry.get("kind")
    if kind in ("conda", "pypi"):
        where = entry.get("url", entry.get("path"))
        if isinstance(where, str):
            return str(kind), where.strip()
    return None


def check_pixi(doc: YamlSource) -> int:
    """Validate a pixi.lock document; return the number of package entries."""
    data = doc.data
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 4:
        raise SpecError(f"{doc.where(('version',))}: 'environments' with version {version!r} "
                        "is no pixi.lock format (those with environments are 4 and later)",
                        hint="give a pixi.lock, a conda-lock.yml or an @EXPLICIT file")
    envs = data.get("environments")
    if not isinstance(envs, dict):
        raise SpecError(f"{doc.where(('environments',))}: 'environments' must be a mapping of "
                        "environment names", hint=FIX)
    packages = data.get("packages") or []
    if not isinstance(packages, list):
        raise SpecError(f"{doc.where(('packages',))}: 'packages' must be a list", hint=FIX)
    defined: set[tuple[str, str]] = set()
    for index, entry in enumerate(packages):
        found = _location(entry)
        if found is None:
            raise SpecError(f"{doc.where(('packages', index))}: package entry without a "
                            "conda:/pypi: location", hint=FIX)
        defined.add(found)
        for algo, size in _SIZES.items():
            value = entry.get(algo)
            if value is None:
                continue
            if not isinstance(value, str) or not _HEX.match(value) or len(value) != size:
                raise SpecError(f"{doc.where(('packages', index, algo))}: {found[1]} has a bad "
                                f"{algo} {value!r} ({size} hex digits expected)", hint=FIX)
    for env_name, env in envs.items():
        if not isinstance(env, dict):
            raise SpecError(f"{doc.where(('environments', env_name))}: environment "
                            f"{env_name!r} is not a mapping", hint=FIX)
        per_platform = env.get("packages") or {}
        if not isinstance(per_platform, dict):
            raise SpecError(f"{doc.where(('environments', env_name, 'packages'))}: packages of "
                            f"{env_name!r} must map platforms to lists", hint=FIX)
        for platform, refs in per_platform.items():
            path: tuple[str | int, ...] = ("environments", env_name, "packages", platform)
            if not isinstance(refs, list):
                raise SpecError(f"{doc.where(path)}: packages of {env_name!r} for {platform} "
                                "must be a list", hint=FIX)
            for index, ref in enumerate(refs):
                found = _location(ref)
                if found is None:
                    raise SpecError(f"{doc.where((*path, index))}: reference without "
                                    f"conda:/pypi: in {env_name!r} ({platform})", hint=FIX)
                if found not in defined:
                    raise SpecError(f"{doc.where((*path, index))}: {env_name!r} ({platform}) "
                                    f"uses {found[1]}, which no entry under 'packages' defines",
                                    hint=FIX)
    return len(packages)
