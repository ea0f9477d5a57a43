"""The team's lab profile: channels, envs root, naming policy, preferred backend.

Precedence, highest first: ``LABTOOLS_*`` environment variables, ``./labtools.toml``
(the project; its ``[profile]`` table), the user config file
(``<platformdirs user_config_dir>/labtools/labtools.toml``), then the defaults here.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labtools.errors import ConfigError

#: profile field -> environment variable
ENV_VARS: dict[str, str] = {
    "channels": "LABTOOLS_CHANNELS",
    "envs_root": "LABTOOLS_ENVS_ROOT",
    "backend": "LABTOOLS_BACKEND",
    "naming": "LABTOOLS_NAMING",
    "cache_dir": "LABTOOLS_CACHE_DIR",
}
BACKENDS = ("auto", "rattler", "conda", "mamba", "micromamba", "pixi")
NAMING = ("refuse", "warn", "off")
FILE_NAME = "labtools.toml"


@dataclass(frozen=True)
class Profile:
    """The resolved lab profile; ``sources`` says where each field came from."""

    channels: tuple[str, ...]
    envs_root: Path
    backend: str
    naming: str
    cache_dir: Path
    sources: dict[str, str]


def user_config_file() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("labtools")) / FILE_NAME


def defaults() -> dict[str, Any]:
    import platformdirs

    return {
        "channels": (),
        "envs_root": Path(platformdirs.user_data_dir("labtools")) / "envs",
        "backend": "auto",
        "naming": "refuse",
        "cache_dir": Path(platformdirs.user_cache_dir("labtools")),
    }


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}", hint="fix the TOML syntax") from None
    section = data.get("profile", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [profile] must be a table")
    unknown = set(section) - set(ENV_VARS)
    if unknown:
        raise ConfigError(
            f"{path}: unknown profile keys {sorted(unknown)}",
            hint=f"known keys: {', '.join(ENV_VARS)}",
        )
    return section


def _coerce(field: str, value: Any, origin: str, base: Path) -> Any:
    if field == "channels":
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise ConfigError(f"{origin}: channels must be a list")
        return tuple(_channel(str(c).strip(), base) for c in items if str(c).strip())
    if field in ("envs_root", "cache_dir"):
        path = Path(os.path.expandvars(str(value))).expanduser()
        return path if path.is_absolute() else (base / path)
    allowed = BACKENDS if field == "backend" else NAMING
    if value not in allowed:
        raise ConfigError(
            f"{origin}: {field} = {value!r} is not one of {', '.join(allowed)}",
            hint=f"set {field} to one of {', '.join(allowed)}",
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
            values[field] = _coerce(field, value, origin, base)
            sources[field] = origin
    for field, var in ENV_VARS.items():
        if env.get(var):
            values[field] = _coerce(field, env[var], var, here)
            sources[field] = var
    return Profile(sources=sources, **values)
