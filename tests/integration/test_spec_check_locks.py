"""spec check --against LOCK: exact records of a real env against pixi.lock, conda-lock.yml and
@EXPLICIT files made from it, and copies made to differ in one field each."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from plugins.lock_files import lab_env_with_locks

from labtools.cli import cli
from labtools.spec.check import check_env
from labtools.spec.lockcheck import LockReport
from labtools.spec.records import read_prefix

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def env_and_locks(tmp_path_factory: pytest.TempPathFactory, lab_channel: Path,
                  lab_pkgs_cache: Path) -> tuple[Path, dict[str, Path]]:
    return lab_env_with_locks(tmp_path_factory.mktemp("check-locks"), channel=lab_channel,
                              cache=lab_pkgs_cache, name="check-src")


def _check(prefix: Path, lock: Path) -> LockReport:
    report = check_env(env=prefix, against=lock)
    assert isinstance(report, LockReport)
    return report


@pytest.mark.parametrize("kind", ["explicit", "pixi", "conda-lock"])
def test_an_env_matches_the_locks_made_from_it(env_and_locks: tuple[Path, dict[str, Path]],
                                               kind: str) -> None:
    prefix, locks = env_and_locks
    report = _check(prefix, locks[kind])
    assert not report.drifted, report
    assert report.checked == len(read_prefix(prefix).conda)


def _first(prefix: Path, name: str) -> tuple[str, str, str, str, str]:
    rec = next(r for r in read_prefix(prefix).conda if r.name == name)
    return rec.version, rec.build, rec.md5 or "", rec.sha256 or "", rec.url or ""


@pytest.mark.parametrize("kind", ["explicit", "pixi", "conda-lock"])
@pytest.mark.parametrize("field", ["build", "md5", "sha256", "version", "channel", "missing",
                                   "extra"])
def test_a_lock_that_differs_in_one_field_is_drift(
        env_and_locks: tuple[Path, dict[str, Path]], tmp_path: Path, kind: str, field: str
) -> None:
    prefix, locks = env_and_locks
    version, build, md5, sha256, url = _first(prefix, "labdemo")
    text = locks[kind].read_text()
    if field == "build":
        text = text.replace(f"labdemo-{version}-{build}", f"labdemo-{version}-{build}x")
        text = text.replace(f"build: {build}\n", f"build: {build}x\n")
    elif field == "md5":
        if kind == "explicit" and md5 not in text:
            pytest.skip("this explicit file carries sha256 only")
        text = text.replace(md5, "a" * 32)
    elif field == "sha256":
        if kind == "explicit" and sha256 not in text:
            pytest.skip("explicit files carry md5 when there is one")
        text = text.replace(sha256, "f" * 64)
    elif field == "version":
        text = text.replace(f"labdemo-{version}-", "labdemo-9.9.9-")
        text = re.sub(r'("name": "labdemo",\s*"version": )"[^"]*"', r'\1"9.9.9"', text)
        text = text.replace(f"version: {version}\n", "version: 9.9.9\n")
        text = text.replace(f"version: '{version}'\n", "version: 9.9.9\n")
    elif field == "channel":
        channel = url.rsplit("/", 2)[0]
        text = text.replace(f"{channel}/", "https://conda.anaconda.org/other-channel/", 1)
        if kind == "pixi":
            text = text.replace(f"channel: {channel}\n",
                                "channel: https://conda.anaconda.org/other-channel\n")
    elif field in ("missing", "extra"):
        pass
    lock = tmp_path / locks[kind].name
    lock.write_text(text)
    if field in ("missing", "extra"):
        other = prefix.parent / f"{prefix.name}-{field}"
        if not other.exists():
            import shutil

            shutil.copytree(prefix / "conda-meta", other / "conda-meta")
        meta = other / "conda-meta"
        if field == "missing":
            for f in meta.glob("labdemo-extra-*.json"):
                f.unlink()
        else:
            doc = json.loads(next(meta.glob("labdemo-[0-9]*.json")).read_text())
            doc.update(name="stowaway", url=str(doc["url"]).replace("labdemo-", "stowaway-"))
            (meta / "stowaway-1-0.json").write_text(json.dumps(doc))
        report = _check(other, lock)
        assert report.drifted
        listed = report.missing if field == "missing" else report.extra
        assert [x.split()[0] for x in listed] == (["labdemo-extra"] if field == "missing"
                                                   else ["stowaway"])
        return
    report = _check(prefix, lock)
    assert report.drifted, (field, kind)
    fields = {(m.name, m.field) for m in report.mismatches}
    expected = {"build": {"build", "file"}, "md5": {"md5"}, "sha256": {"sha256"},
                "version": {"version", "file"}, "channel": {"channel"}}[field]
    assert {f for n, f in fields if n == "labdemo"} >= expected, report.mismatches
    item = next(m for m in report.mismatches if m.field in expected)
    assert item.locked != item.installed  # both sides are shown


def test_cli_lists_every_mismatch_with_both_sides_and_exits_1(
        env_and_locks: tuple[Path, dict[str, Path]], tmp_path: Path) -> None:
    prefix, locks = env_and_locks
    _, build, _, _, _ = _first(prefix, "labdemo")
    lock = tmp_path / "drift.txt"
    text = locks["explicit"].read_text().replace(f"-{build}.", f"-{build}x.")
    text = text.replace("# platform: linux-64", "# platform: osx-arm64")
    lock.write_text(text)
    runner = CliRunner()
    ok = runner.invoke(cli, ["spec", "check", "--prefix", str(prefix), "--against",
                             str(locks["pixi"])])
    assert ok.exit_code == 0 and "matches" in ok.output
    bad = runner.invoke(cli, ["spec", "check", "--prefix", str(prefix), "--against", str(lock)])
    assert bad.exit_code == 1
    assert f"build       labdemo: lock {build}x, env {build}" in bad.output
    assert "platform    (environment): lock osx-arm64, env linux-64" in bad.output
    as_json = runner.invoke(cli, ["spec", "check", "--prefix", str(prefix), "--against",
                                  str(lock), "--json"])
    data = json.loads(as_json.stdout)
    assert data["drifted"] is True and {m["field"] for m in data["mismatches"]} >= {
        "build", "file", "platform"}
