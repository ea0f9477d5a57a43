"""``labtools profile init``: write a commented ``labtools.toml`` from :data:`profile.KEYS`.

:func:`render_profile` is pure (tomlkit keeps the comments); :func:`init_profile` writes
it next to the project or into the user's config folder, atomically, and never over an
existing file unless asked.
"""

from __future__ import annotations

import os
import textwrap
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labtools.errors import ConfigError
from labtools.profile import (
    FILE_NAME,
    KEY_BY_NAME,
    KEYS,
    Key,
    coerce,
    default_of,
    user_config_file,
)

HEADER = """\
labtools profile: the lab's shared settings. `labtools profile show` prints the result
and where each value came from; the handbook's "Profile" reference lists every key.
Precedence, highest first: a command's flag > the LABTOOLS_* environment variable >
./labtools.toml (the project) > your user file > the default.
Your user file: {user_file}
Keys left commented out keep their default."""


@dataclass(frozen=True)
class ProfileFile:
    """A profile file that ``init_profile`` wrote."""

    path: Path
    scope: str  # "project" or "user"
    keys: tuple[str, ...]  # the keys set in the file (the others are comments)


def _toml_value(key: Key, value: Any) -> Any:
    if key.kind == "list":
        return [str(v) for v in value]
    return str(value)


def _default_shown(key: Key, places: Mapping[str, str] | None) -> str:
    """The default as TOML; a path as on this machine (~ for the home folder) or as
    *places* spells its placeholder."""
    import tomlkit

    value: Any = key.default
    if key.kind == "path" and places is not None:
        value = str(key.default).format(**places)
    elif key.kind == "path":
        path, home = default_of(key.name), Path.home()
        value = f"~/{path.relative_to(home)}" if path.is_relative_to(home) else str(path)
    return str(tomlkit.item(_toml_value(key, value)).as_string())


def render_profile(
    values: Mapping[str, Any] | None = None,
    *,
    user_file: str = "",
    places: Mapping[str, str] | None = None,
) -> str:
    """The text of a commented ``labtools.toml``; *values* override the defaults.

    Keys with a portable default (channels, backend, naming, hosts) are written out;
    per-machine paths stay commented out unless *values* sets them, showing their
    default on this machine, or spelled with *places* (placeholder -> text).
    """
    import tomlkit

    given = dict(values or {})
    unknown = set(given) - set(KEY_BY_NAME)
    if unknown:
        raise ConfigError(f"unknown profile keys {sorted(unknown)}",
                          hint=f"known keys: {', '.join(KEY_BY_NAME)}")
    doc = tomlkit.document()
    for line in HEADER.format(user_file=user_file or "the user file").splitlines():
        doc.add(tomlkit.comment(line))
    doc.add(tomlkit.nl())
    table = tomlkit.table()
    for i, key in enumerate(KEYS):
        if i:
            table.add(tomlkit.nl())
        text = key.help
        if key.choices:
            text += f" One of: {', '.join(key.choices)}."
        text += f" Overridden by the {key.overrides()}."
        for line in textwrap.wrap(text.replace("`", ""), 86):
            table.add(tomlkit.comment(line))
        if key.name in given:
            table.add(key.name, _toml_value(key, given[key.name]))
        elif key.kind == "path":
            table.add(tomlkit.comment(f"{key.name} = {_default_shown(key, places)}  # the default"))
        else:
            table.add(key.name, _toml_value(key, key.default))
    doc.add("profile", table)
    return tomlkit.dumps(doc)


def parse_settings(pairs: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs (``--set``) -> values, checked like the profile's own."""
    found: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or name not in KEY_BY_NAME:
            raise ConfigError(f"--set {pair!r}: expected KEY=VALUE with KEY one of "
                              f"{', '.join(KEY_BY_NAME)}",
                              hint="e.g. --set channels=~/lab-channel,conda-forge")
        coerce(name, value, f"--set {name}", Path.cwd())  # validate now, keep the text
        key = KEY_BY_NAME[name]
        found[name] = [v.strip() for v in value.split(",") if v.strip()] \
            if key.kind == "list" else value.strip()
    return found


def init_profile(
    path: Path | None = None,
    *,
    user: bool = False,
    values: Mapping[str, Any] | None = None,
    force: bool = False,
) -> ProfileFile:
    """Write a commented profile: ./labtools.toml, *path*, or the user file (*user*)."""
    if user and path is not None:
        raise ConfigError("give either a path or --user, not both",
                          hint="labtools profile init --user, or labtools profile init PATH")
    target = user_config_file() if user else (path or Path.cwd() / FILE_NAME)
    if target.is_dir():
        target = target / FILE_NAME
    if target.exists() and not force:
        raise ConfigError(f"{target} already exists; nothing was written",
                          hint="edit it, or pass --force to replace it")
    text = render_profile(values, user_file=str(user_config_file()))
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}")
    try:
        staging.write_text(text, encoding="utf-8")
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)
    import tomllib

    written = tomllib.loads(text)["profile"]
    return ProfileFile(path=target, scope="user" if user else "project",
                       keys=tuple(k.name for k in KEYS if k.name in written))
