"""Secure Jupyter settings, config parsing (.py via ast, .json, command lines) and audit rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from labtools.jupyter import merge_settings, replace_insecure, secure_settings
from labtools.jupyter_audit import audit_settings, effective, file_findings
from labtools.jupyter_sources import (
    Setting,
    Source,
    parse_command,
    parse_command_file,
    parse_json,
    parse_py,
)
from labtools.remote import find_server, launcher, server_script

CFG = Path("/cfg/jupyter_server_config.json")


def settings_of(data: dict[str, Any]) -> dict[str, Setting]:
    return {f"{s}.{n}": Setting(s, n, v, CFG, 1) for s, vals in data.items()
            for n, v in vals.items()}


def codes(data: dict[str, Any], home: str | None = "/home/u") -> set[str]:
    return {f.code for f in audit_settings(settings_of(data), home=home)}


def test_secure_settings_pass_the_audit() -> None:
    data = secure_settings(token="t" * 48, hashed_password="argon2:$argon2id$v=19$x")
    assert data["ServerApp"]["ip"] == "127.0.0.1"
    assert data["ServerApp"]["open_browser"] is False
    assert codes(data) == set()


@pytest.mark.parametrize("ip", ["0.0.0.0", "*", "", "::"])
def test_open_ip_without_tls_and_with_terminals(ip: str) -> None:
    assert codes({"ServerApp": {"ip": ip}}) == {"open-ip", "no-tls", "terminals"}
    assert codes({"ServerApp": {"ip": ip, "certfile": "/c.pem", "terminals_enabled": False}}
                 ) == {"open-ip"}


def test_loopback_and_network_addresses() -> None:
    for ip in ("127.0.0.1", "127.0.1.1", "localhost", "::1", "[::1]"):
        assert codes({"ServerApp": {"ip": ip}}) == set(), ip
    assert "network-ip" in codes({"ServerApp": {"ip": "10.1.2.3"}})


@pytest.mark.parametrize(("data", "code"), [
    ({"ServerApp": {"allow_remote_access": True}}, "remote-access"),
    ({"ServerApp": {"allow_root": True}}, "allow-root"),
    ({"ServerApp": {"allow_origin": "*"}}, "any-origin"),
    ({"ServerApp": {"allow_origin_pat": ".*"}}, "any-origin-pat"),
    ({"ServerApp": {"allow_origin": "https://a.org", "allow_credentials": True}},
     "cors-credentials"),
    ({"ServerApp": {"disable_check_xsrf": True}}, "no-xsrf"),
    ({"ServerApp": {"trust_xheaders": True}}, "trust-xheaders"),
    ({"ServerApp": {"authenticate_prometheus": False}}, "open-metrics"),
    ({"ServerApp": {"terminals_enabled": True}}, "terminals"),
    ({"ServerApp": {"open_browser": True}}, "open-browser"),
    ({"ServerApp": {"root_dir": "/"}}, "root-dir"),
    ({"ServerApp": {"root_dir": "/home/u/"}}, "root-dir"),
    ({"NotebookApp": {"notebook_dir": "~"}}, "root-dir"),
    ({"IdentityProvider": {"token": ""}}, "no-auth"),
    ({"NotebookApp": {"token": ""}}, "no-auth"),
    ({"IdentityProvider": {"token": "letmein"}}, "weak-token"),
    ({"PasswordIdentityProvider": {"hashed_password": "sha1:ab:" + "1" * 40}}, "sha1-hash"),
    ({"ServerApp": {"password": "sha256:ab:" + "1" * 64}}, "weak-hash"),
    ({"NotebookApp": {"password": "hunter2hunter2"}}, "plain-password"),
])
def test_each_door_is_found(data: dict[str, Any], code: str) -> None:
    assert code in codes(data)


def test_anchored_origin_pattern_and_passwords_are_fine() -> None:
    assert codes({"ServerApp": {"allow_origin_pat": r"^https://lab\.example\.org$"}}) == set()
    assert codes({"IdentityProvider": {"token": ""},
                  "PasswordIdentityProvider": {"hashed_password": "argon2:$argon2id$x"}}) == set()


def test_findings_name_file_line_and_hide_secrets() -> None:
    text = '{\n  "ServerApp": {\n    "ip": "0.0.0.0",\n    "token": "short"\n  }\n}\n'
    found = audit_settings(effective([Source(CFG, "json", tuple(parse_json(text, CFG)))]))
    by_code = {f.code: f for f in found}
    assert (by_code["open-ip"].file, by_code["open-ip"].line) == (CFG, 3)
    assert by_code["weak-token"].line == 4 and "short" not in by_code["weak-token"].message


def test_parse_py_reads_literals_by_ast_without_running_it() -> None:
    text = ("c = get_config()  # noqa\nimport os\nos.system('rm -rf /')\n"
            "c.ServerApp.ip = '0.0.0.0'  # all\nif True:\n    c.ServerApp.allow_root = True\n"
            "c.IdentityProvider.token = os.environ['TOKEN']\n")
    by_key = {s.key: s for s in parse_py(text)}
    assert by_key["ServerApp.ip"].value == "0.0.0.0" and by_key["ServerApp.ip"].line == 4
    assert by_key["ServerApp.allow_root"].value is True and by_key["ServerApp.allow_root"].line == 6
    token = by_key["IdentityProvider.token"]
    assert not token.literal and "unchecked" in {f.code for f in audit_settings(by_key)}
    with pytest.raises(SyntaxError):
        parse_py("c.ServerApp.ip = \n")


def test_command_lines_in_units_scripts_and_kernels() -> None:
    unit = ("[Service]\nEnvironment=JUPYTER_TOKEN=\nExecStart=/opt/conda/bin/jupyter lab \\\n"
            "    --ip=0.0.0.0 --port 8888 --allow-root --no-browser\n")
    by_key = {s.key: s for s in parse_command_file(unit, Path("/etc/jl.service"))}
    assert by_key["ServerApp.ip"].value == "0.0.0.0" and by_key["ServerApp.ip"].line == 3
    assert by_key["ServerApp.port"].value == 8888
    assert by_key["ServerApp.allow_root"].value is True
    assert by_key["ServerApp.open_browser"].value is False
    assert by_key["IdentityProvider.token"].value == "" and by_key["IdentityProvider.token"].kind \
        == "env"
    argv = ["python", "-m", "jupyter_server", "--IdentityProvider.token=abc", "--ServerApp.ip",
            "*"]
    flags = {s.key: s for s in parse_command(argv)}
    assert flags["ServerApp.ip"].value == "*"
    assert "token-on-command-line" in {f.code for f in audit_settings(flags)}
    kernel = '{"argv": ["jupyter", "notebook", "--NotebookApp.token=", "--ip=*"]}'
    assert {s.key for s in parse_command_file(kernel)} == {"NotebookApp.token", "ServerApp.ip"}
    assert parse_command(["python", "script.py", "--ip=0.0.0.0"]) == []


def test_later_sources_win() -> None:
    low = Source(Path("/etc/jupyter/jupyter_server_config.json"), "json",
                 (Setting("ServerApp", "ip", "0.0.0.0", Path("/etc/j"), 2),))
    high = Source(CFG, "json", (Setting("ServerApp", "ip", "127.0.0.1", CFG, 3),))
    assert codes({}) == set()
    assert "open-ip" not in {f.code for f in audit_settings(effective([low, high]))}
    assert "open-ip" in {f.code for f in audit_settings(effective([high, low]))}


def test_file_findings_mode_owner_legacy_and_errors() -> None:
    source = Source(CFG, "json", (Setting("NotebookApp", "ip", "*", CFG, 2),
                                  Setting("NotebookApp", "token", "t" * 48, CFG, 3)),
                    mode=0o644, uid=None, folder_mode=0o777, folder_uid=None)
    assert {f.code for f in file_findings(source)} == {"legacy-section", "world-readable",
                                                      "foreign-writable"}
    plain = Source(CFG, "json", (Setting("ServerApp", "port", 1, CFG, 2),), mode=0o644)
    assert file_findings(plain) == []  # settings without a secret may be readable
    broken = Source(CFG, "py", error="Python cannot parse it (invalid syntax)", error_line=7)
    (error,) = file_findings(broken)
    assert (error.code, error.line) == ("config-error", 7)


def test_merge_keeps_other_settings_and_drops_legacy() -> None:
    merged = merge_settings({"ServerApp": {"ip": "0.0.0.0", "root_dir": "/data", "token": "x"},
                             "NotebookApp": {"ip": "*"}},
                            secure_settings(token="t" * 48, hashed_password=None))
    assert merged["ServerApp"]["ip"] == "127.0.0.1"
    assert merged["ServerApp"]["root_dir"] == "/data"
    assert "token" not in merged["ServerApp"] and "NotebookApp" not in merged


def test_replace_insecure_counters_every_replaceable_finding() -> None:
    other = Path("/etc/jupyter/jupyter_server_config.py")
    data = {"ServerApp": {"ip": "127.0.0.1", "root_dir": "/", "disable_check_xsrf": True},
            "PasswordIdentityProvider": {"hashed_password": "sha1:a:" + "0" * 40}}
    found = audit_settings({
        **settings_of(data),
        "ServerApp.trust_xheaders": Setting("ServerApp", "trust_xheaders", True, other, 9),
    }, home="/home/u")
    fixed = replace_insecure(data, found, own=CFG, new_password=False)
    assert fixed["ServerApp"]["disable_check_xsrf"] is False
    assert fixed["ServerApp"]["trust_xheaders"] is False  # overrides the other file's value
    assert "root_dir" not in fixed["ServerApp"]
    assert "hashed_password" not in fixed["PasswordIdentityProvider"]


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
