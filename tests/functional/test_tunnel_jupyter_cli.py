"""The tunnel and jupyter CLI: exit codes, one-line errors, --json, file modes."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from plugins.ssh_host import SshClient, write_client

from labtools.cli import cli
from labtools.keys import KeyPair, generate_key
from labtools.secret_registry import known_secrets

runner = CliRunner()


def invoke(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def test_ssh_config_block() -> None:
    code, out, _ = invoke("tunnel", "ssh-config", "gpu", "--hostname", "10.1.2.3", "-p", "2222",
                          "-l", "ada", "-J", "bastion", "-L", "8888:localhost:8888")
    assert code == 0
    assert out.startswith("Host gpu\n") and "    Port 2222\n" in out
    assert "LocalForward 127.0.0.1:8888 localhost:8888" in out


def test_bad_forward_is_one_line_usage_error() -> None:
    code, _, err = invoke("tunnel", "open", "gpu", "-L", "0.0.0.0:1:h:2")
    assert code == 1
    assert err.startswith("labtools: error: forward '0.0.0.0:1:h:2' binds '0.0.0.0'")
    assert len(err.strip().splitlines()) == 1


@pytest.mark.requires_tool("ssh-keygen")
@pytest.mark.parametrize("key_type", ["ed25519", "rsa"])
def test_keygen(tmp_path: Path, key_type: str) -> None:
    target = tmp_path / "keys" / f"id_{key_type}"
    code, out, _ = invoke("tunnel", "keygen", "--type", key_type, "--file", str(target),
                          "--json")
    assert code == 0
    data = json.loads(out)
    assert data["type"] == key_type and data["fingerprint"].startswith("SHA256:")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "PRIVATE KEY" not in out
    assert target.read_text() in known_secrets()
    if key_type == "rsa":
        assert len(data["public_text"]) > 500  # a 4096-bit modulus
    code, _, err = invoke("tunnel", "keygen", "--type", key_type, "--file", str(target))
    assert code == 1 and "already exists" in err


def test_jupyter_config_and_audit(tmp_path: Path) -> None:
    out_file = tmp_path / "cfg" / "jupyter_server_config.json"
    code, out, _ = invoke("jupyter", "config", "--password", "--out", str(out_file), "--json",
                          input="a long enough passphrase\n")
    assert code == 0, out
    data = json.loads(out_file.read_text())
    assert stat.S_IMODE(out_file.stat().st_mode) == 0o600
    assert data["ServerApp"]["ip"] == "127.0.0.1"
    assert data["PasswordIdentityProvider"]["hashed_password"].startswith("argon2:")
    assert len(data["IdentityProvider"]["token"]) == 48
    assert data["IdentityProvider"]["token"] not in out
    assert "passphrase" not in out
    code, out, _ = invoke("jupyter", "audit", str(out_file))
    assert code == 0 and "no findings" in out


def test_jupyter_config_default_location() -> None:
    code, out, _ = invoke("jupyter", "config", "--json")
    assert code == 0
    path = Path(json.loads(out)["path"])
    assert path.name == "jupyter_server_config.json" and path.exists()
    assert invoke("jupyter", "audit")[0] == 0


@pytest.mark.parametrize(
    ("settings", "mode", "code"),
    [
        ({"ServerApp": {"ip": "0.0.0.0"}}, 0o600, "open-ip"),
        ({"ServerApp": {"ip": "*"}}, 0o600, "open-ip"),
        ({"IdentityProvider": {"token": ""}}, 0o600, "no-auth"),
        ({"PasswordIdentityProvider": {"hashed_password": "sha1:ab:" + "1" * 40}}, 0o600,
         "sha1-hash"),
        ({"ServerApp": {"allow_root": True}}, 0o600, "allow-root"),
        ({"IdentityProvider": {"token": "t" * 48}}, 0o644, "world-readable"),
        ({"ServerApp": {"ip": "127.0.0.1"}}, 0o666, "world-readable"),
    ],
)
def test_audit_findings_on_crafted_configs(
    tmp_path: Path, settings: dict[str, object], mode: int, code: str
) -> None:
    path = tmp_path / "jupyter_server_config.json"
    path.write_text(json.dumps(settings))
    path.chmod(mode)
    status, out, _ = invoke("jupyter", "audit", str(path), "--json")
    assert status == 1
    assert code in [f["code"] for f in json.loads(out)["findings"]]


def test_audit_missing_file(tmp_path: Path) -> None:
    status, _, err = invoke("jupyter", "audit", str(tmp_path / "nope.json"))
    assert status == 1 and "no Jupyter config at" in err


def test_tunnel_close_needs_an_id() -> None:
    status, _, err = invoke("tunnel", "close")
    assert status == 1 and "pass an ID or --all" in err
    status, _, err = invoke("tunnel", "close", "deadbeef")
    assert status == 1 and "no running tunnel with id 'deadbeef'" in err


@pytest.mark.integration
@pytest.mark.requires_tool("sshd", "ssh")
def test_wrong_key_cli_one_line(
    ssh_client: SshClient, http_target: int, tmp_path: Path
) -> None:
    stranger: KeyPair = generate_key(path=tmp_path / "stranger")
    config = write_client(tmp_path / "c", stranger, {"labhost": ssh_client.host})
    status, out, err = invoke("tunnel", "open", "labhost", "-F", str(config),
                              "-L", f"0:127.0.0.1:{http_target}")
    assert status == 1 and out == ""
    assert err.count("\n") == 1
    assert "Permission denied (publickey)" in err


@pytest.mark.integration
@pytest.mark.requires_tool("sshd", "ssh")
def test_background_open_list_close(ssh_client: SshClient, http_target: int) -> None:
    status, out, err = invoke("tunnel", "open", ssh_client.alias, "-F", str(ssh_client.config),
                              "-L", f"0:127.0.0.1:{http_target}", "--wait-http", "/",
                              "--background", "--json")
    assert status == 0, err
    opened = json.loads(out)
    try:
        status, out, _ = invoke("tunnel", "list", "--json")
        assert [t["id"] for t in json.loads(out)] == [opened["id"]]
    finally:
        status, out, _ = invoke("tunnel", "close", "--all", "--json")
    assert json.loads(out) == {"closed": [opened["id"]]}
    assert json.loads(invoke("tunnel", "list", "--json")[1]) == []
