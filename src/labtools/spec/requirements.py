"""pip requirements files (``requirements.txt``) and the ``pip:`` lists of environment.yml.

Each requirement goes through ``packaging.requirements.Requirement`` (PEP 508). The file
format around it (continuation lines, comments, ``-r``/``-c``/``-e`` and the other options
pip accepts) has no public library - pip's parser is internal to pip - so this module reads
it, following pip's rules. A line it cannot read is an error naming ``file:line``; nothing
is skipped silently.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from labtools.errors import SpecError

#: options that stand on their own line and take a value (pip's "global" options)
VALUE_OPTIONS = frozenset({
    "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host",
    "--only-binary", "--no-binary", "--use-feature", "--config-settings", "--progress-bar",
})
FLAG_OPTIONS = frozenset({"--no-index", "--pre", "--prefer-binary", "--require-hashes",
                          "--no-deps", "--no-build-isolation"})
#: options that may follow a requirement on its line
PER_REQUIREMENT = frozenset({"--hash", "--global-option", "--install-option",
                             "--config-settings", "-C"})
INCLUDES = {"-r": "requirement", "--requirement": "requirement",
            "-c": "constraint", "--constraint": "constraint"}
_COMMENT = re.compile(r"(^|\s+)#.*$")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^file:|^(?:git|hg|svn|bzr)\+[a-z]+:")
_WHEEL = re.compile(r"^(?P<name>[A-Za-z0-9_.]+)-(?P<version>[^-]+)-.*\.whl$")
_SDIST = re.compile(r"^(?P<name>.+)-(?P<version>[0-9][^-]*)\.(?:tar\.gz|zip|tar\.bz2)$")


def canonical(name: str) -> str:
    """PEP 503 normalized distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class PipRequirement:
    """One requirement line, taken apart."""

    text: str
    line: int
    source: str
    name: str | None  # PEP 503 normalized; None for a URL/path that names no project
    specifier: str = ""  # e.g. ">=1.2,<2" (packaging's order); "" when unconstrained
    url: str | None = None  # name @ URL, a bare URL or a local path
    editable: bool = False
    marker: str | None = None
    extras: tuple[str, ...] = ()
    hashes: tuple[str, ...] = ()

    @property
    def pinned(self) -> str | None:
        """The version when the specifier is one ``==X`` (or ``===X``)."""
        spec = self.specifier
        if spec.startswith("==") and "," not in spec and "*" not in spec:
            return spec.lstrip("=")
        return None


@dataclass(frozen=True)
class RequirementsFile:
    """Everything a requirements file says, includes followed."""

    source: str
    requirements: tuple[PipRequirement, ...]
    constraints: tuple[PipRequirement, ...] = ()
    options: tuple[str, ...] = ()  # e.g. "--index-url https://..." (secrets not masked)
    includes: tuple[str, ...] = ()


def logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, text) after joining ``\\`` continuations and dropping comments."""
    out: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        if not pending:
            start = number
        if line.endswith("\\") and not _COMMENT.search(line[:-1]):
            pending.append(line[:-1])
            continue
        pending.append(line)
        joined = _COMMENT.sub("", " ".join(pending)).strip()
        pending = []
        if joined:
            out.append((start, joined))
    if pending:
        joined = _COMMENT.sub("", " ".join(pending)).strip()
        if joined:
            out.append((start, joined))
    return out


def _name_from_location(location: str) -> str | None:
    egg = _EGG.search(location)
    if egg:
        return canonical(egg.group(1))
    tail = location.split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    for pattern in (_WHEEL, _SDIST):
        match = pattern.match(tail)
        if match:
            return canonical(match["name"])
    return None


def _is_location(text: str) -> bool:
    return bool(_URL.match(text)) or text.startswith((".", "/", "~")) or \
        "/" in text.split(";")[0] or text.endswith((".whl", ".tar.gz", ".zip"))


def parse_line(text: str, *, line: int, source: str, editable: bool = False) -> PipRequirement:
    """One requirement (no options before it) -> :class:`PipRequirement` (pure)."""
    from packaging.requirements import InvalidRequirement, Requirement

    where = f"{source}:{line}"
    body, hashes, _ = _split_options(text, where)
    if not body:
        raise SpecError(f"{where}: options without a requirement: {text!r}",
                        hint="put --hash and --global-option after a requirement")
    if editable or _is_location(body.split(" ;", 1)[0].split("; ", 1)[0]):
        location, _, marker = body.partition(";")
        location = location.strip()
        return PipRequirement(text=text, line=line, source=source,
                              name=_name_from_location(location), url=location,
                              editable=editable, marker=marker.strip() or None,
                              hashes=hashes)
    try:
        req = Requirement(body)
    except InvalidRequirement as exc:
        detail = " ".join(str(exc).split())
        raise SpecError(f"{where}: not a valid requirement {body!r}: {detail}",
                        hint="write e.g. requests>=2.31, 'name @ URL', or -e PATH") from None
    return PipRequirement(text=text, line=line, source=source, name=canonical(req.name),
                          specifier=str(req.specifier), url=req.url,
                          marker=str(req.marker) if req.marker else None,
                          extras=tuple(sorted(req.extras)), hashes=hashes)


def _split_options(text: str, where: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """``req --hash=... --global-option=...`` -> (requirement, hashes, other options)."""
    cut = re.search(r"(^|\s)(--?[A-Za-z][\w-]*)(=|\s|$)", text)
    if cut is None:
        return text.strip(), (), ()
    body, rest = text[: cut.start()].strip(), text[cut.start():]
    try:
        tokens = shlex.split(rest)
    except ValueError as exc:
        raise SpecError(f"{where}: cannot read the options {rest.strip()!r}: {exc}",
                        hint="check the quotes") from None
    hashes: list[str] = []
    others: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        option, eq, value = token.partition("=")
        if option not in PER_REQUIREMENT:
            raise SpecError(f"{where}: {option!r} cannot follow a requirement",
                            hint="allowed after a requirement: --hash, --global-option, "
                                 "--config-settings")
        if not eq:
            index += 1
            if index >= len(tokens):
                raise SpecError(f"{where}: {option} needs a value", hint=f"write {option}=VALUE")
            value = tokens[index]
        if option == "--hash":
            algo, sep, digest = value.partition(":")
            if not sep or not digest or not re.fullmatch(r"[0-9a-fA-F]+", digest):
                raise SpecError(f"{where}: bad --hash {value!r}", hint="write --hash=sha256:HEX")
            hashes.append(f"{algo}:{digest.lower()}")
        else:
            others.append(f"{option}={value}")
        index += 1
    return body, tuple(hashes), tuple(others)


def _option(text: str) -> tuple[str, str | None] | None:
    """``--index-url X`` / ``-iX`` / ``--index-url=X`` -> (option, value); None if no option."""
    if not text.startswith("-"):
        return None
    head, sep, tail = text.partition("=") if text.startswith("--") else ("", "", "")
    if sep and " " not in head:
        return head, tail.strip()
    parts = text.split(None, 1)
    option = parts[0]
    value = parts[1].strip() if len(parts) > 1 else None
    if len(option) > 2 and option[1] != "-":  # -rfile, -ihttps://...
        option, value = option[:2], option[2:] + (f" {value}" if value else "")
    return option, value


def parse_requirements(text: str, *, source: str = "<text>", base: Path | None = None,
                       follow: bool = True, _seen: frozenset[str] = frozenset()
                       ) -> RequirementsFile:
    """A requirements file's text -> :class:`RequirementsFile`; ``-r``/``-c`` files are read
    relative to *base* when *follow* (pure but for those includes)."""
    requirements: list[PipRequirement] = []
    constraints: list[PipRequirement] = []
    options: list[str] = []
    includes: list[str] = []
    for line, body in logical_lines(text):
        where = f"{source}:{line}"
        opt = _option(body)
        if opt is None:
            requirements.append(parse_line(body, line=line, source=source))
            continue
        option, value = opt
        if option in ("-e", "--editable"):
            if not value:
                raise SpecError(f"{where}: -e needs a path or URL", hint="write -e ./path")
            requirements.append(parse_line(value, line=line, source=source, editable=True))
        elif option in INCLUDES:
            if not value:
                raise SpecError(f"{where}: {option} needs a file name",
                                hint=f"write {option} other-requirements.txt")
            includes.append(value)
            if follow:
                try:
                    included = read_requirements(_resolve(value, base, where),
                                                 _seen=_seen | {source})
                except SpecError as exc:
                    if exc.message.startswith(f"{where}:"):
                        raise
                    raise SpecError(f"{where}: {option} {value}: {exc.message}",
                                    hint=exc.hint) from None
                if INCLUDES[option] == "constraint":
                    constraints.extend(included.requirements)
                else:
                    requirements.extend(included.requirements)
                    constraints.extend(included.constraints)
                options.extend(included.options)
        elif option in VALUE_OPTIONS:
            if not value:
                raise SpecError(f"{where}: {option} needs a value", hint=f"write {option} VALUE")
            options.append(f"{option} {value}")
        elif option in FLAG_OPTIONS:
            if value:
                raise SpecError(f"{where}: {option} takes no value, found {value!r}",
                                hint=f"write {option} alone on its line")
            options.append(option)
        else:
            raise SpecError(f"{where}: unknown option {option!r}",
                            hint="pip accepts -r, -c, -e, -i, --extra-index-url, -f, "
                                 "--pre, --no-index and a few more")
    return RequirementsFile(source=source, requirements=tuple(requirements),
                            constraints=tuple(constraints), options=tuple(options),
                            includes=tuple(includes))


def _resolve(value: str, base: Path | None, where: str) -> Path:
    if _URL.match(value):
        raise SpecError(f"{where}: including {value!r} over the network is not supported",
                        hint="download the file and include it by path")
    path = Path(value).expanduser()
    if not path.is_absolute() and base is not None:
        path = base / path
    return path


def read_requirements(path: Path | str, *, _seen: frozenset[str] = frozenset()
                      ) -> RequirementsFile:
    """Read a requirements file (and the files it includes)."""
    file = Path(path)
    if str(file) in _seen:
        raise SpecError(f"{file} includes itself (through -r/-c)", hint="remove the loop")
    from labtools.textfile import read_text

    text = read_text(file, what="a requirements file", error=SpecError, encoding="utf-8-sig",
                     hint="give a text file with one requirement per line")
    return parse_requirements(text, source=str(file), base=file.parent, _seen=_seen)
