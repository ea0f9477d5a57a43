"""Convert Python wheels into conda packages.

Pure wheels become ``noarch: python`` packages (console scripts as ``link.json`` entry
points); binary wheels become packages for the host subdir pinned to one Python
``X.Y``. ``Requires-Dist`` lines become ``depends`` with their markers evaluated for
the target interpreter; extras are dropped. Dist-info keeps ``INSTALLER = conda`` and
loses ``RECORD``, so pip sees the package as conda's and will not uninstall it.
"""

from __future__ import annotations

import configparser
import email.parser
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from labtools.channel.condapkg import PackageMeta, build_conda
from labtools.errors import ChannelError

PLACEHOLDER = "/opt/anaconda1anaconda2anaconda3"
_SCRIPT_KINDS = ("console_scripts", "gui_scripts")


@dataclass(frozen=True)
class WheelInfo:
    """What a wheel says about itself (METADATA, WHEEL, entry_points.txt)."""

    name: str
    version: str
    pure: bool
    requires: tuple[str, ...]
    requires_python: str | None
    entry_points: tuple[str, ...]
    summary: str | None
    license: str | None
    dist_info: str


def conda_name(pypi_name: str) -> str:
    """PyPI project name -> conda package name (PEP 503 normalised, dashes)."""
    return re.sub(r"[-_.]+", "-", pypi_name).lower()


def marker_environment(python_version: str, subdir: str = "linux-64") -> dict[str, str]:
    """PEP 508 marker values for a CPython of *python_version* on *subdir*."""
    system, _, bits = subdir.partition("-")
    machine = {"64": "x86_64", "aarch64": "aarch64", "arm64": "arm64"}.get(bits, bits)
    return {
        "python_version": python_version,
        "python_full_version": f"{python_version}.0",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "sys_platform": {"linux": "linux", "osx": "darwin", "win": "win32"}.get(system, system),
        "platform_system": {"linux": "Linux", "osx": "Darwin", "win": "Windows"}.get(
            system, system
        ),
        "os_name": "nt" if system == "win" else "posix",
        "platform_machine": machine,
        "extra": "",
    }


def conda_version_spec(specifier: str) -> str:
    """A PEP 440 specifier set -> conda's version spec (``==1.2.*`` is ``1.2.*`` there).

    conda (and rattler) read ``==1.2.*`` as exactly ``1.2``; PEP 440 means "any 1.2.x".
    ``===`` (arbitrary equality) becomes ``==``. Clauses are sorted, joined by ``,``.
    """
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        clauses = SpecifierSet(specifier)
    except InvalidSpecifier as exc:
        raise ChannelError(f"unreadable version specifier {specifier!r}: {exc}") from None
    out = []
    for clause in clauses:
        op, version = clause.operator, clause.version
        if op == "==" and version.endswith(".*"):
            out.append(version)
        elif op == "===":
            out.append(f"=={version}")
        else:
            out.append(f"{op}{version}")
    return ",".join(sorted(out))


def requirement_to_depend(
    requirement: str, environment: dict[str, str], naming: Callable[[str], str] = conda_name
) -> str | None:
    """One ``Requires-Dist`` line -> a conda match spec, or None when its marker is false.

    *naming* maps the PyPI project name to its conda name (default: normalized, dashes).
    """
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(requirement)
    except InvalidRequirement as exc:
        raise ChannelError(f"unreadable Requires-Dist {requirement!r}: {exc}") from None
    if req.marker is not None and not req.marker.evaluate(environment):
        return None
    spec = conda_version_spec(str(req.specifier))
    return f"{naming(req.name)} {spec}".strip()


def conda_version(version: str) -> str:
    """A wheel's version as conda writes it: PEP 440 normalized, no dashes."""
    from packaging.version import InvalidVersion, Version

    try:
        return str(Version(version))
    except InvalidVersion:
        return version.replace("-", "_")


def read_wheel(zf: zipfile.ZipFile) -> WheelInfo:
    names = zf.namelist()
    # top-level folders only: a wheel may vendor other projects' dist-info (bleach does)
    dist_infos = {PurePosixPath(n).parts[0] for n in names
                  if PurePosixPath(n).parts[0].endswith(".dist-info")}
    if len(dist_infos) != 1:
        raise ChannelError(f"{zf.filename} is not a wheel: found dist-info dirs {dist_infos}")
    dist_info = dist_infos.pop()
    meta = email.parser.Parser().parsestr(zf.read(f"{dist_info}/METADATA").decode())
    wheel = email.parser.Parser().parsestr(zf.read(f"{dist_info}/WHEEL").decode())
    entry_points: list[str] = []
    if f"{dist_info}/entry_points.txt" in names:
        parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read_string(zf.read(f"{dist_info}/entry_points.txt").decode())
        for kind in _SCRIPT_KINDS:
            if parser.has_section(kind):
                entry_points += [f"{k} = {_callable(v)}" for k, v in parser.items(kind)]
    return WheelInfo(
        name=str(meta["Name"]),
        version=str(meta["Version"]),
        pure=str(wheel.get("Root-Is-Purelib", "false")).strip().lower() == "true",
        requires=tuple(str(r) for r in meta.get_all("Requires-Dist") or ()),
        requires_python=meta.get("Requires-Python"),
        entry_points=tuple(entry_points),
        summary=meta.get("Summary"),
        license=meta.get("License-Expression") or meta.get("License"),
        dist_info=dist_info,
    )


def _callable(target: str) -> str:
    """``module:func [extra]`` -> ``module:func``: extras only gate pip; conda wants the call."""
    return re.sub(r"\s*\[.*\]\s*$", "", target).strip()


