"""diff, drift check, minimize and explicit files: the pure cores."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labtools.errors import SpecError, UsageError
from labtools.spec.check import conda_satisfies, drift, pip_satisfies
from labtools.spec.diff import Change, compare, diff_sets
from labtools.spec.locks import parse_archive_url, parse_explicit, render_explicit
from labtools.spec.minimize import relaxed
from labtools.spec.records import parse_conda_record
from labtools.spec.sources import SpecSet, from_document, pip_entry


def test_compare_sorts_added_removed_changed() -> None:
    side = compare({"a": "1", "b": "2", "c": "3"}, {"b": "2", "c": "4", "d": "5"})
    assert side.added == (Change("d", "", "5"),)
    assert side.removed == (Change("a", "1", ""),)
    assert side.changed == (Change("c", "3", "4"),)
    assert not side.empty


maps = st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True),
                       st.from_regex(r"[0-9](\.[0-9]){0,2}", fullmatch=True), max_size=8)


@given(maps, maps)
def test_compare_is_antisymmetric(a: dict[str, str], b: dict[str, str]) -> None:
    forward, backward = compare(a, b), compare(b, a)
    assert [c.name for c in forward.added] == [c.name for c in backward.removed]
    assert len(forward.changed) == len(backward.changed)
    assert compare(a, a).empty


def test_diff_sets_separates_conda_and_pip() -> None:
    result = diff_sets(SpecSet("A", {"numpy": "1.26.4"}, {"requests": "2.31.0"}),
                       SpecSet("B", {"numpy": "1.26.4"}, {"requests": "2.32.0"}))
    assert result.conda.empty and not result.identical
    assert result.pip.changed == (Change("requests", "2.31.0", "2.32.0"),)


def test_environment_document_reading() -> None:
    spec = from_document({"dependencies": ["numpy=1.26.4", "conda-forge::scipy>=1",
                                           {"pip": ["Requests==2.31.0", "my_lib @ git+https://x",
                                                    "-e file:///src#egg=tool"]}]}, label="f")
    assert spec.conda == {"numpy": "1.26.4", "scipy": ">=1"}
    assert spec.pip == {"requests": "2.31.0", "my-lib": "git+https://x",
                        "tool": "file:///src#egg=tool"}
    with pytest.raises(SpecError, match="not an environment file"):
        from_document(["numpy"], label="f")
    assert pip_entry("pkg>=1,<2") == ("pkg", ">=1,<2")


@pytest.mark.parametrize(
    ("spec", "version", "build", "ok"),
    [("numpy", "1.0", None, True), ("numpy=1.26", "1.26.4", None, True),
     ("numpy=1.26", "1.27.0", None, False), ("numpy>=1,<2", "2.0", None, False),
     ("numpy==1.26.4", "1.26.4", None, True), ("numpy=1.26.4=py311*", "1.26.4", "py311_0", True),
     ("numpy=1.26.4=py312*", "1.26.4", "py311_0", False)],
)
def test_conda_satisfies(spec: str, version: str, build: str | None, ok: bool) -> None:
    assert conda_satisfies(spec, version, build) is ok


def test_pip_satisfies() -> None:
    assert pip_satisfies("2.31.0", "2.31.0") and pip_satisfies(">=2", "2.31.0")
    assert not pip_satisfies("2.30", "2.31.0") and pip_satisfies("", "9")


def test_drift_lists_missing_mismatched_extra() -> None:
    env = SpecSet("env", {"numpy": "1.27.0", "python": "3.11.7", "rich": "13.0"},
                  {"requests": "2.32.0", "tqdm": "4.0"})
    file = from_document({"dependencies": ["numpy=1.26", "python=3.11", "scipy",
                                           {"pip": ["requests==2.31.0", "idna"]}]}, label="f")
    report = drift(env, {}, file, leaves={"rich", "python"})
    assert report.drifted
    assert report.missing == ("scipy",)
    assert [m.name for m in report.mismatched] == ["numpy"]
    assert report.extra == ("rich",)
    assert report.pip_missing == ("idna",) and report.pip_extra == ("tqdm",)
    assert [m.installed for m in report.pip_mismatched] == ["2.32.0"]


def _record(name: str, version: str, **extra: object) -> object:
    return parse_conda_record({"name": name, "version": version, "build": "0",
                               "url": f"https://c/linux-64/{name}-{version}-0.conda", **extra},
                              source=f"{name}.json")


def test_relax_levels() -> None:
    record = _record("numpy", "1.26.4")
    assert [relaxed(record, lvl) for lvl in ("major", "minor", "none")] == [  # type: ignore[arg-type]
        "numpy=1", "numpy=1.26", "numpy==1.26.4"]
    with pytest.raises(UsageError, match="relax"):
        relaxed(record, "patch")  # type: ignore[arg-type]


def test_explicit_round_trip_with_hashes() -> None:
    records = [_record("zlib", "1.3.1", md5="a" * 32),
               _record("abc", "1.0", sha256="b" * 64)]
    text = render_explicit(records, platform="linux-64")  # type: ignore[arg-type]
    parsed = parse_explicit(text)
    assert parsed.platform == "linux-64"
    assert [(p.name, p.md5, p.sha256) for p in parsed.packages] == [
        ("abc", None, "b" * 64), ("zlib", "a" * 32, None)]
    assert text.splitlines()[3] == "@EXPLICIT"


@pytest.mark.parametrize(
    ("text", "match"),
    [("https://c/x-1-0.conda\n", r"env.txt:1: .*before the @EXPLICIT"),
     ("# only\n", "env.txt:1: no @EXPLICIT"),
     ("@EXPLICIT\nhttps://c/notapackage.txt\n", "env.txt:2: .*conda package file name"),
     ("@EXPLICIT\nhttps://c/x-1-0.conda#zz\n", "env.txt:2: bad hash"),
     ("@EXPLICIT\nhttps://c/x-1-0.conda#abcd\n", "env.txt:2: .*neither an md5"),
     ("@EXPLICIT\n\nhttps://c/x-1-0.conda\nhttps://c/x-2-0.conda\n", "env.txt:4: .*twice"),
     ("@EXPLICIT\n@EXPLICIT\n", "env.txt:2: a second @EXPLICIT")],
)
def test_explicit_errors_name_the_line(text: str, match: str) -> None:
    with pytest.raises(SpecError, match=match):
        parse_explicit(text, source="env.txt")


def test_archive_url_sha256_prefix() -> None:
    pkg = parse_archive_url("https://c/linux-64/py-lib-1.0-h1_0.tar.bz2#sha256:" + "C" * 64)
    assert (pkg.name, pkg.version, pkg.build, pkg.sha256) == ("py-lib", "1.0", "h1_0", "c" * 64)
