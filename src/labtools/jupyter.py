"""Secure Jupyter server configuration.

A config labtools writes binds 127.0.0.1 (reach it through an SSH tunnel), does not open a
browser, carries a random token and optionally an argon2 password hash, and is only
readable by its owner (0600 in a 0700 folder, never written through a symlink). It keeps
no unsafe setting it finds: :mod:`labtools.jupyter_audit` names them, this module
replaces them.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labtools.errors import ConfigError
from labtools.jupyter_audit import AuditReport, Finding
from labtools.secret_registry import register_secret

if TYPE_CHECKING:
    from labtools.jupyter_sources import Source

CONFIG_NAME = "jupyter_server_config.json"


@dataclass(frozen=True)
class ServerConfig:
    """Where a secure config was written and what it contains (never the secrets)."""

    path: Path
    ip: str
    token: bool
    password: bool
    mode: str
    #: unsafe settings found (in the file or one Jupyter reads before it) and replaced
    replaced: tuple[Finding, ...] = ()
    #: unsafe settings only another file can fix (reported, see `jupyter audit`)
    remaining: tuple[Finding, ...] = ()


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


#: finding code -> (setting name, the safe value ``jupyter config`` writes in its place)
REPLACEMENTS: dict[str, tuple[str, Any]] = {
    "open-ip": ("ip", "127.0.0.1"), "network-ip": ("ip", "127.0.0.1"),
    "no-tls": ("ip", "127.0.0.1"), "remote-access": ("allow_remote_access", False),
    "allow-root": ("allow_root", False), "any-origin": ("allow_origin", ""),
    "any-origin-pat": ("allow_origin_pat", ""), "cors-credentials": ("allow_credentials", False),
    "no-xsrf": ("disable_check_xsrf", False), "trust-xheaders": ("trust_xheaders", False),
    "open-metrics": ("authenticate_prometheus", True),
    "terminals": ("terminals_enabled", False), "open-browser": ("open_browser", False),
}
_HASHES = {"sha1-hash", "weak-hash", "plain-password"}


def replace_insecure(data: dict[str, Any], findings: Sequence[Finding], *, own: Path,
                     new_password: bool) -> dict[str, Any]:
    """*data* (the file about to be written) with every finding countered where it can be (pure).

    A setting of ours that exposes the server is replaced by the safe value; one from a
    file Jupyter reads before ours is overridden in ours. A weak password hash is dropped
    (ours) or blanked (elsewhere): log in with the token, or set one with ``--password``.
    """
    out = {k: dict(v) if isinstance(v, Mapping) else v for k, v in data.items()}
    for f in findings:
        if f.setting is None:
            continue
        section, _, name = f.setting.partition(".")
        if section == "NotebookApp":
            continue  # read by the classic notebook from its own files; reported, not ours
        if f.code in REPLACEMENTS and section == "ServerApp":
            key, value = REPLACEMENTS[f.code]
            if key == name:  # not the exposed-terminals note on ip: ip itself is replaced
                out.setdefault("ServerApp", {})[key] = value
        elif f.code in _HASHES and not new_password:
            if f.file == own:
                out.get(section, {}).pop(name, None)
            else:
                out.setdefault(section, {})[name] = ""
        elif f.code == "root-dir" and f.file == own:
            out.get(section, {}).pop(name, None)
    return out


def _sources_around(path: Path, own: Source) -> tuple[list[Source], int]:
    """The config sources Jupyter reads with *own* in its place (alone when not read)."""
    from labtools.jupyter_sources import config_files, read_source

    files = config_files(extra=path)
    real = os.path.realpath(path)
    place = next((i for i, f in enumerate(files) if os.path.realpath(f) == real), None)
    if place is None:
        return [own], 0
    sources = [own if i == place else read_source(f) for i, f in enumerate(files)]
    return sources, place


def write_server_config(*, out: Path | None = None, password: str | None = None) -> ServerConfig:
    """Write (or tighten) a ``jupyter_server_config.json``: 127.0.0.1, token, 0600 in 0700.

    Every unsafe setting found in the file, or in a config file Jupyter reads before it,
    is replaced (see :func:`replace_insecure`) and reported in ``replaced``; what only
    another file can fix is reported in ``remaining``. A symlink or someone else's file
    at the path is refused, never followed.
    """
    from labtools.jupyter_audit import audit_sources
    from labtools.jupyter_sources import Source, parse_json, read_source
    from labtools.secretfile import check_target, private_dir, read_private, write_secret

    shown = (out or default_config_path()).expanduser()  # the path as the user gave it
    path = shown.absolute()
    private_dir(path.parent)
    existing: dict[str, Any] = {}
    own = Source(path, "json")
    if check_target(path):
        text = read_private(path)
        existing = _parse_json(text, path) if text.strip() else {}
        own = read_source(path)
    hashed = hash_password(password) if password is not None else None
    token = register_secret(secrets.token_hex(24))
    sources, place = _sources_around(path, own)
    before = audit_sources(sources)
    data = merge_settings(existing, secure_settings(token=token, hashed_password=hashed))
    data = replace_insecure(data, before, own=path, new_password=hashed is not None)
    body = json.dumps(data, indent=2) + "\n"
    sources[place] = Source(path, "json", tuple(parse_json(body, path)), mode=0o600,
                            uid=os.geteuid(), folder_mode=0o700, folder_uid=os.geteuid())
    after = audit_sources(sources)
    write_secret(path, body)
    gone = [f for f in before if not _same(f, after)]
    return ServerConfig(path=shown, ip="127.0.0.1", token=True,
                        password=hashed is not None or _has_password(data), mode="0600",
                        replaced=tuple(gone), remaining=tuple(after))


def _same(finding: Finding, others: Sequence[Finding]) -> bool:
    return any(o.code == finding.code and o.setting == finding.setting and o.file == finding.file
               for o in others)


def read_token(path: Path) -> str:
    """The token stored in a config labtools wrote (registered as a secret)."""
    from labtools.secretfile import read_private

    data = _parse_json(read_private(path), path)
    token = data.get("IdentityProvider", {}).get("token")
    if not token:
        raise ConfigError(f"{path} has no IdentityProvider.token",
                          hint="write one with `labtools jupyter config`")
    return register_secret(str(token))


def _parse_json(text: str, path: Path) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", 1)
        raise ConfigError(f"{path}:{line}: not valid JSON ({getattr(exc, 'msg', exc)})",
                          hint="fix or remove the file") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} is not a JSON object", hint="fix or remove the file")
    return data


def _has_password(data: Mapping[str, Any]) -> bool:
    def get(section: str, key: str) -> Any:
        values = data.get(section)
        return values.get(key) if isinstance(values, Mapping) else None

    return any(get(s, k) for s, k in (("PasswordIdentityProvider", "hashed_password"),
                                      ("ServerApp", "password")))


__all__ = ["AuditReport", "Finding", "ServerConfig", "read_token", "write_server_config"]
