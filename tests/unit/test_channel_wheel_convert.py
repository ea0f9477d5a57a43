"""Wheel -> conda conversion: names, markers, layout (no rattler, no network)."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest
import zstandard

from labtools.channel import init_channel
from labtools.channel.lab import make_wheel
from labtools.channel.python_pkg import relative_runpath
from labtools.channel.wheel import (
    conda_name,
    marker_environment,
    requirement_to_depend,
    wheel_to_conda,
)


def test_names_and_markers() -> None:
    env = marker_environment("3.11")
    assert conda_name("Jupyter_Client") == "jupyter-client"
    assert requirement_to_depend("traitlets>=5.4.0", env) == "traitlets >=5.4.0"
    assert requirement_to_depend("exceptiongroup; python_version < '3.11'", env) is None
    assert requirement_to_depend("appnope; sys_platform == 'darwin'", env) is None
    assert requirement_to_depend("pytest; extra == 'test'", env) is None
    assert requirement_to_depend("typing_extensions>=4; python_version<'3.12'", env) == \
        "typing-extensions >=4"


@pytest.mark.parametrize(
    ("rel", "runpath"),
    [("bin/python3.11", "$ORIGIN/../lib"), ("lib/libpython3.11.so.1.0", "$ORIGIN"),
     ("lib/python3.11/lib-dynload/_ssl.so", "$ORIGIN/../..")],
)
def test_relative_runpath(rel: str, runpath: str) -> None:
    assert relative_runpath(rel) == runpath


def _members(conda: Path) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    with zipfile.ZipFile(conda) as zf:
        assert zf.namelist()[0] == "metadata.json"
        for name in zf.namelist():
            if name.endswith(".tar.zst"):
                raw = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(zf.read(name)))
                with tarfile.open(fileobj=raw, mode="r|") as tar:
                    for member in tar:
                        handle = tar.extractfile(member)
                        out[member.name] = handle.read() if handle else b""
    return out


def test_pure_wheel_becomes_noarch_python(tmp_path: Path) -> None:
    init_channel(tmp_path / "ch")
    wheel = make_wheel(tmp_path, "Demo_Tool", "1.2", files={"demo_tool/__init__.py": ""},
                       requires=["rich>=13", "colorama; sys_platform == 'win32'"],
                       scripts={"demo-tool": "demo_tool:main"})
    conda = wheel_to_conda(wheel, tmp_path / "ch", python_version="3.11")
    assert conda == tmp_path / "ch" / "noarch" / "demo-tool-1.2-pyh_lab_0.conda"
    members = _members(conda)
    index = json.loads(members["info/index.json"])
    assert index["noarch"] == "python" and index["depends"] == ["python >=3.8", "rich >=13"]
    link = json.loads(members["info/link.json"])
    assert link["noarch"]["entry_points"] == ["demo-tool = demo_tool:main"]
    assert members["site-packages/Demo_Tool-1.2.dist-info/INSTALLER"] == b"conda\n"
    assert "site-packages/Demo_Tool-1.2.dist-info/RECORD" not in members
    paths = json.loads(members["info/paths.json"])["paths"]
    assert {p["_path"] for p in paths} >= {"site-packages/demo_tool/__init__.py"}
