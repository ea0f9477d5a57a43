"""conda-meta records, dist-info and the export layout, on hand-written prefixes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labtools.errors import EnvError, SpecError
from labtools.spec.export import (
    EnvSpec,
    build_export,
    export_spec,
    fast_yaml,
    leaf_names,
    order_channels,
    render_yaml,
    ruamel_yaml,
    spec_document,
)
from labtools.spec.records import (
    channel_name,
    direct_url_spec,
    parse_conda_record,
    read_prefix,
)
from labtools.spec.synth import FakeDist, FakePackage, write_dist_info, write_prefix

CF = "https://conda.anaconda.org/conda-forge"


@pytest.mark.parametrize(
    ("channel", "url", "expected"),
    [
        (f"{CF}/linux-64", None, "conda-forge"),
        (f"{CF}/", None, "conda-forge"),
        ("conda-forge", None, "conda-forge"),
        ("pkgs/main", None, "defaults"),
        ("https://repo.anaconda.com/pkgs/main/noarch", None, "defaults"),
        ("https://conda.anaconda.org/pytorch/linux-64", None, "pytorch"),
        ("file:///srv/lab-channel/noarch", None, "file:///srv/lab-channel"),
        (None, f"{CF}/noarch/a-1-0.conda", "conda-forge"),
        ("<unknown>", None, "<unknown>"),
    ],
)
def test_channel_name(channel: str | None, url: str | None, expected: str) -> None:
    assert channel_name(channel, url) == expected


def test_conda_and_rattler_records_read_alike() -> None:
    common = {"name": "numpy", "version": "1.26.4", "build": "py311_0", "subdir": "linux-64",
              "url": f"{CF}/linux-64/numpy-1.26.4-py311_0.conda", "depends": ["python"]}
    conda = parse_conda_record({**common, "channel": f"{CF}/linux-64",
                                "requested_spec": "None", "files": ["a"]}, source="c.json")
    rattler = parse_conda_record({**common, "channel": f"{CF}/", "requested_specs": ["numpy"],
                                  "paths_data": {"paths": [{"_path": "a"}]}}, source="r.json")
    assert conda.channel == rattler.channel == "conda-forge"
    assert conda.requested_specs == () and rattler.requested_specs == ("numpy",)
    assert conda.files == rattler.files == ("a",)
    with pytest.raises(SpecError, match=r"x\.json has no 'version'"):
        parse_conda_record({"name": "a", "build": "0"}, source="x.json")


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"url": "https://github.com/o/r", "vcs_info": {"vcs": "git", "commit_id": "abc"}},
         ("git+https://github.com/o/r@abc", False)),
        ({"url": "https://h/p-1.whl", "archive_info": {"hashes": {"sha256": "ff"}}},
         ("https://h/p-1.whl#sha256=ff", False)),
        ({"url": "file:///src/p", "dir_info": {"editable": True}}, ("file:///src/p", True)),
    ],
)
def test_direct_url_forms(doc: dict[str, object], expected: tuple[str, bool]) -> None:
    assert direct_url_spec(json.dumps(doc), source="d") == expected


def demo_prefix(root: Path, *, style: str = "conda", history: str | None = None) -> Path:
    return write_prefix(root / "demo", [
        FakePackage("python", "3.11.7", requested="python=3.11"),
        FakePackage("numpy", "1.26.4", "py311_0", depends=("python >=3.11",),
                    python_dist=True),
        FakePackage("pytorch", "2.1.0", "cpu_0", channel="https://conda.anaconda.org/pytorch",
                    depends=("numpy >=1.20", "python"), requested="pytorch>=2"),
    ], [
        FakeDist("requests", "2.31.0"),
        FakeDist("idna", "3.6", requested=False),
        FakeDist("mylib", "0.1", direct_url={"url": "https://github.com/o/mylib",
                                             "vcs_info": {"vcs": "git", "commit_id": "c0ffee"}}),
    ], style=style, history=history)


def test_export_layout_matches_conda_env_export(tmp_path: Path) -> None:
    text = export_spec(prefix=demo_prefix(tmp_path)).text
    assert text == (
        "name: demo\n"
        "channels:\n  - pytorch\n  - conda-forge\n"
        "dependencies:\n  - numpy=1.26.4\n  - python=3.11.7\n  - pytorch=2.1.0\n"
        "  - pip:\n      - idna==3.6\n      - mylib @ git+https://github.com/o/mylib@c0ffee\n"
        "      - requests==2.31.0\n"
    )
    assert "prefix:" not in text and "py311_0" not in text
    spec = export_spec(prefix=tmp_path / "demo").spec
    assert fast_yaml(spec_document(spec)) == text  # the common case skips importing ruamel


def test_export_is_byte_identical_and_options_apply(tmp_path: Path) -> None:
    prefix = demo_prefix(tmp_path)
    assert export_spec(prefix=prefix).text == export_spec(prefix=prefix).text
    full = export_spec(prefix=prefix, builds=True, with_prefix=True, name="x").text
    assert "  - numpy=1.26.4=py311_0\n" in full
    assert full.startswith("name: x\n") and full.endswith(f"prefix: {prefix}\n")
    doc = json.loads(export_spec(prefix=prefix, format="json").text)
    assert list(doc) == ["name", "channels", "dependencies"]
    assert doc["dependencies"][-1]["pip"][0] == "idna==3.6"


def test_conda_owned_dist_info_is_not_a_pip_package(tmp_path: Path) -> None:
    state = read_prefix(demo_prefix(tmp_path))
    assert [p.name for p in state.pip] == ["idna", "mylib", "requests"]


@pytest.mark.parametrize("style", ["conda", "rattler"])
def test_from_history_uses_requested_specs_without_history(tmp_path: Path, style: str) -> None:
    state = read_prefix(demo_prefix(tmp_path, style=style))
    spec = build_export(state, from_history=True)
    assert spec.dependencies == ("python=3.11", "pytorch>=2")
    assert spec.source == "requested_specs"
    assert spec.pip == ("mylib @ git+https://github.com/o/mylib@c0ffee", "requests")
    pinned = build_export(state, from_history=True, pinned=True)
    assert pinned.dependencies == ("python=3.11.7", "pytorch=2.1.0")
    assert pinned.pip == ("mylib @ git+https://github.com/o/mylib@c0ffee", "requests==2.31.0")


def test_from_history_prefers_conda_history(tmp_path: Path) -> None:
    history = ("==> 2024-01-01 10:00:00 <==\n# cmd: conda create -n demo numpy\n"
               "+conda-forge/linux-64::numpy-1.26.4-py311_0\n"
               "# update specs: ['conda-forge::numpy>=1.26', 'scipy']\n")
    spec = build_export(read_prefix(demo_prefix(tmp_path, history=history)),
                        from_history=True, pinned=True)
    assert spec.source == "history"
    assert spec.dependencies == ("conda-forge::numpy=1.26.4",)  # scipy is gone: dropped


def test_leaves_and_channels(tmp_path: Path) -> None:
    records = read_prefix(demo_prefix(tmp_path)).conda
    assert leaf_names(records) == ["pytorch"]
    assert order_channels(records) == ("pytorch", "conda-forge")


def test_corrupt_record_is_one_line_naming_the_file(tmp_path: Path) -> None:
    prefix = demo_prefix(tmp_path)
    bad = prefix / "conda-meta" / "broken-1-0.json"
    bad.write_text('{"name": "broken",')
    with pytest.raises(SpecError) as info:
        read_prefix(prefix)
    assert str(bad) in info.value.one_line() and "corrupt" in info.value.one_line()
    bad.write_text("[1, 2]")
    with pytest.raises(SpecError, match=r"corrupt package record .*broken-1-0\.json: invalid"):
        read_prefix(prefix)


def test_missing_conda_meta_and_missing_prefix(tmp_path: Path) -> None:
    (tmp_path / "venv").mkdir()
    with pytest.raises(EnvError, match="has no conda-meta"):
        read_prefix(tmp_path / "venv")
    with pytest.raises(EnvError, match="no environment at"):
        read_prefix(tmp_path / "nowhere")


def test_dist_info_without_record_names_it(tmp_path: Path) -> None:
    prefix = demo_prefix(tmp_path)
    site = prefix / "lib" / "python3.11" / "site-packages"
    folder = write_dist_info(site, FakeDist("norecord", "1.0"), record=False)
    with pytest.raises(SpecError, match=f"{folder} has no RECORD"):
        read_prefix(prefix)


scalars = st.one_of(
    st.from_regex(r"[a-z][a-z0-9_\-]{0,10}(=[0-9.]{1,6}(=[a-z0-9_]{1,6})?)?", fullmatch=True),
    st.from_regex(r"[a-z]{1,8} ?[<>=!]{1,2}[0-9.,<>*]{1,8}", fullmatch=True),
    st.sampled_from(["yes", "no", "null", "1.5", "123", "on", "a: b", "x #c", "-e file:///s",
                     "@home", "'q'", "tail:", "pkg @ git+https://h/o/r@abc", "file:///srv/c",
                     "conda-forge::numpy", "a  b", "[x]", "{y}", "~", "x,y"]),
    st.text(alphabet="ab:#- '\"@!%&*,=<>{}[]", min_size=1, max_size=6),
)


@given(st.one_of(st.none(), scalars), st.lists(scalars, max_size=3),
       st.lists(scalars, max_size=4), st.lists(scalars, max_size=3),
       st.one_of(st.none(), scalars))
def test_fast_yaml_matches_ruamel_byte_for_byte(
    name: str | None, channels: list[str], deps: list[str], pip: list[str],
    prefix: str | None,
) -> None:
    doc = spec_document(EnvSpec(name, tuple(channels), tuple(deps), tuple(pip), prefix))
    fast = fast_yaml(doc)
    if fast is not None:
        assert fast == ruamel_yaml(doc)
    assert render_yaml(EnvSpec(name, tuple(channels), tuple(deps), tuple(pip), prefix)) == \
        ruamel_yaml(doc)
