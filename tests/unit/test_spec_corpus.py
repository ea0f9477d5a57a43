"""Every real file in tests/data/corpus is read whole, or refused with a line-numbered error.

The expected outcome of each file is in PROVENANCE.tsv (reviewed by hand: the refused ones
are files their own projects keep as broken examples, or name include files the sdist does
not ship). Counts are recomputed here from the raw text, independently of the readers, so a
reader that silently drops entries fails.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from labtools.errors import SpecError

ROOT = Path(__file__).parents[1] / "data" / "corpus"
ROWS = [dict(zip(ROOT.joinpath("PROVENANCE.tsv").read_text().splitlines()[0].split("\t"),
                 line.split("\t"), strict=True))
        for line in ROOT.joinpath("PROVENANCE.tsv").read_text().splitlines()[1:]]
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader: lock files are large
REQUIRED_FIELDS = ("file", "kind", "project", "version", "license", "path_in_sdist", "expect")


def test_corpus_is_large_and_every_file_has_provenance() -> None:
    assert len(ROWS) >= 200
    for row in ROWS:
        assert all(row[key] for key in REQUIRED_FIELDS), row
        assert (ROOT / row["file"]).is_file(), row["file"]
    listed = {row["file"] for row in ROWS}
    licenses = {"LICENSE", "LICENSE.txt", "README.md", "PROVENANCE.tsv"}
    on_disk = {str(p.relative_to(ROOT)) for p in ROOT.rglob("*")
               if p.is_file() and p.name not in licenses}
    assert on_disk == listed, "every corpus file is listed in PROVENANCE.tsv"
    kinds = Counter(row["kind"] for row in ROWS)
    assert kinds["pixi"] >= 5 and kinds["conda-lock"] >= 4 and kinds["explicit"] >= 20


def _read(kind: str, path: Path) -> Any:
    from labtools.spec.condaspec import parse_conda_list
    from labtools.spec.envfile import load_request
    from labtools.spec.locks import read_lock, read_package_list
    from labtools.spec.requirements import read_requirements

    if kind == "requirements":
        return read_requirements(path)
    if kind == "environment":
        return load_request(path)
    if kind == "explicit":
        return read_package_list(path)
    if kind == "conda-requirements":
        return parse_conda_list(path.read_text(encoding="utf-8"), source=str(path))
    return read_lock(path)


def _requirement_lines(text: str) -> int:
    """Requirement lines by pip's rules, counted without labtools' parser."""
    joined = re.sub(r"\\\n", " ", text)
    count = 0
    for line in joined.splitlines():
        body = re.sub(r"(^|\s)#.*$", "", line).strip()
        if body and (not body.startswith("-") or body.startswith(("-e", "--editable"))):
            count += 1
    return count


def _check_complete(kind: str, path: Path, result: Any) -> None:
    text = path.read_text(encoding="utf-8")
    if kind == "requirements":
        from labtools.spec.requirements import parse_requirements

        flat = parse_requirements(text, source=str(path), follow=False)
        assert len(flat.requirements) == _requirement_lines(text)
    elif kind == "explicit":
        urls = [ln for ln in text.splitlines()
                if ln.strip() and not ln.lstrip().startswith(("#", "@"))]
        assert len(result.packages) == len(urls)
        assert all(p.md5 or p.sha256 for p in result.packages) == all("#" in u for u in urls)
    elif kind == "environment":
        deps = (yaml.load(text, Loader=LOADER) or {}).get("dependencies") or []
        pip = sum(len(d["pip"]) for d in deps if isinstance(d, dict))
        conda = sum(1 for d in deps if not isinstance(d, dict))
        included = sum(1 for o in result.pip_options if o.startswith(("-r", "-c")))
        assert (len(result.specs), len(result.pip) + included) == (conda, pip)
    elif kind == "conda-lock":
        data = yaml.load(text, Loader=LOADER)
        read = sum(len(pl.packages) + len(pl.pip)
                   for env in result.environments.values() for pl in env.values())
        assert read + len(result.virtual) == len(data["package"])
    elif kind == "pixi":
        data = yaml.load(text, Loader=LOADER)
        for env_name, env in data["environments"].items():
            for platform, refs in (env.get("packages") or {}).items():
                listed = result.environments[env_name][platform]
                assert len(listed.packages) + len(listed.pip) == len(refs), (env_name, platform)


@pytest.mark.parametrize("row", ROWS, ids=[r["file"] for r in ROWS])
def test_corpus_file(row: dict[str, str]) -> None:
    path = ROOT / row["file"]
    if row["expect"] == "ok":
        result = _read(row["kind"], path)
        _check_complete(row["kind"], path, result)
        return
    line = row["expect"].split(":", 1)[1]
    with pytest.raises(SpecError) as caught:
        _read(row["kind"], path)
    message = caught.value.one_line()
    assert re.match(rf"^{re.escape(str(path))}:{line}(:\d+)?: ", message), message
    assert "\n" not in str(caught.value)
