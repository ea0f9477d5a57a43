"""Write synthetic prefixes (package records + dist-infos) for tests and benchmarks.

A prefix written here looks, to every reader in :mod:`labtools.spec`, like one built by
conda (``requested_spec`` + history) or by rattler/pixi (``requested_specs``); nothing
is installed, so it is cheap to make hundreds of packages.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from labtools.envs.prefix import Prefix

PY = "python3.11"


@dataclass(frozen=True)
class FakePackage:
    name: str
    version: str
    build: str = "h0_0"
    channel: str = "https://conda.anaconda.org/conda-forge"
    subdir: str = "linux-64"
    depends: tuple[str, ...] = ()
    requested: str | None = None  # the spec the user asked for, if any
    python_dist: bool = False  # ships a dist-info with INSTALLER=conda

    @property
    def url(self) -> str:
        return f"{self.channel}/{self.subdir}/{self.name}-{self.version}-{self.build}.conda"


@dataclass(frozen=True)
class FakeDist:
    name: str
    version: str
    installer: str = "pip"
    requested: bool = True
    direct_url: dict[str, object] | None = None
    files: tuple[str, ...] = field(default=())


def _digest(text: str, algo: str) -> str:
    return hashlib.new(algo, text.encode()).hexdigest()


def write_dist_info(site: Path, dist: FakeDist, *, record: bool = True) -> Path:
    folder = site / f"{dist.name.replace('-', '_')}-{dist.version}.dist-info"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist.name}\nVersion: {dist.version}\n\nA package.\n")
    (folder / "INSTALLER").write_text(dist.installer + "\n")
    module = dist.name.replace("-", "_")
    files = dist.files or (f"{module}/__init__.py",)
    if record:
        rows = [f"{f},sha256=x,1" for f in files] + [f"{folder.name}/RECORD,,"]
        (folder / "RECORD").write_text("\n".join(rows) + "\n")
    if dist.requested:
        (folder / "REQUESTED").write_text("")
    if dist.direct_url is not None:
        (folder / "direct_url.json").write_text(json.dumps(dist.direct_url))
    return folder


def write_prefix(
    root: Path,
    packages: Sequence[FakePackage],
    dists: Sequence[FakeDist] = (),
    *,
    style: str = "conda",
    history: str | None = None,
) -> Path:
    """Create *root* with one package record per package (``style`` conda or rattler)."""
    meta = Prefix(root).meta_dir
    meta.mkdir(parents=True, exist_ok=True)
    site = root / "lib" / PY / "site-packages"
    site.mkdir(parents=True, exist_ok=True)
    for pkg in packages:
        files = [f"lib/{pkg.name}.so"]
        if pkg.python_dist:
            info = write_dist_info(site, FakeDist(pkg.name, pkg.version, installer="conda",
                                                  requested=False))
            files += [(info / n).relative_to(root).as_posix()
                      for n in ("METADATA", "INSTALLER", "RECORD")]
        record: dict[str, object] = {
            "name": pkg.name, "version": pkg.version, "build": pkg.build, "build_number": 0,
            "subdir": pkg.subdir, "url": pkg.url, "fn": pkg.url.rsplit("/", 1)[-1],
            "md5": _digest(pkg.url, "md5"), "sha256": _digest(pkg.url, "sha256"),
            "depends": list(pkg.depends), "constrains": [], "files": files,
            "paths_data": {"paths_version": 1, "paths": [
                {"_path": f, "path_type": "hardlink", "size_in_bytes": 1} for f in files]},
        }
        if style == "conda":
            record["channel"] = f"{pkg.channel}/{pkg.subdir}"
            record["requested_spec"] = pkg.requested or "None"
        else:
            record["channel"] = pkg.channel + "/"
            record["requested_specs"] = [pkg.requested] if pkg.requested else []
        name = f"{pkg.name}-{pkg.version}-{pkg.build}.json"
        (meta / name).write_text(json.dumps(record, indent=1, sort_keys=True))
    for dist in dists:
        write_dist_info(site, dist)
    (meta / "history").write_text(history or "")
    return root


def synthetic_packages(count: int) -> list[FakePackage]:
    """*count* packages in a chain-ish depends graph, a few requested, some Python dists."""
    pkgs = [FakePackage("python", "3.11.7", "hab00c5b_0_cpython", requested="python=3.11")]
    for i in range(1, count):
        deps = ("python >=3.11,<3.12.0a0",) + ((f"pkg{i - 1:03d} >=1.0",) if i > 1 else ())
        pkgs.append(FakePackage(
            f"pkg{i:03d}", f"1.{i % 7}.{i}", "py311_0", depends=deps,
            requested=f"pkg{i:03d}" if i == count - 1 else None, python_dist=i % 2 == 0))
    return pkgs
