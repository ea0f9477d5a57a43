"""Read an environment request from a file: ``environment.yml`` and registered readers.

:func:`load_request` is the one dispatch point ``env create --file`` uses. Other modules
(explicit ``@EXPLICIT`` files, lock files) plug in with :func:`register_reader`; the
environment.yml reader is the fallback. Errors name the file, line and column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labtools.errors import SpecError


@dataclass(frozen=True)
class EnvRequest:
    """What a request file asks for: conda specs, channels, and a ``pip:`` list."""

    name: str | None
    channels: tuple[str, ...]
    specs: tuple[str, ...]
    pip: tuple[str, ...] = ()
    source: Path | None = None
    kind: str = "environment.yml"
    #: exact package URLs (explicit and lock files); when set, no solve is needed
    urls: tuple[str, ...] = ()


Detector = Callable[[Path, str], bool]
Reader = Callable[[Path, str], EnvRequest]
_READERS: list[tuple[str, Detector, Reader]] = []
#: "module:function" hooks that call register_reader, loaded on the first load_request
READER_PLUGINS: list[str] = ["labtools.spec.locks:register_readers"]
_plugins_loaded = False


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    import importlib

    for entry in READER_PLUGINS:
        module_name, _, attr = entry.partition(":")
        try:
            hook = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError):
            continue  # an optional reader that is not installed
        hook()


def register_reader(kind: str, detect: Detector, read: Reader) -> None:
    """Add a reader: *detect(path, text)* says whether *read(path, text)* handles the file."""
    _READERS[:] = [entry for entry in _READERS if entry[0] != kind]
    _READERS.insert(0, (kind, detect, read))


def load_request(path: Path | str) -> EnvRequest:
    """Read *path* with the first reader that claims it (default: environment.yml)."""
    source = Path(path).expanduser()
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read {source}: {exc.strerror}", hint="check the path") from None
    _load_plugins()
    for _, detect, read in _READERS:
        if detect(source, text):
            return read(source, text)
    return parse_environment_yml(text, source=source)


def _where(source: Path | None, line: int, column: int) -> str:
    return f"{source or '<string>'}:{line + 1}:{column + 1}"


def _strings(node: Any, key: str, source: Path | None, parent: Any) -> tuple[str, ...]:
    if node is None:
        return ()
    if not isinstance(node, list):
        line, col = parent.lc.value(key) if hasattr(parent, "lc") else (0, 0)
        raise SpecError(
            f"{_where(source, line, col)}: '{key}' must be a list, found {type(node).__name__}",
            hint=f"write '{key}:' followed by '- item' lines",
        )
    out: list[str] = []
    for index, item in enumerate(node):
        if isinstance(item, str | int | float) and not isinstance(item, bool):
            out.append(str(item).strip())
            continue
        line, col = node.lc.item(index) if hasattr(node, "lc") else (0, 0)
        raise SpecError(
            f"{_where(source, line, col)}: unexpected {type(item).__name__} in '{key}'",
            hint="each entry is a package spec string such as numpy>=1.26",
        )
    return tuple(out)


def parse_environment_yml(text: str, *, source: Path | None = None) -> EnvRequest:
    """Parse conda's environment.yml (name, channels, dependencies with a ``pip:`` list)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        data = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = _where(source, mark.line, mark.column) if mark else str(source)
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise SpecError(f"{where}: {problem}", hint="fix the YAML syntax there") from None
    except YAMLError as exc:
        raise SpecError(f"{source}: invalid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise SpecError(
            f"{_where(source, 0, 0)}: expected a mapping with 'dependencies', "
            f"found {type(data).__name__}",
            hint="see conda's environment.yml format: name, channels, dependencies",
        )
    conda: list[str] = []
    pip: tuple[str, ...] = ()
    deps: Any = data.get("dependencies") or []
    if not isinstance(deps, list):
        _strings(deps, "dependencies", source, data)
    for index, item in enumerate(deps):
        if isinstance(item, dict) and "pip" in item:
            pip = _strings(item["pip"], "pip", source, item)
        elif isinstance(item, str | int | float) and not isinstance(item, bool):
            conda.append(str(item).strip())
        else:
            line, col = deps.lc.item(index) if hasattr(deps, "lc") else (0, 0)
            raise SpecError(
                f"{_where(source, line, col)}: unexpected entry in 'dependencies'",
                hint="use package spec strings and at most one '- pip:' list",
            )
    name = data.get("name")
    return EnvRequest(
        name=str(name) if name is not None else None,
        channels=_strings(data.get("channels"), "channels", source, data),
        specs=tuple(conda),
        pip=pip,
        source=source,
    )
