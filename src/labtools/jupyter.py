"""Secure Jupyter server configuration and an audit of existing configs.

A config labtools writes binds 127.0.0.1 (reach it through an SSH tunnel), does not open a
browser, carries a random token and optionally an argon2 password hash, and is only
readable by its owner. The audit flags what the usual copy-pasted recipes get wrong.
"""

from __future__ import annotations

import ast
import json
import os
import re
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labtools.errors import ConfigError
from labtools.secret_registry import register_secret

CONFIG_NAME = "jupyter_server_config.json"
OPEN_ADDRESSES = {"0.0.0.0", "*", "", "::", "[::]"}


@dataclass(frozen=True)
class ServerConfig:
    """Where a secure config was written and what it contains (never the secrets)."""

    path: Path
    ip: str
    token: bool
    password: bool
    mode: str


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    fix: str


@dataclass(frozen=True)
class AuditReport:
    path: Path
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not self.findings


def default_config_path() -> Path:
    from jupyter_core.paths import jupyter_config_dir

    return Path(jupyter_config_dir()) / CONFIG_NAME


def hash_password(password: str) -> str:
    """An argon2 hash through ``jupyter_server.auth.passwd`` (both registered as secrets)."""
    from jupyter_server.auth.security import passwd

    if len(password) < 8:
        raise ConfigError("the password is shorter than 8 characters",
                          hint="choose a longer passphrase")
    register_secret(password)
    return register_secret(str(passwd(password, algorithm="argon2")))  # type: ignore[no-untyped-call]


def secure_settings(*, token: str, hashed_password: str | None) -> dict[str, Any]:
    """The settings labtools enforces (pure)."""
    settings: dict[str, Any] = {
        "ServerApp": {"ip": "127.0.0.1", "open_browser": False, "allow_remote_access": False,
                      "allow_root": False},
        "IdentityProvider": {"token": token},
    }
    if hashed_password is not None:
        settings["PasswordIdentityProvider"] = {"hashed_password": hashed_password,
                                                "password_required": True}
    return settings


def merge_settings(existing: Mapping[str, Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    """*existing* with *settings* laid over it section by section; legacy sections dropped."""
    merged: dict[str, Any] = {k: dict(v) if isinstance(v, Mapping) else v
                              for k, v in existing.items() if k != "NotebookApp"}
    for section, values in settings.items():
        merged.setdefault(section, {}).update(values)
    server = merged.get("ServerApp", {})
    for legacy in ("token", "password"):  # moved to the identity providers in jupyter_server 2
        server.pop(legacy, None)
    return merged


def write_server_config(*, out: Path | None = None, password: str | None = None) -> ServerConfig:
    """Write (or tighten) a ``jupyter_server_config.json``: 127.0.0.1, token, 0600."""
    path = (out or default_config_path()).expanduser()
    existing: dict[str, Any] = {}
    if path.exists():
        existing = _load_json(path)
    token = register_secret(secrets.token_hex(24))
    hashed = hash_password(password) if password is not None else None
    data = merge_settings(existing, secure_settings(token=token, hashed_password=hashed))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
            fh.write("\n")
        os.chmod(tmp, 0o600)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return ServerConfig(path=path, ip="127.0.0.1", token=True,
                        password=hashed is not None or _has_password(data), mode="0600")


def read_token(path: Path) -> str:
    """The token stored in a config labtools wrote (registered as a secret)."""
    token = _load_json(path).get("IdentityProvider", {}).get("token")
    if not token:
        raise ConfigError(f"{path} has no IdentityProvider.token",
                          hint="write one with `labtools jupyter config`")
    return register_secret(str(token))


def _load_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}", hint="fix or remove the file") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} is not a JSON object", hint="fix or remove the file")
    return data


_PY_LINE = re.compile(r"^\s*c\.(\w+)\.(\w+)\s*=\s*(.+?)\s*(#.*)?$")


