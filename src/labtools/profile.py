"""The team's lab profile: channels, envs root, backend, naming policy, remote hosts.

:data:`KEYS` is the one place where the profile's keys, defaults, environment variables
and overriding flags live: :func:`load_profile` resolves from it, ``labtools profile
init`` writes a commented file from it, and the handbook's reference page is generated
from it. Precedence, highest first: a command's flag, the ``LABTOOLS_*`` environment
variable, ``./labtools.toml`` (the project; its ``[profile]`` table), the user file
(``<platformdirs user_config_dir>/labtools/labtools.toml``), then the default.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labtools.errors import ConfigError

BACKENDS = ("auto", "rattler", "conda", "mamba", "micromamba")
NAMING = ("refuse", "warn", "off")
FILE_NAME = "labtools.toml"
PRECEDENCE = ("flag", "environment variable", "project file ./labtools.toml",
              "user file", "default")


@dataclass(frozen=True)
class Key:
    """One profile key: its kind, default, environment variable, flags and meaning."""

    name: str
    kind: str  # "list", "path" or "choice"
    default: Any  # a path default may start with {user_data} or {user_cache}
    help: str
    flags: str = ""  # the command-line flags that override it, for the reference
    choices: tuple[str, ...] = ()

    @property
    def env_var(self) -> str:
        return f"LABTOOLS_{self.name.upper()}"

    def overrides(self) -> str:
        """Which environment variable (and flags) override the files, in words."""
        text = f"environment variable {self.env_var}"
        if self.kind == "list":
            text += " (comma-separated)"
        return text + (f"; flag {self.flags}" if self.flags else "")


KEYS: tuple[Key, ...] = (
    Key("channels", "list", ("conda-forge",),
        "Conda channels to install from, highest priority first: a name (conda-forge), "
        "a URL, or a folder (relative to the file that names it). Offline, make a local "
        "one with `labtools channel demo DIR`.",
        flags="`-c/--channel` (env create, env update, bench)"),
    Key("envs_root", "path", "{user_data}/envs",
        "The folder labtools creates environments in (conda's own envs folders are "
        "found too).",
        flags="`--root` (env create, env list, env remove, ...)"),
    Key("backend", "choice", "auto",
        "The package manager that creates environments; `auto` takes an installed "
        "one (mamba, micromamba, conda or pixi), else the built-in engine (`rattler`).",
        flags="`--backend` (env create)", choices=BACKENDS),
    Key("naming", "choice", "refuse",
        "What `env create` does with a vague name such as env1 or test: refuse it, "
        "warn, or accept it silently.",
        flags="`--force-name` (env create)", choices=NAMING),
    Key("cache_dir", "path", "{user_cache}",
        "The built-in engine's package and repodata cache (`labtools clean` frees it)."),
    Key("hosts", "list", (),
        "SSH aliases of the lab's remote machines (as in ~/.ssh/config), offered first by "
        "shell completion for `tunnel open` and `jupyter remote`."),
)
KEY_BY_NAME: dict[str, Key] = {key.name: key for key in KEYS}
#: profile field -> environment variable
ENV_VARS: dict[str, str] = {key.name: key.env_var for key in KEYS}


@dataclass(frozen=True)
class Profile:
    """The resolved lab profile; ``sources`` says where each field came from."""

    channels: tuple[str, ...]
    envs_root: Path
    backend: str
    naming: str
    cache_dir: Path
    hosts: tuple[str, ...]
    sources: dict[str, str]


def user_config_file() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("labtools")) / FILE_NAME


#: the placeholders a path default may use, explained for the reference page
PLACES = {
    "user_data": "the user data folder: $XDG_DATA_HOME/labtools, by default "
                 "~/.local/share/labtools on Linux, ~/Library/Application Support/labtools "
                 "on macOS",
    "user_cache": "the user cache folder: $XDG_CACHE_HOME/labtools, by default "
                  "~/.cache/labtools on Linux, ~/Library/Caches/labtools on macOS",
}


def _expand_default(key: Key) -> Any:
    if key.kind != "path":
        return key.default
    import platformdirs

    places = {"user_data": platformdirs.user_data_dir("labtools"),
              "user_cache": platformdirs.user_cache_dir("labtools")}
    return Path(str(key.default).format(**places))


def default_of(name: str) -> Any:
    """The default of key *name* on this machine (paths resolved)."""
    return _expand_default(KEY_BY_NAME[name])


def defaults() -> dict[str, Any]:
    """Every key's default, resolved for this machine and user."""
    return {key.name: _expand_default(key) for key in KEYS}


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}", hint="fix the TOML syntax") from None
    section = data.get("profile", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [profile] must be a table")
    unknown = set(section) - set(KEY_BY_NAME)
    if unknown:
        import difflib

        guesses = [g for u in sorted(unknown)
                   for g in difflib.get_close_matches(u, KEY_BY_NAME, n=1)]
        near = f"did you mean {', '.join(guesses)}? " if guesses else ""
        raise ConfigError(
            f"{path}: unknown profile keys {sorted(unknown)}",
            hint=f"{near}known keys: {', '.join(KEY_BY_NAME)}",
        )
    return section


def coerce(name: str, value: Any, origin: str, base: Path) -> Any:
    """Check and normalize one value of key *name* read from *origin*."""
    key = KEY_BY_NAME[name]
    if key.kind == "list":
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise ConfigError(f"{origin}: {name} must be a list, found {value!r}",
                              hint=f'write {name} = ["a", "b"]')
        cleaned = [str(c).strip() for c in items if str(c).strip()]
        if name == "channels":
            return tuple(_channel(c, base) for c in cleaned)
        return tuple(cleaned)
    if key.kind == "path":
        path = Path(os.path.expandvars(str(value))).expanduser()
        return path if path.is_absolute() else (base / path)
    if value not in key.choices:
        raise ConfigError(
            f"{origin}: {name} = {value!r} is not one of {', '.join(key.choices)}",
            hint=f"set {name} to one of {', '.join(key.choices)}",
        )
    return str(value)


def _channel(text: str, base: Path) -> str:
    if "://" in text or not (text.startswith((".", "/", "~"))):
        return text
    path = Path(text).expanduser()
    return str(path if path.is_absolute() else (base / path).resolve())


def load_profile(
    *, cwd: Path | None = None, environ: Mapping[str, str] | None = None
) -> Profile:
    """Resolve the profile from env vars, ./labtools.toml, the user config and defaults."""
    env = os.environ if environ is None else environ
    here = Path(cwd or Path.cwd())
    values = defaults()
    sources = dict.fromkeys(values, "default")
    layers: list[tuple[str, Path, dict[str, Any]]] = []
    user = user_config_file()
    if user.is_file():
        layers.append((str(user), user.parent, _read_toml(user)))
    project = here / FILE_NAME
    if project.is_file():
        layers.append((str(project), here, _read_toml(project)))
    for origin, base, section in layers:
        for field, value in section.items():
            values[field] = coerce(field, value, origin, base)
            sources[field] = origin
    for field, var in ENV_VARS.items():
        if env.get(var):
            values[field] = coerce(field, env[var], var, here)
            sources[field] = var
    return Profile(sources=sources, **values)
