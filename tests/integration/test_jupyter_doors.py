"""Every door into a Jupyter server, checked against what the real jupyter_server reads.

The audit must read every file jupyter_server loads (asked from jupyter_server itself),
name each exposing setting with its file and line, and `jupyter config` must replace what
it finds so that the real server, loading the same folders, ends up safe.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from labtools import process
from labtools.cli import cli
from labtools.jupyter_audit import audit_config

pytestmark = pytest.mark.integration

PROBE = """
import json
from jupyter_server.serverapp import ServerApp
app = ServerApp()
app.load_config_file()
cfg = app.config
def get(section, name):
    value = cfg[section].get(name) if section in cfg else None
    return value if isinstance(value, (str, bool, int, type(None))) else repr(value)
print(json.dumps({"loaded": app.loaded_config_files, "values": {
    key: get(*key.split(".")) for key in %r}}))
"""


def jupyter_reads(keys: list[str]) -> dict[str, Any]:
    """What the real jupyter_server loads from the same folders (in a fresh interpreter)."""
    done = process.run([sys.executable, "-c", PROBE % keys], timeout=120)
    data: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return data


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    user = Path(os.environ["JUPYTER_CONFIG_DIR"])
    extra = tmp_path / "site-config"
    extra.mkdir()
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(extra))
    return user, extra


def test_audit_reads_every_file_jupyter_server_reads(dirs: tuple[Path, Path]) -> None:
    user, extra = dirs
    (user / "jupyter_server_config.py").write_text(
        "c = get_config()  # noqa\n\nc.ServerApp.ip = '0.0.0.0'\nc.ServerApp.allow_root = True\n")
    (user / "jupyter_config.json").write_text(json.dumps(
        {"ServerApp": {"trust_xheaders": True}}, indent=1))
    (user / "jupyter_notebook_config.py").write_text("c.NotebookApp.token = ''\n")
    (extra / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"allow_origin": "*", "disable_check_xsrf": True}}, indent=1))
    report = audit_config()
    real = jupyter_reads(["ServerApp.ip", "ServerApp.allow_origin"])
    loaded = {os.path.realpath(p) for p in real["loaded"]}
    assert loaded, "jupyter_server loaded the planted files"
    assert loaded <= {os.path.realpath(p) for p in report.sources}
    assert real["values"]["ServerApp.ip"] == "0.0.0.0"
    by_code = {f.code: f for f in report.findings}
    assert (by_code["open-ip"].file, by_code["open-ip"].line) == (
        user / "jupyter_server_config.py", 3)
    assert by_code["allow-root"].line == 4
    assert by_code["trust-xheaders"].file == user / "jupyter_config.json"
    assert by_code["any-origin"].file == extra / "jupyter_server_config.json"
    assert by_code["no-xsrf"].line == 4
    assert by_code["no-auth"].file == user / "jupyter_notebook_config.py"
    assert {"no-tls", "terminals"} <= set(by_code)
    result = CliRunner().invoke(cli, ["jupyter", "audit"])
    assert result.exit_code == 1
    assert f"{user / 'jupyter_server_config.py'}:3: open-ip:" in result.stdout


def test_a_service_file_command_line_wins_over_config(dirs: tuple[Path, Path],
                                                      tmp_path: Path) -> None:
    user, _ = dirs
    (user / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"ip": "127.0.0.1"}}))
    unit = tmp_path / "jupyter.service"
    unit.write_text("[Service]\nEnvironment=JUPYTER_TOKEN=\n"
                    "ExecStart=/opt/conda/bin/jupyter lab --no-browser \\\n"
                    "  --ip=0.0.0.0 --allow-root\n")
    assert audit_config().ok
    result = CliRunner().invoke(cli, ["jupyter", "audit", "--service", str(unit), "--json"])
    assert result.exit_code == 1
    found = {f["code"]: f for f in json.loads(result.stdout)["findings"]}
    assert found["open-ip"]["file"] == str(unit) and found["open-ip"]["line"] == 3
    assert found["allow-root"]["line"] == 3
    assert found["no-auth"]["line"] == 2


def test_jupyter_config_replaces_what_it_finds(dirs: tuple[Path, Path]) -> None:
    user, extra = dirs
    (user / "jupyter_server_config.py").write_text(
        "c.ServerApp.disable_check_xsrf = True\nc.ServerApp.trust_xheaders = True\n")
    own = user / "jupyter_server_config.json"
    own.write_text(json.dumps({"ServerApp": {"ip": "0.0.0.0", "allow_origin": "*",
                                             "root_dir": "/", "port": 9999},
                               "PasswordIdentityProvider": {
                                   "hashed_password": "sha1:ab:" + "0" * 40}}))
    own.chmod(0o644)
    (extra / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"allow_root": True}}))  # higher priority than ours: only reported
    result = CliRunner().invoke(cli, ["jupyter", "config", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    replaced = {f["code"] for f in report["replaced"]}
    assert {"open-ip", "any-origin", "root-dir", "sha1-hash", "no-xsrf", "trust-xheaders",
            "world-readable"} <= replaced
    assert [f["code"] for f in report["remaining"]] == ["allow-root"]
    assert "still unsafe" in result.stderr and "allow-root" in result.stderr
    data = json.loads(own.read_text())
    assert data["ServerApp"]["port"] == 9999  # what is safe is kept
    assert "root_dir" not in data["ServerApp"]
    assert "hashed_password" not in data["PasswordIdentityProvider"]
    assert stat.S_IMODE(own.stat().st_mode) == 0o600
    assert stat.S_IMODE(user.stat().st_mode) == 0o700
    real = jupyter_reads(["ServerApp.ip", "ServerApp.disable_check_xsrf",
                          "ServerApp.trust_xheaders", "ServerApp.allow_origin"])
    assert real["values"] == {"ServerApp.ip": "127.0.0.1", "ServerApp.disable_check_xsrf": False,
                              "ServerApp.trust_xheaders": False, "ServerApp.allow_origin": ""}
    assert data["IdentityProvider"]["token"] not in result.output