def _script(entry_point: str) -> tuple[str, str]:
    name, _, target = (part.strip() for part in entry_point.partition("="))
    module, _, func = target.partition(":")
    body = (
        f"#!{PLACEHOLDER}/bin/python\n"
        "import re\nimport sys\n"
        f"from {module} import {func.split('.')[0]}\n"
        "if __name__ == '__main__':\n"
        "    sys.argv[0] = re.sub(r'(-script\\.pyw?|\\.exe)?$', '', sys.argv[0])\n"
        f"    sys.exit({func}())\n"
    )
    return name, body


def _destination(member: str, info: WheelInfo, site: str, scripts: str) -> str | None:
    """Where a wheel member lands in the prefix (None: dropped)."""
    parts = PurePosixPath(member).parts
    data_dir = info.dist_info.replace(".dist-info", ".data")
    if parts[0] == info.dist_info and parts[-1] in ("RECORD", "INSTALLER", "REQUESTED"):
        return None
    if parts[0] != data_dir:
        return f"{site}/{member}"
    kind, rest = parts[1], "/".join(parts[2:])
    if kind in ("purelib", "platlib"):
        return f"{site}/{rest}"
    if kind == "scripts":
        return f"{scripts}/{rest}"
    if kind == "data":
        return rest
    if kind == "headers":
        return f"include/{info.name}/{rest}"
    return None


def wheel_to_conda(
    wheel: Path,
    out_channel: Path,
    *,
    python_version: str,
    subdir: str = "linux-64",
    naming: Callable[[str], str] = conda_name,
    environment: dict[str, str] | None = None,
    extra_depends: Sequence[str] = (),
) -> Path:
    """Convert one wheel into a ``.conda`` inside *out_channel* (``noarch/`` or *subdir*).

    *naming* maps PyPI names to conda names (the package's own and its depends');
    *environment* is the PEP 508 marker environment (default: a CPython of
    *python_version* on *subdir*); *extra_depends* are added as they are (a mirror adds
    the requirements of extras, ``bleach[css]``, this way).
    """
    if not zipfile.is_zipfile(wheel):
        raise ChannelError(f"{wheel} is not a wheel (not a zip file)", hint="pass .whl files")
    env = environment or marker_environment(python_version, subdir)
    try:
        with zipfile.ZipFile(wheel) as zf:
            return _convert(zf, out_channel, python_version, subdir, naming, env, extra_depends)
    except (zipfile.BadZipFile, KeyError, OSError, UnicodeDecodeError) as exc:
        if isinstance(exc, ChannelError):
            raise
        raise ChannelError(f"{wheel.name} is a broken wheel: {exc}",
                           hint="delete it and download it again") from None


def _convert(
    zf: zipfile.ZipFile,
    out_channel: Path,
    python_version: str,
    subdir: str,
    naming: Callable[[str], str],
    env: dict[str, str],
    extra_depends: Sequence[str],
) -> Path:
    with tempfile.TemporaryDirectory(dir=out_channel, prefix=".stage-") as tmp:
        info = read_wheel(zf)
        stage = Path(tmp)
        noarch = info.pure
        site = "site-packages" if noarch else f"lib/python{python_version}/site-packages"
        scripts = "python-scripts" if noarch else "bin"
        placeholders: dict[str, str] = {}
        for member in zf.infolist():
            if member.is_dir():
                continue
            dest = _destination(member.filename, info, site, scripts)
            if dest is None:
                continue
            target = stage / dest
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(member) as src, target.open("wb") as out:
                shutil.copyfileobj(src, out)
            mode = (member.external_attr >> 16) & 0o777
            if dest.startswith(scripts + "/"):
                _fix_shebang(target, placeholders, dest)
                mode |= 0o755
            if mode:
                target.chmod(mode | 0o644)
        (stage / site / info.dist_info / "INSTALLER").write_text("conda\n")
        depends = [d for r in info.requires if (d := requirement_to_depend(r, env, naming))]
        depends += extra_depends
        if noarch:
            floor = conda_version_spec(info.requires_python or "")
            depends.insert(0, f"python {floor}".strip())
        else:
            major, minor = (int(p) for p in python_version.split(".")[:2])
            depends.insert(0, f"python >={major}.{minor},<{major}.{minor + 1}.0a0")
            for entry in info.entry_points:
                name, body = _script(entry)
                script = stage / "bin" / name
                script.parent.mkdir(parents=True, exist_ok=True)
                script.write_text(body)
                script.chmod(0o755)
                placeholders[f"bin/{name}"] = PLACEHOLDER
        pytag = python_version.replace(".", "")
        meta = PackageMeta(
            name=naming(info.name),
            version=conda_version(info.version),
            build="pyh_lab_0" if noarch else f"py{pytag}h_lab_0",
            subdir="noarch" if noarch else subdir,
            depends=tuple(dict.fromkeys(depends)),
            noarch="python" if noarch else None,
            entry_points=info.entry_points if noarch else (),
            license=info.license,
            summary=info.summary,
            placeholders=placeholders,
        )
        return build_conda(stage, meta, out_channel / meta.subdir)


def _fix_shebang(path: Path, placeholders: dict[str, str], rel: str) -> None:
    data = path.read_bytes()
    if not data.startswith(b"#!python"):
        return
    rest = data.split(b"\n", 1)[1] if b"\n" in data else b""
    path.write_bytes(f"#!{PLACEHOLDER}/bin/python\n".encode() + rest)
    placeholders[rel] = PLACEHOLDER