def parse_python_config(text: str) -> dict[str, Any]:
    """The literal ``c.Section.name = value`` assignments of a ``*_config.py`` (pure)."""
    data: dict[str, dict[str, Any]] = {}
    for line in text.splitlines():
        match = _PY_LINE.match(line)
        if not match:
            continue
        try:
            value = ast.literal_eval(match.group(3))
        except (ValueError, SyntaxError):
            value = match.group(3)
        data.setdefault(match.group(1), {})[match.group(2)] = value
    return data


def _get(data: Mapping[str, Any], section: str, key: str) -> Any:
    values = data.get(section)
    return values.get(key) if isinstance(values, Mapping) else None


def _has_password(data: Mapping[str, Any]) -> bool:
    return any(_get(data, s, k) for s, k in (("PasswordIdentityProvider", "hashed_password"),
                                             ("ServerApp", "password"),
                                             ("NotebookApp", "password")))


def audit_settings(data: Mapping[str, Any], mode: int | None = None) -> list[Finding]:
    """Findings for a parsed config (pure); *mode* is the file's permission bits."""
    found: list[Finding] = []
    for section in ("ServerApp", "NotebookApp"):
        ip = _get(data, section, "ip")
        if ip is not None and str(ip) in OPEN_ADDRESSES:
            found.append(Finding("open-ip", f"{section}.ip = {ip!r} listens on every interface",
                                 "bind 127.0.0.1 and reach the server through an SSH tunnel"))
        if _get(data, section, "allow_root") is True:
            found.append(Finding("allow-root", f"{section}.allow_root is true: code in every "
                                 "notebook runs as root", "run Jupyter as a normal user"))
        if _get(data, section, "allow_origin") == "*":
            found.append(Finding("any-origin", f"{section}.allow_origin = '*' lets any web page "
                                 "call the server", "remove allow_origin"))
        if _get(data, section, "disable_check_xsrf") is True:
            found.append(Finding("no-xsrf", f"{section}.disable_check_xsrf is true",
                                 "remove disable_check_xsrf"))
    tokens = [_get(data, s, "token") for s in ("IdentityProvider", "ServerApp", "NotebookApp")]
    if any(t == "" for t in tokens) and not _has_password(data):
        found.append(Finding("no-auth", "the token is empty and no password is set: anyone who "
                             "reaches the port runs code", "run `labtools jupyter config`"))
    for section, key in (("PasswordIdentityProvider", "hashed_password"),
                         ("ServerApp", "password"), ("NotebookApp", "password")):
        value = _get(data, section, key)
        if isinstance(value, str) and value.startswith("sha1:"):
            found.append(Finding("sha1-hash", f"{section}.{key} is a salted SHA-1 hash, fast to "
                                 "brute-force",
                                 "re-hash with `labtools jupyter config --password`"))
    if "NotebookApp" in data:
        found.append(Finding("legacy-section", "NotebookApp settings are ignored by "
                             "jupyter_server", "move them to ServerApp / IdentityProvider"))
    if mode is not None and mode & (stat.S_IROTH | stat.S_IWOTH):
        how = "readable" if mode & stat.S_IROTH else "writable"
        found.append(Finding("world-readable", f"the file is {how} by every user "
                             f"(mode {mode & 0o777:o})", "chmod 600 the file"))
    return found


def audit_config(path: Path | None = None) -> AuditReport:
    """Audit a Jupyter server config file (JSON or ``*_config.py``)."""
    path = (path or default_config_path()).expanduser()
    if not path.exists():
        raise ConfigError(f"no Jupyter config at {path}",
                          hint="pass the file to audit, or write one: labtools jupyter config")
    if path.suffix == ".py":
        data = parse_python_config(path.read_text(encoding="utf-8"))
    else:
        data = _load_json(path)
    for secret in (_get(data, s, k) for s, k in (("IdentityProvider", "token"),
                                                ("ServerApp", "token"), ("NotebookApp", "token"))):
        if isinstance(secret, str) and secret:
            register_secret(secret)
    return AuditReport(path=path, findings=tuple(audit_settings(data, path.stat().st_mode)))
