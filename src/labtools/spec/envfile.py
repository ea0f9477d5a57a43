"""Read an environment request from a file: ``environment.yml`` and registered readers.

:func:`load_request` is the one dispatch point ``env create --file`` uses. Other modules
(explicit ``@EXPLICIT`` files, lock files) plug in with :func:`register_reader`; the
environment.yml reader is the fallback. It reads every form conda accepts: ``name``,
``channels`` (with ``nodefaults``), ``dependencies`` (conda specs through rattler's
MatchSpec, ``channel::pkg``, a ``pip:`` list with options, ``-r`` and ``-e`` lines),
``variables`` and ``prefix``. Errors name the file and line; nothing is skipped silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labtools.errors import SpecError
from labtools.spec.yamlsrc import YamlSource


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
    #: pip options of the ``pip:`` list (``--index-url X``, ``--pre``; ``-r`` files are read)
    pip_options: tuple[str, ...] = ()
    #: ``variables:`` (set on activation) and ``prefix:`` of an environment.yml
    variables: tuple[tuple[str, str], ...] = ()
    prefix: str | None = None
    #: ``nodefaults`` was among the channels (it is removed from ``channels``)
    nodefaults: bool = False
    #: keys conda ignores with a warning, as ``file:line: ...`` lines
    warnings: tuple[str, ...] = ()


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
    from labtools.spec.locks import _read_text

    source = Path(path).expanduser()
    if source.is_dir():
        raise SpecError(f"{source} is a directory, not an environment file",
                        hint="give the path of an environment.yml, lock or @EXPLICIT file")
    text = _read_text(source)
    _load_plugins()
    for _, detect, read in _READERS:
        if detect(source, text):
            return read(source, text)
    return parse_environment_yml(text, source=source)


KNOWN_KEYS = ("name", "channels", "dependencies", "variables", "prefix")
PIP_FIX = "each pip: entry is a requirement such as requests>=2.31, -r FILE or -e PATH"


def _strings(doc: YamlSource, key: str) -> tuple[str, ...]:
    node = doc.data.get(key)
    if node is None:
        return ()
    if not isinstance(node, list):
        raise SpecError(f"{doc.where((key,))}: '{key}' must be a list, found "
                        f"{type(node).__name__}", hint=f"write '{key}:' followed by '- item' lines")
    out: list[str] = []
    for index, item in enumerate(node):
        if isinstance(item, str | int | float) and not isinstance(item, bool):
            out.append(str(item).strip())
            continue
        raise SpecError(f"{doc.where((key, index))}: unexpected {type(item).__name__} in "
                        f"'{key}'", hint="each entry is a channel name or URL")
    return tuple(out)


def _pip_section(doc: YamlSource, index: int, items: Any, source: Path | None
                 ) -> tuple[list[str], list[str]]:
    """The ``- pip:`` list -> (requirement lines, options); ``-r`` files are read and checked."""
    from labtools.spec.requirements import parse_requirements

    path = ("dependencies", index, "pip")
    if not isinstance(items, list):
        raise SpecError(f"{doc.where(path)}: 'pip' must be a list of requirements",
                        hint=PIP_FIX)
    lines: list[str] = []
    for number, item in enumerate(items):
        if not isinstance(item, str | int | float) or isinstance(item, bool):
            raise SpecError(f"{doc.where((*path, number))}: unexpected "
                            f"{type(item).__name__} in the pip list", hint=PIP_FIX)
        lines.append(str(item).strip())
    base = source.parent if source is not None else Path.cwd()
    reqs: list[str] = []
    options: list[str] = []
    for number, line in enumerate(lines):
        where = doc.where((*path, number))
        try:
            parsed = parse_requirements(line, source=where.rpartition(":")[0], base=base)
        except SpecError as exc:
            message = exc.message
            prefix = f"{where.rpartition(':')[0]}:1: "
            if message.startswith(prefix):  # point at the line in environment.yml
                message = f"{where}: {message[len(prefix):]}"
            raise SpecError(message, hint=exc.hint) from None
        options.extend(parsed.options)
        if line.startswith(("-r", "--requirement", "-c", "--constraint")):
            options.append(line)  # pip reads the file itself; we checked it is readable
            continue
        reqs.append(line)
    return reqs, options


def parse_environment_yml(text: str, *, source: Path | None = None) -> EnvRequest:
    """Parse conda's environment.yml (every form conda accepts; see the module docstring)."""
    from labtools.spec.condaspec import parse_conda_spec

    label = str(source) if source is not None else "<string>"
    doc = YamlSource(text, source=label)
    data = doc.data
    if not isinstance(data, dict):
        raise SpecError(f"{label}:1: expected a mapping with 'dependencies', found "
                        f"{type(data).__name__}",
                        hint="see conda's environment.yml format: name, channels, dependencies")
    warnings = tuple(f"{doc.where((key,))}: conda ignores the key {key!r}"
                     for key in data if key not in KNOWN_KEYS)
    conda: list[str] = []
    pip: list[str] = []
    pip_options: list[str] = []
    deps: Any = data.get("dependencies") or []
    if not isinstance(deps, list):
        raise SpecError(f"{doc.where(('dependencies',))}: 'dependencies' must be a list, found "
                        f"{type(deps).__name__}", hint="write 'dependencies:' then '- spec' lines")
    seen_pip = False
    for index, item in enumerate(deps):
        if isinstance(item, dict):
            if set(item) != {"pip"} or seen_pip:
                raise SpecError(f"{doc.where(('dependencies', index))}: unexpected mapping in "
                                "'dependencies'",
                                hint="use package spec strings and at most one '- pip:' list")
            seen_pip = True
            reqs, options = _pip_section(doc, index, item["pip"], source)
            pip.extend(reqs)
            pip_options.extend(options)
        elif isinstance(item, str | int | float) and not isinstance(item, bool):
            spec = str(item).strip()
            parse_conda_spec(spec, where=doc.where(("dependencies", index)))
            conda.append(spec)
        else:
            raise SpecError(f"{doc.where(('dependencies', index))}: unexpected "
                            f"{type(item).__name__} in 'dependencies'",
                            hint="use package spec strings and at most one '- pip:' list")
    channels = _strings(doc, "channels")
    variables = data.get("variables") or {}
    if not isinstance(variables, dict):
        raise SpecError(f"{doc.where(('variables',))}: 'variables' must be a mapping",
                        hint="write 'variables:' then 'NAME: value' lines")
    prefix = data.get("prefix")
    if prefix is not None and not isinstance(prefix, str):
        raise SpecError(f"{doc.where(('prefix',))}: 'prefix' must be a path",
                        hint="write prefix: /path/to/env, or remove the line")
    name = data.get("name")
    if name is not None and not isinstance(name, str | int | float):
        raise SpecError(f"{doc.where(('name',))}: 'name' must be a string",
                        hint="write name: my-env")
    return EnvRequest(
        name=str(name) if name is not None else None,
        channels=tuple(c for c in channels if c != "nodefaults"),
        specs=tuple(conda),
        pip=tuple(pip),
        source=source,
        pip_options=tuple(pip_options),
        variables=tuple((str(k), "" if v is None else str(v)) for k, v in variables.items()),
        prefix=prefix,
        nodefaults="nodefaults" in channels,
        warnings=warnings,
    )
