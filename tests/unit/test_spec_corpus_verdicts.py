"""`spec check --against LOCK` gives the right verdict on an env/lock pair for every corpus lock.

For each explicit file, pixi.lock and conda-lock.yml of the corpus (real files, see
tests/data/corpus/PROVENANCE.tsv), a prefix is written holding exactly what the lock
promises for one of its platforms (conda-meta records with the lock's URL, build and
hashes; dist-infos for its pip entries, as pip or uv leave them). That pair must match;
the same pair made to differ only in one package's build string, or only in its hash,
must be drift naming that package and field, with both sides.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from labtools.spec.check import check_env
from labtools.spec.lockcheck import LockReport
from labtools.spec.locks import LockedPackage, PackageList, read_lock, read_package_list

ROOT = Path(__file__).resolve().parents[1] / "data" / "corpus"
with (ROOT / "PROVENANCE.tsv").open(encoding="utf-8") as handle:
    ROWS = [r for r in csv.DictReader(handle, delimiter="\t")
            if r["expect"] == "ok" and r["kind"] in ("explicit", "pixi", "conda-lock")]


def _listing(row: dict[str, str]) -> PackageList:
    path = ROOT / row["file"]
    if row["kind"] == "explicit":
        return read_package_list(path)
    contents = read_lock(path)
    env = "default" if "default" in contents.environments else sorted(contents.environments)[0]
    platforms = contents.environments[env]
    # the platform with most conda packages: the richest pair this file offers
    platform = max(sorted(platforms), key=lambda p: len(platforms[p].packages))
    return platforms[platform]


def _record(pkg: LockedPackage) -> dict[str, object]:
    url = pkg.url
    subdir = pkg.subdir or url.rsplit("/", 2)[-2]
    channel = re.sub(r"/t/[^/]+/", "/", url.rsplit("/", 2)[0] + "/")
    record: dict[str, object] = {
        "name": pkg.name, "version": pkg.version, "build": pkg.build, "build_number": 0,
        "subdir": subdir, "url": url, "fn": url.rsplit("/", 1)[-1],
        # conda records the channel without the /t/TOKEN/ part of the URL
        "channel": channel + subdir, "depends": [], "files": [],
    }
    if pkg.md5:
        record["md5"] = pkg.md5
    if pkg.sha256:
        record["sha256"] = pkg.sha256
    return record


def _write_prefix(root: Path, listed: PackageList) -> Path:
    meta = root / "conda-meta"
    meta.mkdir(parents=True)
    (meta / "history").write_text("")
    for pkg in listed.packages:
        record = _record(pkg)
        (meta / f"{pkg.name}-{pkg.version}-{pkg.build}.json").write_text(json.dumps(record))
    site = root / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    for dist in listed.pip:
        info = site / f"{dist.name.replace('-', '_')}-{dist.version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {dist.name}\nVersion: {dist.version}\n")
        (info / "INSTALLER").write_text("uv\n")
        (info / "RECORD").write_text("")
    return root


def _check(prefix: Path, row: dict[str, str], listed: PackageList) -> LockReport:
    report = check_env(env=prefix, against=ROOT / row["file"],
                       environment=listed.environment or "default",
                       platform=listed.platform if row["kind"] != "explicit" else None)
    assert isinstance(report, LockReport)
    return report


def _usable(listed: PackageList) -> bool:
    return bool(listed.packages) and not any(p.source_package for p in listed.packages) \
        and all(p.is_url for p in listed.pip)


@pytest.mark.parametrize("row", ROWS, ids=[r["file"] for r in ROWS])
def test_each_corpus_lock_matches_its_own_env_and_not_one_changed_in_build_or_hash(
        row: dict[str, str], tmp_path: Path) -> None:
    listed = _listing(row)
    if not _usable(listed):
        pytest.skip("no conda packages, or source/local packages only a build can make")
    prefix = _write_prefix(tmp_path / "env", listed)
    report = _check(prefix, row, listed)
    assert not report.drifted, (report.mismatches, report.missing, report.extra,
                                report.pip_missing, report.pip_extra)
    assert report.checked == len(listed.packages) + len(listed.pip)

    pkg = listed.packages[len(listed.packages) // 2]
    record_file = prefix / "conda-meta" / f"{pkg.name}-{pkg.version}-{pkg.build}.json"
    original = json.loads(record_file.read_text())
    changes: list[tuple[str, dict[str, object]]] = [("build", {"build": pkg.build + "x"})]
    if pkg.md5:
        changes.append(("md5", {"md5": "0" * 32}))
    if pkg.sha256:
        changes.append(("sha256", {"sha256": "0" * 64}))
    for field, change in changes:
        record_file.write_text(json.dumps({**original, **change}))
        report = _check(prefix, row, listed)
        assert report.drifted, (row["file"], field)
        found = [m for m in report.mismatches if m.name == pkg.name and m.field == field]
        assert found, (field, report.mismatches)
        assert found[0].locked != found[0].installed
    record_file.write_text(json.dumps(original))
    assert not _check(prefix, row, listed).drifted
