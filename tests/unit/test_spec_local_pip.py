"""A local project in an environment.yml's pip: list (``-e .``) compares by name and folder."""

from __future__ import annotations

from pathlib import Path

from labtools.spec.check import drift
from labtools.spec.sources import SpecSet, from_file, local_pip_entry


def test_editable_entries_resolve_to_the_project_and_its_folder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "Lab_Tools"\n')
    env_file = tmp_path / "environment.yml"
    env_file.write_text("name: x\ndependencies:\n  - python\n  - pip:\n      - -e .\n"
                        "      - requests==2.31\n")
    spec = from_file(env_file)
    assert spec.pip == {"lab-tools": tmp_path.resolve().as_uri(), "requests": "2.31"}
    assert local_pip_entry("-e ./nowhere", tmp_path) is None  # no project: left as written
    installed = SpecSet(label="env", conda={"python": "3.11.7"},
                        pip={"lab-tools": tmp_path.resolve().as_uri(), "requests": "2.31"})
    assert not drift(installed, {}, spec, {"python"}).drifted
