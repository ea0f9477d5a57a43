"""Every place a Jupyter server takes its settings from, each setting with its file and line.

Jupyter Server (through traitlets) reads, for each config folder of
``jupyter_core.paths.jupyter_config_path()`` from the lowest priority up, ``NAME.py`` and
then ``NAME.json`` for NAME in ``jupyter_config`` and ``jupyter_server_config`` (the
classic notebook and notebook 7's shim read ``jupyter_notebook_config`` too); later
files win. The command line wins over all files. This module finds those files and reads
them without running anything: ``.py`` through :mod:`ast` (literal assignments
``c.Section.name = value``; anything computed is kept as an expression), ``.json`` with
the line of each key, and the ``jupyter ...`` command line of a service unit, a batch
script or a kernel.json (``--ServerApp.ip=...``, the ``--ip`` / ``--allow-root`` short
forms, ``JUPYTER_TOKEN=`` in the environment).
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BASE_NAMES = ("jupyter_config", "jupyter_notebook_config", "jupyter_server_config")
ALIASES = {  # jupyter_server's command-line aliases (serverapp.py) and flags
    "ip": "ServerApp.ip", "port": "ServerApp.port", "sock": "ServerApp.sock",
    "sock-mode": "ServerApp.sock_mode", "keyfile": "ServerApp.keyfile",
    "certfile": "ServerApp.certfile", "client-ca": "ServerApp.client_ca",
    "notebook-dir": "ServerApp.root_dir", "preferred-dir": "ServerApp.preferred_dir",
    "browser": "ServerApp.browser", "config": "JupyterApp.config_file",
}
FLAGS = {"allow-root": ("ServerApp.allow_root", True),
         "no-browser": ("ServerApp.open_browser", False)}
_JUPYTER = re.compile(r"(^|/)(jupyter(-server|-lab|-notebook|-nbclassic)?)$")
_MODULES = {"jupyter", "jupyter_server", "jupyterlab", "notebook", "nbclassic"}
_ENV_TOKEN = re.compile(r"(?:^|[\s\"'=])JUPYTER_TOKEN=(\S*)")


@dataclass(frozen=True)
class Setting:
    """One ``Section.name = value`` and where it was set."""

    section: str
    name: str
    value: Any
    file: Path | None = None
    line: int | None = None
    literal: bool = True  # False: a .py expression the audit cannot evaluate
    kind: str = "file"  # "file" | "command" | "env"

    @property
    def key(self) -> str:
        return f"{self.section}.{self.name}"

    @property
    def where(self) -> str:
        if self.file is None:
            return self.key
        return f"{self.file}:{self.line}" if self.line else str(self.file)


@dataclass(frozen=True)
class Source:
    """One file read: its settings, or the error that makes Jupyter skip it."""

    path: Path
    kind: str  # "py" | "json" | "command"
    settings: tuple[Setting, ...] = ()
    mode: int | None = None
    uid: int | None = None
    folder_mode: int | None = None
    folder_uid: int | None = None
    error: str | None = None
    error_line: int | None = None


def config_dirs() -> list[Path]:
    """Jupyter's config folders, highest priority first (``jupyter --paths``), the way
    ``JupyterApp.config_file_paths`` orders them (the user's folder first unless listed)."""
    from jupyter_core.paths import jupyter_config_dir, jupyter_config_path

    dirs = jupyter_config_path()
    if jupyter_config_dir() not in dirs:
        dirs.insert(0, jupyter_config_dir())
    seen: set[str] = set()
    out: list[Path] = []
    for d in dirs:
        real = os.path.realpath(d)
        if real not in seen:
            seen.add(real)
            out.append(Path(d))
    return out


def config_files(dirs: Sequence[Path] | None = None, *, extra: Path | None = None
                 ) -> list[Path]:
    """The config files that exist, in the order they are applied (lowest priority first).

    *extra* counts as existing (a file about to be written), if Jupyter would read it.
    """
    wanted = os.path.realpath(extra) if extra is not None else None
    found: list[Path] = []
    for folder in reversed(list(dirs if dirs is not None else config_dirs())):
        for base in BASE_NAMES:
            for suffix in (".py", ".json"):
                path = folder / f"{base}{suffix}"
                if path.is_file() or (wanted is not None and os.path.realpath(path) == wanted):
                    found.append(path)
    return found


def _split_key(dotted: str) -> tuple[str, str] | None:
    section, _, name = dotted.rpartition(".")
    if not section or not name or "." in section:
        return None
    return section, name


def parse_py(text: str, file: Path | None = None) -> list[Setting]:
    """``c.Section.name = value`` assignments of a config .py (never executed; pure).

    Raises :class:`SyntaxError` when Python cannot parse it (then Jupyter skips the file).
    """
    tree = ast.parse(text, filename=str(file or "<config>"))
    out: list[Setting] = []
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets, value = list(node.targets), node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        for target in targets:
            if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Attribute)
                    and isinstance(target.value.value, ast.Name | ast.Call)):
                continue
            try:
                literal, evaluated = True, ast.literal_eval(value)
            except (ValueError, SyntaxError, TypeError):
                literal, evaluated = False, ast.unparse(value)
            out.append(Setting(target.value.attr, target.attr, evaluated, file,
                               target.lineno, literal))
    return out


def _json_line(text: str, section: str, name: str) -> int:
    start = 0
    head = re.search(rf'"{re.escape(section)}"\s*:', text)
    if head:
        start = head.end()
    found = re.compile(rf'"{re.escape(name)}"\s*:').search(text, start)
    at = found.start() if found else (head.start() if head else 0)
    return text.count("\n", 0, at) + 1


