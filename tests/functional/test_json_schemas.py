"""The JSON contract: a schema per command, generated from the code, met by real output.

The autouse ``json_contract`` fixture (tests/plugins/json_contract.py) validates every
document that any test makes a command print; the tests here make sure each cheap
command does print one, and that the schema files are the ones the code generates.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import click
import jsonschema
import pytest
from click.testing import CliRunner
from plugins.json_contract import problems_with

from labtools.cli import cli
from labtools.reference.cli_page import walk
from labtools.reference.schemas import RESULTS, all_schemas, dumps, schema_dir

ROOT = Path(__file__).resolve().parents[2]


def leaves() -> list[str]:
    ctx = click.Context(cli, info_name="labtools")
    return [c.command_path.split(" ", 1)[1] for cmd, c in walk(cli, ctx)
            if not isinstance(cmd, click.Group)]


def test_every_command_has_a_schema_and_every_schema_a_command() -> None:
    assert sorted(RESULTS) == sorted(leaves())


def test_the_schema_files_are_what_the_code_generates() -> None:
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in schema_dir(ROOT).glob("*.json")}
    wanted = {name: dumps(schema) for name, schema in all_schemas().items()}
    stale = sorted(n for n in set(on_disk) | set(wanted) if on_disk.get(n) != wanted.get(n))
    assert not stale, (f"docs/reference/schemas differ from the code for {stale}: run "
                       "`make schemas` (a removed/renamed field is a new version)")


@pytest.mark.parametrize("name", sorted(all_schemas()))
def test_each_schema_is_a_valid_2020_12_schema(name: str) -> None:
    schema = all_schemas()[name]
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith(f"/v1/{name}")


def test_a_document_that_breaks_the_contract_is_caught() -> None:
    assert problems_with("env name", {"name": "py311", "specs": ["python=3.11"]}) == []
    wrong = problems_with("env name", {"name": "py311", "specs": "python=3.11", "x": 1})
    assert any("'x' was unexpected" in p for p in wrong)
    assert any("is not of type 'array'" in p for p in wrong)
    assert problems_with("env name", {"error": {"code": "usage", "message": "m", "hint": None}}
                         ) == []


def json_of(*args: str, input: str | None = None, code: int = 0) -> object:
    result = CliRunner().invoke(cli, [*args, "--json"], input=input)
    assert result.exit_code == code, result.output
    doc = json.loads(result.stdout)  # exactly one document: json.loads rejects a second
    assert problems_with(_command(args), doc) == []
    return doc


def _command(args: tuple[str, ...]) -> str:
    words: list[str] = []
    command: click.Command | None = cli
    for arg in args:
        if not isinstance(command, click.Group):
            break
        command = command.get_command(click.Context(cli), arg)
        words.append(arg)
    return " ".join(words)


def test_cheap_commands_print_a_document_that_meets_their_schema(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yml", tmp_path / "b.yml"
    a.write_text("name: a\nchannels: [conda-forge]\ndependencies: [python=3.11, numpy]\n")
    b.write_text("name: b\nchannels: [conda-forge]\ndependencies: [python=3.12]\n")
    json_of("env", "name", "python=3.11", "pytorch=2.0")
    json_of("env", "list")
    json_of("env", "inspect")
    json_of("profile", "show")
    json_of("profile", "init", str(tmp_path / "labtools.toml"), "--set", "hosts=gpu-box")
    json_of("completion", "fish")
    json_of("tunnel", "ssh-config", "gpu", "--hostname", "gpu.example.org",
            "-L", "8888:127.0.0.1:8888")
    json_of("tunnel", "list")
    json_of("tunnel", "close", "--all")
    json_of("kernel", "list")
    json_of("clean", "--dry-run")
    json_of("spec", "diff", str(a), str(b))
    json_of("channel", "init", str(tmp_path / "channel"))
    json_of("channel", "index", str(tmp_path / "channel"))
    json_of("jupyter", "config", "--out", str(tmp_path / "jupyter.json"))
    json_of("jupyter", "audit", str(tmp_path / "jupyter.json"))


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")
def test_keygen_prints_its_document(tmp_path: Path) -> None:
    doc = json_of("tunnel", "keygen", "--file", str(tmp_path / "id_lab"))
    assert "PRIVATE KEY" not in json.dumps(doc)


def test_commands_on_a_real_environment_meet_their_schemas(
    make_env: object, lab_channel: Path, tmp_path: Path
) -> None:
    root = tmp_path / "envs"
    os.environ.update(LABTOOLS_CHANNELS=str(lab_channel), LABTOOLS_BACKEND="rattler",
                      LABTOOLS_ENVS_ROOT=str(root))
    make_env("py311-json", ("python", "ipykernel"), root=root)  # type: ignore[operator]
    spec = tmp_path / "py311-json.yml"
    json_of("env", "create", "py311-dry", "python", "--dry-run")
    json_of("env", "inspect", "py311-json", "--why", "ipykernel")
    json_of("spec", "export", "py311-json")
    CliRunner().invoke(cli, ["spec", "export", "py311-json", "--out", str(spec)])
    json_of("spec", "check", "py311-json", "--against", str(spec))
    json_of("spec", "lock", "py311-json")
    json_of("spec", "minimize", "py311-json")
    json_of("env", "snapshots", "py311-json")
    json_of("kernel", "register", "py311-json")
    json_of("kernel", "check", "py311-json")
    json_of("kernel", "remove", "py311-json", "--yes")
    json_of("env", "remove", "py311-json", "--yes")
