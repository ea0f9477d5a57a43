"""Secure Jupyter settings and the audit rules (pure functions)."""

from __future__ import annotations

from typing import Any

import pytest

from labtools.jupyter import audit_settings, merge_settings, parse_python_config, secure_settings
from labtools.remote import find_server, launcher, server_script


def codes(data: dict[str, Any], mode: int | None = None) -> set[str]:
    return {f.code for f in audit_settings(data, mode)}


def test_secure_settings_pass_the_audit() -> None:
    data = secure_settings(token="t" * 48, hashed_password="argon2:$argon2id$v=19$x")
    assert data["ServerApp"]["ip"] == "127.0.0.1"
    assert data["ServerApp"]["open_browser"] is False
    assert codes(data, 0o100600) == set()


@pytest.mark.parametrize("ip", ["0.0.0.0", "*", ""])
def test_open_ip(ip: str) -> None:
    assert "open-ip" in codes({"ServerApp": {"ip": ip}})


def test_empty_token_without_password() -> None:
    assert "no-auth" in codes({"IdentityProvider": {"token": ""}})
    assert "no-auth" not in codes({"IdentityProvider": {"token": ""},
                                   "PasswordIdentityProvider": {"hashed_password": "argon2:x"}})


def test_sha1_allow_root_legacy_and_mode() -> None:
    data = {"NotebookApp": {"password": "sha1:abcd:" + "0" * 40, "allow_root": True}}
    assert codes(data, 0o100644) == {"sha1-hash", "allow-root", "legacy-section",
                                     "world-readable"}
    assert "world-readable" not in codes({}, 0o100640)


def test_merge_keeps_other_settings_and_drops_legacy() -> None:
    merged = merge_settings({"ServerApp": {"ip": "0.0.0.0", "root_dir": "/data", "token": "x"},
                             "NotebookApp": {"ip": "*"}},
                            secure_settings(token="t" * 48, hashed_password=None))
    assert merged["ServerApp"]["ip"] == "127.0.0.1"
    assert merged["ServerApp"]["root_dir"] == "/data"
    assert "token" not in merged["ServerApp"] and "NotebookApp" not in merged


def test_parse_python_config() -> None:
    text = "c = get_config()\nc.ServerApp.ip = '0.0.0.0'  # all\nc.ServerApp.allow_root = True\n"
    data = parse_python_config(text)
    assert data == {"ServerApp": {"ip": "0.0.0.0", "allow_root": True}}
    assert codes(data) == {"open-ip", "allow-root"}


def test_find_server_matches_token() -> None:
    listing = '{"port": 1, "token": "other"}\nnot json\n{"port": 2, "token": "mine", "pid": 7}\n'
    assert find_server(listing, "mine") == {"port": 2, "token": "mine", "pid": 7}
    assert find_server(listing, "absent") is None


def test_remote_script_keeps_token_off_the_command_line() -> None:
    script = server_script(launcher(env="py311-torch"), allow_root=False)
    assert "conda run --no-capture-output -n py311-torch jupyter server" in script
    assert "--ServerApp.ip=127.0.0.1" in script and "--allow-root" not in script
    assert "read -r JUPYTER_TOKEN" in script
    assert launcher(python="/opt/py/bin/python") == "/opt/py/bin/python -m jupyter"
