"""The audit of a Jupyter server's doors: every setting that exposes it, with file, line and fix.

:func:`audit_config` reads every config source Jupyter Server reads
(:mod:`labtools.jupyter_sources`), works out the value each setting really takes (later
sources win, the command line last) and runs the rules of :func:`audit_settings` on it:
the bind address and TLS, ``allow_remote_access``, empty or weak tokens and password
hashes, CORS (``allow_origin``, ``allow_origin_pat``, ``allow_credentials``), xsrf
checks, ``allow_root``, ``trust_xheaders``, terminals, ``open_browser`` with the token in
the URL, a ``root_dir`` at ``/`` or the home folder, an unauthenticated metrics endpoint,
tokens on a command line, and config files that others can read or change.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labtools.errors import ConfigError
from labtools.jupyter_sources import Setting, Source, config_dirs, config_files, read_source
from labtools.secret_registry import register_secret

APPS = ("ServerApp", "NotebookApp")
OPEN_ADDRESSES = {"0.0.0.0", "*", "", "::", "[::]"}
MIN_TOKEN = 32
SECRET_KEYS = {"token", "password", "hashed_password"}
TUNNEL = "bind 127.0.0.1 and reach the server through an SSH tunnel (labtools tunnel open)"


@dataclass(frozen=True)
class Finding:
    """One way in, where it is set and the fix; ``code`` is stable for scripts."""

    code: str
    message: str
    fix: str
    file: Path | None = None
    line: int | None = None
    setting: str | None = None

    @property
    def where(self) -> str:
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line else str(self.file)


@dataclass(frozen=True)
class AuditReport:
    #: the one file audited; with several files or none named, the user's config folder
    path: Path
    sources: tuple[Path, ...]
    searched: tuple[Path, ...]
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not self.findings


def is_loopback(address: str) -> bool:
    host = address.strip("[]").lower()
    return host == "localhost" or host == "::1" or host.startswith("127.")


def effective(sources: Sequence[Source]) -> dict[str, Setting]:
    """The setting that wins for each ``Section.name`` (sources lowest priority first)."""
    out: dict[str, Setting] = {}
    for source in sources:
        for setting in source.settings:
            out[setting.key] = setting
    return out


def _finding(code: str, message: str, fix: str, at: Setting | None) -> Finding:
    return Finding(code, message, fix, at.file if at else None, at.line if at else None,
                   at.key if at and at.section else None)


def _shown(setting: Setting) -> str:
    return "<hidden>" if setting.name in SECRET_KEYS else repr(setting.value)


def _origin_open(pattern: str) -> bool:
    try:
        return re.match(pattern, "https://attacker.example") is not None
    except re.error:
        return False


def _hash_kind(value: str) -> str | None:
    """None for argon2, else the finding code for a stored password."""
    algo, sep, _ = value.partition(":")
    if sep and algo == "argon2":
        return None
    if sep and algo == "sha1":
        return "sha1-hash"
    if sep and algo in hashlib.algorithms_available:
        return "weak-hash"
    return "plain-password"


def _app_rules(app: str, get: Any, home: str | None) -> list[Finding]:
    found: list[Finding] = []

    def flag(name: str, value: Any, code: str, message: str, fix: str) -> None:
        s = get(app, name)
        if s is not None and s.literal and s.value == value:
            found.append(_finding(code, f"{s.key} is {s.value!r}: {message}", fix, s))

    ip = get(app, "ip")
    exposed = ip is not None and ip.literal and not is_loopback(str(ip.value))
    if exposed:
        wide = str(ip.value) in OPEN_ADDRESSES
        found.append(_finding("open-ip" if wide else "network-ip",
                              f"{ip.key} = {ip.value!r} " + ("listens on every interface"
                              if wide else "is reachable from the network"), TUNNEL, ip))
        cert = get(app, "certfile")
        if cert is None or not cert.value:
            found.append(_finding("no-tls", f"{app} serves {ip.value!r} without TLS (no "
                                  "certfile): the token and all code cross the network in "
                                  "clear text", f"{TUNNEL}, or set certfile and keyfile", ip))
    flag("allow_remote_access", True, "remote-access", "the Host-header check against DNS "
         "rebinding is off", "remove it (bind 127.0.0.1 instead)")
    flag("allow_root", True, "allow-root", "code in every notebook runs as root",
         "run Jupyter as a normal user")
    flag("allow_origin", "*", "any-origin", "any web page may call the server",
         "remove allow_origin")
    pat = get(app, "allow_origin_pat")
    if pat is not None and pat.literal and pat.value and _origin_open(str(pat.value)):
        found.append(_finding("any-origin-pat", f"{pat.key} = {pat.value!r} matches any "
                              "site's origin", "remove it, or anchor it to your own host", pat))
    cors = get(app, "allow_origin") or pat
    if cors is not None and cors.value:
        flag("allow_credentials", True, "cors-credentials", "other sites' pages may call the "
             "server with your cookies", "remove allow_credentials")
    flag("disable_check_xsrf", True, "no-xsrf", "any web page you visit can post to the "
         "server", "remove disable_check_xsrf")
    flag("trust_xheaders", True, "trust-xheaders", "any client can pose as local with "
         "X-Forwarded-For / X-Real-Ip", "remove it unless a proxy you run sets those headers")
    flag("authenticate_prometheus", False, "open-metrics", "/metrics answers without a "
         "token", "remove it (the default asks for a token)")
    terms = get(app, "terminals_enabled")
    if terms is not None and terms.literal and terms.value is True:
        found.append(_finding("terminals", f"{terms.key} is True: every login gets a shell",
                              "set terminals_enabled = False unless you need terminals", terms))
    elif exposed and terms is None and ip is not None:
        found.append(_finding("terminals", f"{app} is reachable from the network with "
                              "terminals on (the default): every login gets a shell",
                              f"{TUNNEL}, or set terminals_enabled = False", ip))
    browser = get(app, "open_browser")
    if browser is not None and browser.literal and browser.value is True:
        redirect = get(app, "use_redirect_file")
        extra = (" and on the browser's command line, which every user sees in ps"
                 if redirect is not None and redirect.value is False else "")
        found.append(_finding("open-browser", f"{browser.key} is True: the browser gets the "
                              f"login URL with the token (kept in its history{extra})",
                              "set open_browser = False and log in with the token file",
                              browser))
    for name in ("root_dir", "notebook_dir"):
        s = get(app, name)
        value = str(s.value).rstrip("/") if s is not None and s.literal else None
        if s is not None and value is not None and value in ("", "~", home):
            found.append(_finding("root-dir", f"{s.key} = {s.value!r} serves every file "
                                  "under it", "set it to the project's folder", s))
    return found


def _auth_rules(get: Any) -> list[Finding]:
    found: list[Finding] = []
    pairs = (("ServerApp", get("IdentityProvider", "token") or get("ServerApp", "token"),
              [get("PasswordIdentityProvider", "hashed_password"), get("ServerApp", "password")]),
             ("NotebookApp", get("NotebookApp", "token"), [get("NotebookApp", "password")]))
    for app, token, passwords in pairs:
        has_password = any(p is not None and p.value for p in passwords)
        if token is not None and token.literal and token.value == "" and not has_password:
            found.append(_finding("no-auth", f"{token.key} is empty and no password is set "
                                  f"({app}): anyone who reaches the port runs code",
                                  "run `labtools jupyter config`", token))
        elif token is not None and token.literal and 0 < len(str(token.value)) < MIN_TOKEN:
            found.append(_finding("weak-token", f"{token.key} has {len(str(token.value))} "
                                  f"characters (fewer than {MIN_TOKEN}): it can be guessed",
                                  "run `labtools jupyter config` for a random 48-digit one",
                                  token))
    for s in (get("PasswordIdentityProvider", "hashed_password"), get("ServerApp", "password"),
              get("NotebookApp", "password")):
        if s is None or not s.literal or not isinstance(s.value, str) or not s.value:
            continue
        kind = _hash_kind(s.value)
        if kind is not None:
            what = {"sha1-hash": "a salted SHA-1 hash, fast to brute-force",
                    "weak-hash": "a fast salted hash, not argon2",
                    "plain-password": "not a hash: the password itself"}[kind]
            found.append(_finding(kind, f"{s.key} is {what}",
                                  "re-hash with `labtools jupyter config --password`", s))
    return found


def audit_settings(settings: Mapping[str, Setting], *, home: str | None = None
                   ) -> list[Finding]:
    """Findings for the effective settings (``Section.name`` -> the winning Setting; pure)."""
    def get(section: str, name: str) -> Setting | None:
        return settings.get(f"{section}.{name}")

    found: list[Finding] = []
    for app in APPS:
        found += _app_rules(app, get, home)
    found += _auth_rules(get)
    for s in settings.values():
        if s.kind == "command" and s.name in SECRET_KEYS and s.value:
            found.append(_finding("token-on-command-line", f"{s.key} is given on a command "
                                  "line, which every user sees in ps", "pass it in "
                                  "JUPYTER_TOKEN or a 0600 config file", s))
        if not s.literal and s.name in _CHECKED:
            found.append(_finding("unchecked", f"{s.key} is computed at start-up "
                                  f"({s.value}); the audit cannot check its value",
                                  "write the value as a literal", s))
    return found


_CHECKED = {"ip", "allow_remote_access", "allow_root", "allow_origin", "allow_origin_pat",
            "disable_check_xsrf", "trust_xheaders", "token", "password", "hashed_password",
            "terminals_enabled", "open_browser", "root_dir", "notebook_dir", "certfile"}


def file_findings(source: Source) -> list[Finding]:
    """What is wrong with a config file itself: unreadable, legacy, open to others."""
    at = Setting("", "", None, source.path, source.error_line)
    found: list[Finding] = []
    if source.error:
        found.append(_finding("config-error", f"Jupyter cannot load this file: {source.error}; "
                              "none of its settings apply", "fix it or remove it", at))
    legacy = [s for s in source.settings if s.section == "NotebookApp"]
    if legacy and source.kind != "command" and "jupyter_notebook_config" not in source.path.name:
        found.append(_finding("legacy-section", "NotebookApp settings are ignored by "
                              "jupyter_server", "move them to ServerApp / IdentityProvider",
                              legacy[0]))
    me = os.geteuid()
    secret = any(s.name in SECRET_KEYS and s.value for s in source.settings)
    if source.mode is not None and (source.mode & stat.S_IWOTH
                                    or (secret and source.mode & stat.S_IROTH)):
        how = "writable" if source.mode & stat.S_IWOTH else "readable"
        what = "a token or password hash" if secret else "settings"
        found.append(_finding("world-readable", f"the file holds {what} and is {how} by every "
                              f"user (mode {source.mode:o})", f"chmod 600 {source.path}",
                              Setting("", "", None, source.path, None)))
    open_folder = source.folder_mode is not None and source.folder_mode & stat.S_IWOTH \
        and not source.folder_mode & stat.S_ISVTX
    foreign = source.uid not in (None, me, 0) or source.folder_uid not in (None, me, 0)
    if (source.mode is not None and source.mode & stat.S_IWGRP) or open_folder or foreign:
        found.append(_finding("foreign-writable", "someone else can change this file or "
                              "swap it (its owner, group or folder): a config .py runs as you",
                              f"chown it and its folder to yourself; chmod 600 {source.path}",
                              Setting("", "", None, source.path, None)))
    return found


def audit_sources(sources: Sequence[Source]) -> list[Finding]:
    """Findings for these sources read together, lowest priority first."""
    found: list[Finding] = []
    for source in sources:
        found += file_findings(source)
        for s in source.settings:
            if s.name in SECRET_KEYS and isinstance(s.value, str) and s.value:
                register_secret(s.value)
    return audit_settings(effective(sources), home=os.path.expanduser("~")) + found


def audit_config(paths: Sequence[Path] | Path | None = None, *,
                 services: Sequence[Path] = ()) -> AuditReport:
    """Audit named files, or (none named) every config source Jupyter Server reads.

    *services* are files holding the command line that starts the server (a systemd unit,
    a batch script, a kernel.json); their flags win over every config file.
    """
    files = [paths] if isinstance(paths, Path) else list(paths or [])
    for path in [*files, *services]:
        if not path.expanduser().exists():
            raise ConfigError(f"no Jupyter config at {path}",
                              hint="pass the file to audit, or write one: labtools jupyter config")
    searched: list[Path] = [] if files else config_dirs()
    if files:
        chosen = [read_source(p.expanduser(), command=_is_command(p)) for p in files]
    else:
        chosen = [read_source(p) for p in config_files(searched)]
    named = [read_source(p.expanduser(), command=True) for p in services]
    if files:
        named = [*chosen, *named]
        chosen = []
    for source in named:  # what the user named must be readable; found sources are findings
        _check_named(source)
    chosen += named
    if files and len(files) > 1:  # each named file on its own
        found = [f for source in chosen for f in audit_sources([source])]
    else:
        found = audit_sources(chosen)
    from jupyter_core.paths import jupyter_config_dir

    path = files[0].expanduser() if len(files) == 1 else Path(jupyter_config_dir())
    return AuditReport(path=path,
                       sources=tuple(s.path for s in chosen), searched=tuple(searched),
                       findings=tuple(dict.fromkeys(found)))


def _check_named(source: Source) -> None:
    """A file the user named must be one Jupyter can load (or a jupyter command line)."""
    if source.error is not None:
        raise ConfigError(f"{source.path}:{source.error_line or 1}: Jupyter cannot load it: "
                          f"{source.error}", hint="fix the file, or name the right one")
    if source.kind == "command" and not source.settings and not _starts_jupyter(source.path):
        raise ConfigError(f"{source.path}: no jupyter command line in it",
                          hint="name the unit, batch script or kernel.json that starts "
                               "the server, or a .py / .json Jupyter config")


def _starts_jupyter(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return re.search(r"jupyter|\"argv\"\s*:", text, re.IGNORECASE) is not None


def _is_command(path: Path) -> bool:
    """A kernel.json, unit or script rather than a Jupyter config file."""
    if path.suffix == ".py":
        return False
    if path.suffix == ".json":
        try:
            with path.open("rb") as handle:  # the head only: the file may be huge
                return b'"argv"' in handle.read(65536)
        except OSError:
            return False
    return True