def parse_json(text: str, file: Path | None = None) -> list[Setting]:
    """The ``{"Section": {"name": value}}`` settings of a config .json (pure).

    Raises :class:`ValueError` for invalid JSON or a document that is not an object.
    """
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"holds {type(data).__name__}, not an object")
    out: list[Setting] = []
    for section, values in data.items():
        if not isinstance(values, dict):
            continue
        for name, value in values.items():
            out.append(Setting(str(section), str(name), value, file,
                               _json_line(text, str(section), str(name))))
    return out


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, text) with backslash continuations joined."""
    buffer: list[str] = []
    start = 1
    for number, line in enumerate(text.splitlines(), start=1):
        if not buffer:
            start = number
        if line.rstrip().endswith("\\"):
            buffer.append(line.rstrip()[:-1])
            continue
        buffer.append(line)
        yield start, " ".join(buffer)
        buffer = []
    if buffer:
        yield start, " ".join(buffer)


def _server_args(words: list[str]) -> list[str] | None:
    """The arguments after a jupyter server invocation in *words*, or None."""
    for i, word in enumerate(words):
        if _JUPYTER.search(word):
            return words[i + 1:]
        if word == "-m" and i + 1 < len(words) and words[i + 1].split(".")[0] in _MODULES:
            return words[i + 2:]
    return None


def parse_command(words: Sequence[str], file: Path | None = None, line: int | None = None
                  ) -> list[Setting]:
    """Settings given on a ``jupyter server|lab|notebook ...`` command line (pure)."""
    args = _server_args(list(words))
    if args is None:
        return []
    out: list[Setting] = []
    i = 0
    while i < len(args):
        word = args[i]
        i += 1
        if not word.startswith("--") or word == "--":
            continue
        body, eq, value = word[2:].partition("=")
        if body in FLAGS:
            key, flag_value = FLAGS[body]
            section, name = key.split(".")
            out.append(Setting(section, name, flag_value, file, line, kind="command"))
            continue
        dotted = ALIASES.get(body, body)
        split = _split_key(dotted)
        if split is None:
            continue
        if not eq and i < len(args) and not args[i].startswith("--"):
            value, i = args[i], i + 1
        out.append(Setting(split[0], split[1], _cli_value(value), file, line, kind="command"))
    return out


def _cli_value(text: str) -> Any:
    """A command-line value as traitlets would take it (booleans, numbers, else text)."""
    if text in ("True", "true"):
        return True
    if text in ("False", "false"):
        return False
    try:
        return ast.literal_eval(text) if text[:1] in "[{('\"" else int(text)
    except (ValueError, SyntaxError):
        return text


def parse_command_file(text: str, file: Path | None = None) -> list[Setting]:
    """Jupyter command lines (and ``JUPYTER_TOKEN=``) in a unit, script or kernel.json."""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("argv"), list):
        argv = [str(a) for a in data["argv"]]
        env: dict[str, Any] = data["env"] if isinstance(data.get("env"), dict) else {}
        head = re.search(r'"argv"\s*:', text)
        out = parse_command(argv, file, text.count("\n", 0, head.start()) + 1 if head else 1)
        if "JUPYTER_TOKEN" in env:
            out.append(Setting("IdentityProvider", "token", str(env["JUPYTER_TOKEN"]), file,
                               _json_line(text, "env", "JUPYTER_TOKEN"), kind="env"))
        return out
    out = []
    for number, line in _logical_lines(text):
        body = line.split("=", 1)[1] if re.match(r"^\s*ExecStart\w*=", line) else line
        for match in _ENV_TOKEN.finditer(line):
            out.append(Setting("IdentityProvider", "token", match.group(1).strip("'\""), file,
                               number, kind="env"))
        try:
            words = shlex.split(body, comments=True)
        except ValueError:
            continue
        out += parse_command(words, file, number)
    return out


def _stat(path: Path) -> tuple[int | None, int | None, int | None, int | None]:
    try:
        info, folder = os.stat(path), os.stat(path.parent)
    except OSError:
        return None, None, None, None
    return (stat.S_IMODE(info.st_mode), info.st_uid, stat.S_IMODE(folder.st_mode),
            folder.st_uid)


def read_source(path: Path, *, command: bool = False) -> Source:
    """Read one config file (or, with *command*, a file holding a jupyter command line)."""
    kind = "command" if command else ("py" if path.suffix == ".py" else "json")
    mode, uid, folder_mode, folder_uid = _stat(path)

    def made(settings: Sequence[Setting] = (), error: str | None = None,
             line: int | None = None) -> Source:
        return Source(path, kind, tuple(settings), mode, uid, folder_mode, folder_uid,
                      error, line)

    from labtools.errors import LabtoolsError
    from labtools.textfile import read_text

    try:
        text = read_text(path, what="a Jupyter config file")
    except LabtoolsError as exc:  # a folder, too large, binary, not UTF-8
        return made(error=f"cannot read it: {exc.message}", line=1)
    try:
        if kind == "py":
            return made(parse_py(text, path))
        if kind == "json":
            return made(parse_json(text, path))
        return made(parse_command_file(text, path))
    except SyntaxError as exc:
        return made(error=f"Python cannot parse it ({exc.msg})", line=exc.lineno or 1)
    except ValueError as exc:
        return made(error=f"not valid JSON ({getattr(exc, 'msg', exc)})",
                    line=getattr(exc, "lineno", 1))
