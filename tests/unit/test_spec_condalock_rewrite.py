"""The conda-lock rewrite (virtual packages, "any version") keeps every scalar as written."""

from __future__ import annotations

import json

from plugins.lock_files import CONDA_LOCK_HEAD

from labtools.spec.condalock import check_document
from labtools.spec.locks import parse_lock
from labtools.spec.yamlsrc import YamlSource

LOCK = CONDA_LOCK_HEAD + """\
- name: __glibc
  version: "2.17"
  manager: conda
  platform: linux-64
  dependencies: {}
  url: file:///glibc
  hash: {md5: "", sha256: ""}
  optional: false
  category: main
- name: tzdata
  version: 1.10
  manager: conda
  platform: linux-64
  dependencies: {six: "", other: ~}
  url: https://conda.anaconda.org/conda-forge/noarch/tzdata-1.10-h0_0.conda
  hash: {md5: c9f075ab2f33b3bbee9e62d4ad0a6cd8}
  optional: false
  category: main
- name: colorama
  version: 2.0
  manager: pip
  platform: linux-64
  dependencies: {wheel: "*"}
  url: https://files.pythonhosted.org/packages/colorama-2.0-py3-none-any.whl
  hash: {sha256: 58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f}
  optional: no
  category: main
"""


def test_rewrite_keeps_scalar_text_and_yaml12_types() -> None:
    checked = check_document(YamlSource(LOCK, source="conda-lock.yml"))
    assert checked.virtual == (("linux-64", "__glibc"),) and checked.entries == 3
    assert checked.text is not None
    data = json.loads(checked.text)
    assert data["version"] == 1 and isinstance(data["version"], int)
    names = [p["name"] for p in data["package"]]
    assert names == ["tzdata", "colorama"]
    tz, colorama = data["package"]
    assert tz["version"] == "1.10"  # PyYAML's YAML 1.1 float would say 1.1
    assert tz["dependencies"] == {"six": "*", "other": "*"}
    assert colorama["version"] == "2.0" and colorama["dependencies"] == {"wheel": ""}
    assert tz["optional"] is False and colorama["optional"] == "no"  # YAML 1.2: "no" is text


def test_rewritten_lock_reads_whole_with_versions_as_written() -> None:
    lock = parse_lock(LOCK, source="conda-lock.yml")
    listed = lock.select("default", "linux-64")
    (tz,) = listed.packages
    assert (tz.name, tz.version, tz.build) == ("tzdata", "1.10", "h0_0")
    assert [(p.name, p.version) for p in listed.pip] == [("colorama", "2.0")]
    assert lock.virtual == (("linux-64", "__glibc"),)
