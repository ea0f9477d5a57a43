"""Every public name of ``labtools`` (``__all__``) is documented in the API reference."""

from __future__ import annotations

import importlib
import re
import types
from pathlib import Path
from typing import Any

import labtools

API_PAGE = Path(__file__).resolve().parents[2] / "docs" / "reference" / "api.md"
DIRECTIVE = re.compile(r"^::: ([\w.]+)\n(?:    options:\n      members: \[([^\]]*)\]\n)?",
                       re.MULTILINE)


def resolve(dotted: str) -> Any:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            found = getattr(found, attr)
        return found
    raise AssertionError(f"api.md names {dotted}, which does not exist")


def documented_objects(text: str) -> list[Any]:
    found: list[Any] = []
    for target, members in DIRECTIVE.findall(text):
        obj = resolve(target)
        if members:
            found += [getattr(obj, m.strip()) for m in members.split(",")]
        elif isinstance(obj, types.ModuleType):  # a whole module: its own public names
            found += [v for k, v in vars(obj).items() if not k.startswith("_")
                      and getattr(v, "__module__", None) == obj.__name__]
        else:
            found.append(obj)
    return found


def test_every_public_name_is_in_the_api_page() -> None:
    documented = documented_objects(API_PAGE.read_text(encoding="utf-8"))
    missing = [name for name in labtools.__all__ if name != "__version__"
               and not any(getattr(labtools, name) is obj for obj in documented)]
    assert not missing, f"add these to docs/reference/api.md: {missing}"


def test_the_check_notices_a_missing_name() -> None:
    text = API_PAGE.read_text(encoding="utf-8").replace("::: labtools.clean.clean_caches\n", "")
    documented = documented_objects(text)
    assert not any(labtools.clean_caches is obj for obj in documented)


def test_every_public_callable_has_a_docstring() -> None:
    undocumented = [name for name in labtools.__all__ if name != "__version__"
                    and not (getattr(labtools, name).__doc__ or "").strip()]
    assert not undocumented, undocumented
