"""labtools: the lab's canonical environment procedures, as a library with a CLI over it.

Nothing heavy happens at import time: public names are resolved lazily, so
``import labtools`` and ``labtools --help`` stay fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> "module:attribute"; extended by each subsystem.
_LAZY: dict[str, str] = {
    "LabtoolsError": "labtools.errors:LabtoolsError",
    "inspect_env": "labtools.envs.inspect:inspect_env",
    "where_is": "labtools.envs.inspect:where_is",
    "build_handbook": "labtools.handbook.build:build_handbook",
}

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'labtools' has no attribute {name!r}")
    module_name, _, attr = target.partition(":")
    value = getattr(importlib.import_module(module_name), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
