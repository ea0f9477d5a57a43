"""Lock files written from a real env's records: @EXPLICIT, pixi.lock and conda-lock.yml (v1).

``write_locks(prefix, folder)`` -> {"explicit", "pixi", "conda-lock"} -> path; the
conda-lock file is JSON-style YAML with a virtual package (``__glibc``, empty md5), as
real tools write it. ``CONDA_LOCK_HEAD``: a conda-lock.yml's metadata, for tests that
write the package entries themselves. ``lab_env_with_locks``: a lab-channel env and its
three locks.
"""

from __future__ import annotations

import json
from pathlib import Path

from labtools.spec.locks import lock_env
from labtools.spec.records import read_prefix

#: the head of a one-platform (linux-64, conda-forge) conda-lock.yml v1; entries follow
CONDA_LOCK_HEAD = """\
version: 1
metadata:
  content_hash: {linux-64: abc}
  channels: [{url: conda-forge, used_env_vars: []}]
  platforms: [linux-64]
  sources: [environment.yml]
package:
"""


def write_locks(prefix: Path, folder: Path) -> dict[str, Path]:
    import rattler

    folder.mkdir(parents=True, exist_ok=True)
    explicit = folder / "env.explicit.txt"
    explicit.write_text(lock_env(prefix=prefix))
    platform = rattler.LockPlatform(str(rattler.Subdir.current()))
    lock = rattler.LockFile([platform])
    for json_file in sorted((prefix / "conda-meta").glob("*.json")):
        lock.add_conda_package("default", platform, rattler.PrefixRecord.from_path(json_file))
    pixi = folder / "pixi.lock"
    lock.to_path(pixi)
    records = read_prefix(prefix).conda
    subdir = str(rattler.Subdir.current())
    entries = [{"name": r.name, "version": r.version, "manager": "conda", "platform": subdir,
                "dependencies": {}, "url": r.url, "hash": {"md5": r.md5, "sha256": r.sha256},
                "category": "main", "optional": False} for r in records]
    entries.append({"name": "__glibc", "version": "2.36", "manager": "conda",
                    "platform": subdir, "dependencies": {},
                    "url": "file:///tmp/x/__glibc-2.36-0.tar.bz2",
                    "hash": {"md5": "", "sha256": None}, "category": "main", "optional": False})
    conda_lock = folder / "conda-lock.yml"
    conda_lock.write_text(json.dumps({  # JSON-style YAML, as some tools write it
        "version": 1, "metadata": {"content_hash": {subdir: "x"}, "channels": [],
                                   "platforms": [subdir], "sources": ["environment.yml"]},
        "package": entries}, indent=1))
    return {"explicit": explicit, "pixi": pixi, "conda-lock": conda_lock}


def lab_env_with_locks(root: Path, *, channel: Path, cache: Path, name: str
                       ) -> tuple[Path, dict[str, Path]]:
    """An env of ``labdemo-extra`` made by the engine from the lab *channel* under *root*,
    and its three locks (:func:`write_locks`) in ``root/locks``."""
    from labtools.envs.create import create_env

    prefix = create_env(name=name, specs=["labdemo-extra"], channels=[channel.as_uri()],
                        root=root / "envs", cache_dir=cache, backend="rattler",
                        force_name=True, compile_bytecode=False).prefix
    return prefix, write_locks(prefix, root / "locks")
