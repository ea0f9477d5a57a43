"""Pure parsers of labtools.spec: package specs and conda-meta/history."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labtools.envs.history import (
    Dist,
    Revision,
    parse_dist,
    parse_history,
    parse_specs_list,
    render_history,
    requested_specs,
)
from labtools.errors import SpecError
from labtools.spec.matchspec import SpecParts, parse_spec


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("numpy", SpecParts("numpy")),
        # rattler's normalized constraints, conda's =1.26 (1.26.*) shorthand kept
        ("numpy=1.26", SpecParts("numpy", "1.26")),
        ("numpy=1.26.4=py311_0", SpecParts("numpy", "==1.26.4", "py311_0")),
        ("numpy==1.26.4", SpecParts("numpy", "==1.26.4")),
        ("numpy >=1.2,<2", SpecParts("numpy", ">=1.2,<2")),
        ("numpy>=1.2,<2", SpecParts("numpy", ">=1.2,<2")),
        ("numpy 1.26.* py311*", SpecParts("numpy", "1.26", "py311*")),
        ("conda-forge::numpy=1.26", SpecParts("numpy", "1.26", channel="conda-forge")),
        ("NumPy>=2", SpecParts("numpy", ">=2")),
        ("conda-forge/linux-64::numpy", SpecParts("numpy", channel="conda-forge/linux-64")),
        ("numpy[version='>=1.2', build=py*]", SpecParts("numpy", ">=1.2", "py*")),
        ("python=3.11.*  # the interpreter", SpecParts("python", "3.11")),
        ("numpy=*", SpecParts("numpy")),
    ],
)
def test_parse_spec_reads_every_conda_form(text: str, expected: SpecParts) -> None:
    assert parse_spec(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "# only a comment", "::", ">=1.2"])
def test_parse_spec_rejects_text_without_a_name(text: str) -> None:
    with pytest.raises(SpecError, match="spec"):
        parse_spec(text)


names = st.from_regex(r"[a-z][a-z0-9_\-]{0,12}", fullmatch=True)
versions = st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}", fullmatch=True)
builds = st.from_regex(r"[a-z0-9_]{1,12}", fullmatch=True)
channels = st.one_of(st.none(), st.sampled_from(
    ["conda-forge", "bioconda", "pkgs/main", "file:///srv/chan", "https://x.org/c"]))


@given(names, st.one_of(st.none(), versions), st.one_of(st.none(), builds), channels)
def test_parse_spec_round_trips_render(name: str, version: str | None, build: str | None,
                                       channel: str | None) -> None:
    text = name + (f"={version}" if version else "") + (f"={build}" if version and build
                                                          else "")
    text = f"{channel}::{text}" if channel else text
    parts = parse_spec(text)
    assert parts.name == name and parts.channel == channel
    assert parse_spec(parts.render()) == parts


HISTORY = """\
==> 2017-03-01 10:00:00 <==
+defaults::python-3.5.2-0
+numpy-1.11.0-py35_0
# install specs: python 3.5*,numpy >=1.10,<1.12
==> 2023-05-02 11:30:00 <==
# cmd: /opt/conda/bin/conda install -c conda-forge scipy pandas
# conda version: 23.3.1
-defaults::numpy-1.11.0-py35_0
+conda-forge/linux-64::numpy-1.24.3-py311h64a7726_0
+conda-forge/noarch::pandas-2.0.1-pyhd8ed1ab_0
+conda-forge/linux-64::scipy-1.10.1-py311h8e6699e_3
+file:///srv/lab-channel::lab-tool-1.0-0
# update specs: ['scipy', 'conda-forge::pandas[version=">=2"]']
==> 2023-05-03 09:00:00 <==
# cmd: conda remove pandas
-conda-forge/noarch::pandas-2.0.1-pyhd8ed1ab_0
# remove specs: ['pandas']
==> 2023-05-04 09:00:00 <==
# cmd: conda update --all
# update specs: ['scipy']
# neutered specs: ['python=3.5']
"""


def test_history_reads_every_form() -> None:
    revs = parse_history(HISTORY)
    assert [r.date for r in revs] == ["2017-03-01 10:00:00", "2023-05-02 11:30:00",
                                     "2023-05-03 09:00:00", "2023-05-04 09:00:00"]
    first, second, third, fourth = revs
    assert first.added[1] == Dist("numpy", "1.11.0", "py35_0", None, None)
    assert first.update_specs == ("python 3.5*", "numpy >=1.10,<1.12")
    assert second.cmd == "/opt/conda/bin/conda install -c conda-forge scipy pandas"
    assert second.removed == (Dist("numpy", "1.11.0", "py35_0", "defaults", None),)
    assert second.added[1] == Dist("pandas", "2.0.1", "pyhd8ed1ab_0", "conda-forge", "noarch")
    assert second.added[3].channel == "file:///srv/lab-channel"
    assert second.update_specs[1] == 'conda-forge::pandas[version=">=2"]'
    assert third.remove_specs == ("pandas",)
    assert fourth.neutered_specs == ("python=3.5",)
    assert requested_specs(revs) == {"python": "python=3.5", "numpy": "numpy >=1.10,<1.12",
                                     "scipy": "scipy"}


def test_history_of_rattler_is_empty() -> None:
    assert parse_history("") == ()
    assert requested_specs(()) == {}


@pytest.mark.parametrize("line", ["+conda-forge::broken", "+::a-b", "-nohyphens"])
def test_history_bad_package_line_names_the_line(line: str) -> None:
    with pytest.raises(SpecError, match=r"history line 2"):
        parse_history(f"==> 2024-01-01 00:00:00 <==\n{line}\n")


def test_old_specs_list_joins_version_ranges() -> None:
    assert parse_specs_list("python 3.6*,numpy,scipy >=1,<2") == (
        "python 3.6*", "numpy", "scipy >=1,<2")
    with pytest.raises(SpecError, match="history specs"):
        parse_specs_list("['unterminated'")


dists = st.builds(
    Dist, name=names, version=versions, build=builds,
    channel=st.one_of(st.none(), st.sampled_from(["conda-forge", "pkgs/main", "file:///c"])),
    subdir=st.none(),
).map(lambda d: d if d.channel else Dist(d.name, d.version, d.build, None, None))
spec_lists = st.lists(st.builds(lambda n, v: f"{n}={v}" if v else n, names,
                                st.one_of(st.none(), versions)), max_size=4).map(tuple)
revisions = st.builds(
    Revision,
    date=st.from_regex(r"20[0-9]{2}-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]",
                       fullmatch=True),
    cmd=st.one_of(st.none(), st.from_regex(r"conda [a-z\-=.0-9]{1,9}( [a-z\-=.0-9]{1,9}){0,3}",
                                            fullmatch=True)),
    added=st.lists(dists, max_size=4).map(tuple),
    removed=st.lists(dists, max_size=3).map(tuple),
    update_specs=spec_lists, remove_specs=spec_lists, neutered_specs=spec_lists,
)


@given(st.lists(revisions, max_size=5).map(tuple))
def test_history_round_trips(revs: tuple[Revision, ...]) -> None:
    assert parse_history(render_history(revs)) == revs


@given(names, versions, builds, st.sampled_from(["linux-64", "noarch", "osx-arm64"]))
def test_dist_with_subdir_round_trips(name: str, version: str, build: str, subdir: str) -> None:
    dist = Dist(name, version, build, "conda-forge", subdir)
    assert parse_dist(dist.render()) == dist
