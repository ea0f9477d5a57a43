"""``Prefix``: the read model of one environment on disk, and the only reader of its records.

"The path is the state": an environment is a prefix folder. :class:`Prefix` knows its
layout (``bin/``, ``lib/pythonX.Y/site-packages``, the records folder ``conda-meta/``),
reads its package records (through rattler's ``PrefixRecord``), the pip dist-infos no
record owns, its history (conda's format, read and appended), its python version, who
made it, and whether it is complete. Nothing else in labtools opens ``conda-meta/``.

Every unreadable or corrupt file is one :class:`~labtools.errors.SpecError` that names
the file and what is wrong with it. The in-progress marker of a create or update that
has not finished lives beside the prefix (``.NAME.labtools-incomplete``), so it exists
before the tool that builds the prefix has made it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labtools.envs.history import Revision, owner, parse_history, requested_specs
from labtools.envs.records import CondaRecord, PipRecord, parse_dist_info, record_from_rattler
from labtools.errors import EnvError, SpecError

META = "conda-meta"
LAYOUT_DIRS = ("bin", "lib", "include", "share", META)
_PY_DIR = re.compile(r"^python(\d+)\.(\d+)t?$")
_BASE_MARKERS = ("condabin", "pkgs/urls.txt", "bin/conda")


@dataclass(frozen=True)
class PrefixState:
    """Everything labtools reads from a prefix to describe it (one consistent read)."""

    prefix: Path
    conda: tuple[CondaRecord, ...]
    pip: tuple[PipRecord, ...]
    history_text: str | None
    #: name -> spec the user asked for, as the tool that made the env reports it
    #: (``conda env export --from-history``); None when not asked or not available
    requested_by_owner: dict[str, str] | None = None


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read {path}: {exc}", hint="check its permissions") from None


def remove_tree(path: Path) -> None:
    """Remove a prefix (also read-only files); a missing path is fine."""
    def onerror(func: object, name: str, exc: object) -> None:
        os.chmod(name, 0o700)
        Path(name).unlink(missing_ok=True) if not Path(name).is_dir() else shutil.rmtree(name)

    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path, onerror=onerror)


class Prefix:
    """One environment folder. Cheap to make; each reader reads the disk when called."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).expanduser().absolute()

    def __repr__(self) -> str:
        return f"Prefix({str(self.path)!r})"

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def meta_dir(self) -> Path:
        """The records folder (``conda-meta/``)."""
        return self.path / META

    @property
    def history_path(self) -> Path:
        return self.meta_dir / "history"

    @property
    def snapshot_dir(self) -> Path:
        """Where ``labtools env update`` keeps this env's snapshots (inside the env)."""
        return self.meta_dir / "labtools-snapshots"

    # ------------------------------------------------------------ layout

    def exists(self) -> bool:
        return self.path.is_dir()

    def is_env(self) -> bool:
        """A conda-style env: it has a records folder."""
        return self.meta_dir.is_dir()

    def is_base(self) -> bool:
        """A conda installation's root (base) rather than a named environment."""
        return self.is_env() and any((self.path / m).exists() for m in _BASE_MARKERS)

    def kind(self) -> str:
        """``conda`` (has records), ``venv`` (pyvenv.cfg) or ``plain``."""
        if self.is_env():
            return "conda"
        if (self.path / "pyvenv.cfg").is_file():
            return "venv"
        return "plain"

    def layout(self) -> dict[str, bool]:
        return {name: (self.path / name).is_dir() for name in LAYOUT_DIRS}

    def python_dirs(self) -> list[tuple[tuple[int, int], Path]]:
        """``lib/pythonX.Y`` folders, newest first."""
        lib = self.path / "lib"
        found: list[tuple[tuple[int, int], Path]] = []
        if lib.is_dir():
            for child in lib.iterdir():
                match = _PY_DIR.match(child.name)
                if match and child.is_dir():
                    found.append(((int(match[1]), int(match[2])), child))
        return sorted(found, reverse=True)

    def python_version(self) -> str | None:
        """``X.Y`` from ``lib/pythonX.Y`` (no process started), or None."""
        dirs = self.python_dirs()
        return ".".join(map(str, dirs[0][0])) if dirs else None

    def site_packages(self) -> Path | None:
        for _, pydir in self.python_dirs():
            candidate = pydir / "site-packages"
            if candidate.is_dir():
                return candidate
        return None

    def python(self) -> Path | None:
        for name in ("bin/python", "bin/python3", "python.exe"):
            candidate = self.path / name
            if candidate.exists():
                return candidate
        return None

    # ------------------------------------------------------------ records

    def _require_env(self) -> Path:
        if not self.meta_dir.is_dir():
            if not self.path.is_dir():
                raise EnvError(f"no environment at {self.path}",
                               hint="give an existing env name or prefix (labtools env list)")
            raise EnvError(f"{self.path} has no {META} folder, so it is not a conda "
                           "environment",
                           hint="give the prefix of a conda, mamba, pixi or labtools "
                                "environment")
        return self.meta_dir

    def record_paths(self) -> list[Path]:
        return sorted(self._require_env().glob("*.json"))

    def _load(self) -> list[tuple[Path, Any]]:
        # rattler costs ~0.1 s to import: only commands that read records pay for it
        from rattler import PrefixRecord

        found = []
        for path in self.record_paths():
            try:
                found.append((path, PrefixRecord.from_path(path)))
            except Exception as exc:  # rattler's IoError: unreadable, not JSON, a field missing
                detail = " ".join(str(exc).split()) or type(exc).__name__
                raise SpecError(f"corrupt package record {path}: {detail}",
                                hint="reinstall that package, or delete the file and "
                                     "recreate the environment") from None
        return found

    def rattler_records(self) -> list[Any]:
        """The records as rattler ``PrefixRecord`` objects (for the built-in engine)."""
        return [record for _, record in self._load()]

    def records(self) -> tuple[CondaRecord, ...]:
        """Every package record, sorted by name."""
        records = [record_from_rattler(r, source=str(p)) for p, r in self._load()]
        return tuple(sorted(records, key=lambda r: r.name.lower()))

    def package_names(self) -> set[str]:
        return {r.name for r in self.records()}

    def package_keys(self) -> tuple[str, ...]:
        """``name=version=build`` of every package, sorted: the env's exact set."""
        return tuple(sorted(f"{r.name}={r.version}={r.build}" for r in self.records()))

    def damaged(self) -> set[str]:
        """Packages with a file their record lists but the disk lacks (e.g. pip removed a
        copy it had written over the package's)."""
        return {r.name for r in self.records()
                if any(not os.path.lexists(self.path / f) for f in r.files)}

    def owner_of_file(self, rel: str) -> CondaRecord | None:
        """The record listing *rel* (or a file below it), if any."""
        for record in self.records():
            if any(f == rel or f.startswith(rel + "/") for f in record.files):
                return record
        return None

    def make_records_readable(self) -> None:
        """Records are world-readable, as conda writes them (rattler writes 0600)."""
        for record in self.meta_dir.glob("*.json"):
            os.chmod(record, 0o644)

    # ------------------------------------------------------------ pip dist-infos

    def dist_info_names(self) -> list[str]:
        """Names of every ``*.dist-info`` folder in site-packages (owned or not)."""
        site = self.site_packages()
        return [p.name for p in site.glob("*.dist-info")] if site else []

    def dists(self, records: tuple[CondaRecord, ...] | None = None) -> tuple[PipRecord, ...]:
        """dist-infos installed by something other than conda and owned by no record."""
        site = self.site_packages()
        if site is None:
            return ()
        conda = self.records() if records is None and self.is_env() else (records or ())
        owned = {f for r in conda for f in r.files}
        rel_site = site.relative_to(self.path).as_posix() if site.is_relative_to(
            self.path) else None
        found = []
        for dist in sorted(site.glob("*.dist-info")):
            if rel_site is not None and f"{rel_site}/{dist.name}/METADATA" in owned:
                continue
            installer = _read_text(dist / "INSTALLER")
            if installer is not None and installer.strip() == "conda":
                continue
            metadata = _read_text(dist / "METADATA")
            if metadata is None:
                raise SpecError(f"{dist} has no METADATA", hint="reinstall the package with pip")
            record = _read_text(dist / "RECORD")
            if record is None:
                raise SpecError(f"{dist} has no RECORD file, so its files are unknown",
                                hint="reinstall the package with pip "
                                     "(pip install --force-reinstall)")
            found.append(parse_dist_info(
                source=str(dist), metadata=metadata, installer=installer, record=record,
                direct_url=_read_text(dist / "direct_url.json"),
                requested=(dist / "REQUESTED").exists()))
        return tuple(sorted(found, key=lambda r: r.name.lower()))

    # ------------------------------------------------------------ history

    def history_text(self) -> str | None:
        return _read_text(self.history_path)

    def history(self) -> tuple[Revision, ...]:
        text = self.history_text()
        if not text:
            return ()
        try:
            return parse_history(text)
        except SpecError as exc:
            raise SpecError(f"{self.history_path}: {exc.message}", hint=exc.hint) from None

    def append_history(self, block: str) -> None:
        """Append one block in conda's format (see :func:`labtools.envs.history.history_block`)."""
        self.meta_dir.mkdir(parents=True, exist_ok=True)
        with self.history_path.open("a", encoding="utf-8") as handle:
            handle.write(block)

    def requested(self) -> dict[str, str]:
        """name -> the spec the user asked for: from the history, else from the records'
        ``requested_specs`` (rattler and pixi leave the history empty)."""
        revisions = self.history()
        if any(rev.update_specs for rev in revisions):
            return requested_specs(revisions)
        wanted: dict[str, str] = {}
        for record in self.records():
            for spec in record.requested_specs:
                wanted[record.name] = spec
        return wanted

    def owner(self) -> str:
        """The backend that made this env: ``conda``, ``mamba``, ``micromamba`` or
        ``rattler`` (labtools' engine, and envs whose history names no tool)."""
        made_by = owner(self.history())
        return made_by if made_by in ("conda", "mamba", "micromamba") else "rattler"

    def state(self) -> PrefixState:
        """Records, foreign dist-infos and the history text, read together."""
        conda = self.records()
        return PrefixState(prefix=self.path, conda=conda, pip=self.dists(conda),
                           history_text=self.history_text())

    # ------------------------------------------------------------ completeness

    @property
    def marker_path(self) -> Path:
        """The in-progress marker of an unfinished create or update (beside the prefix)."""
        return self.path.parent / f".{self.path.name}.labtools-incomplete"

    def incomplete(self) -> dict[str, Any] | None:
        """What the in-progress marker says (operation, pid, build folder), or None."""
        text = _read_text(self.marker_path)
        if text is None:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        return data if isinstance(data, dict) else {"operation": "unknown"}

    def is_complete(self) -> bool:
        return self.exists() and self.incomplete() is None

    def write_marker(self, data: dict[str, Any]) -> None:
        partial = self.marker_path.with_name(self.marker_path.name + f".{os.getpid()}")
        partial.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
        os.replace(partial, self.marker_path)

    def clear_marker(self) -> None:
        self.marker_path.unlink(missing_ok=True)


__all__ = ["LAYOUT_DIRS", "META", "Prefix", "PrefixState", "remove_tree"]
