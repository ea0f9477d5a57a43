"""The machinery shared by the command-line backends (conda, mamba, micromamba).

They share the conda command line (``create|install|remove --prefix P --yes --json``),
so one class runs them: it builds the argv from one flag table (CONDA_VERBS), runs it
through :mod:`labtools.process`, and turns the tool's ``--json`` answer into
:class:`~labtools.envs.backends.base.Changes`. What differs per tool (extra flags, how
it reports packages and failures, its info command) lives in the tool's own module,
which subclasses :class:`CliBackend`.

A failure becomes one line that names the command, the tool's own reason and the fix:
an unsatisfiable request is a :class:`~labtools.errors.SolveError`, an unreadable
channel a :class:`~labtools.errors.ChannelError`; a tool older than its minimum says so.
"""

from __future__ import annotations

import json
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from labtools import process
from labtools.envs.backends.base import (
    Changes,
    Command,
    Exported,
    Progress,
    SolvedPackage,
    ToolInfo,
    channel_url,
    unknown_operation,
)
from labtools.errors import ChannelError, EnvError, LabtoolsError, SolveError, ToolNotFoundError

if TYPE_CHECKING:
    from labtools.envs.exact import ExactPackage

_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")
#: reason wording -> the kind of failure, for tools that report failures as text
_CHANNEL_WORDS = ("download error", "not loaded", "repodata", "unavailableinvalidchannel",
                  "channel", "http", "couldn't read a file")


_JSON = ("--yes", "--json")
#: operation -> argv after the tool name ({prefix} is replaced): the command line conda,
#: mamba 2 and micromamba share, word for word (one table; a tool that differs overrides it)
CONDA_VERBS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "create": ("create", "--prefix", "{prefix}", *_JSON),
    "dry-run": ("create", "--prefix", "{prefix}", *_JSON, "--dry-run"),
    "install": ("install", "--prefix", "{prefix}", *_JSON),
    "install-dry-run": ("install", "--prefix", "{prefix}", *_JSON, "--dry-run"),
    "update": ("update", "--prefix", "{prefix}", *_JSON),
    "update-dry-run": ("update", "--prefix", "{prefix}", *_JSON, "--dry-run"),
    "update-all": ("update", "--all", "--prefix", "{prefix}", *_JSON),
    "update-all-dry-run": ("update", "--all", "--prefix", "{prefix}", *_JSON, "--dry-run"),
    "remove": ("remove", "--prefix", "{prefix}", *_JSON),
    "remove-env": ("env", "remove", "--prefix", "{prefix}", *_JSON),
    "list": ("list", "--prefix", "{prefix}", "--json"),
    "export": ("env", "export", "--prefix", "{prefix}", "--json"),
    "export-history": ("env", "export", "--prefix", "{prefix}", "--json", "--from-history"),
})


def collapse(text: str, limit: int = 400) -> str:
    """Many lines of tool output -> one line (tree drawing removed), at most *limit* chars."""
    parts = [line.strip(" \t│├└─") for line in text.splitlines()]
    one = " ".join(" ".join(p for p in parts if p).split())
    return one if len(one) <= limit else one[: limit - 3] + "..."


def version_tuple(text: str | None) -> tuple[int, ...] | None:
    match = _VERSION.search(text or "")
    return tuple(int(p) for p in match.groups() if p is not None) if match else None


class CliBackend(ABC):
    """A conda-command-line tool. Subclasses set the class attributes and parsers."""

    name = "conda-cli"
    tool = "conda"
    writes_history = True
    relocatable = False
    #: oldest version whose command line and --json this adapter follows
    min_version: tuple[int, ...] = (0,)
    #: operation -> argv after the tool name ({prefix} is replaced)
    verbs: Mapping[str, tuple[str, ...]] = CONDA_VERBS
    #: install flag that relinks packages already installed
    reinstall_flag = "--force-reinstall"
    #: operations that take channels
    solving = frozenset({"create", "dry-run", "install", "install-dry-run", "update",
                         "update-dry-run", "update-all", "update-all-dry-run"})

    def __init__(self, extra_env: Mapping[str, str] | None = None) -> None:
        self.extra_env = dict(extra_env or {})

    # ------------------------------------------------------------ commands (public)

    def request(self, specs: Sequence[str]) -> list[str]:
        """The specs as this tool is asked for them (a tool may add to them)."""
        return list(specs)

    def command(self, operation: str, *, prefix: Path, specs: Sequence[str] = (),
                channels: Sequence[str] = ()) -> Command:
        """The exact process *operation* runs (see :data:`~.base.OPERATIONS`)."""
        if operation not in self.verbs:
            raise unknown_operation(self.name, operation)
        argv = [self.tool, *(a.replace("{prefix}", str(prefix)) for a in self.verbs[operation])]
        if operation in self.solving and channels:
            argv.append("--override-channels")
            for channel in channels:
                argv += ["--channel", channel_url(channel)]
        if operation in ("create", "dry-run", "install", "install-dry-run", "update",
                         "update-dry-run"):
            argv += self.request(specs)
        elif operation == "remove":
            argv += list(specs)
        return Command(tuple(argv), dict(self.extra_env))

    # ------------------------------------------------------------ running

    def check_environment(self, environ: Mapping[str, str]) -> None:
        """Refuse, with the fix, settings under which the tool is known to fail."""
        return None  # a tool with no known bad settings refuses nothing

    def run_json(self, cmd: Command, *, what: str) -> Any:
        """Run *cmd*; its parsed --json answer, or one clear error naming it."""
        environ = {**os.environ, **cmd.env}
        self.check_environment(environ)
        done = process.run(cmd.argv, env=environ, check=False)
        data = self._json(done.stdout)
        if done.returncode == 0 and not (isinstance(data, dict) and data.get("success") is False):
            if data is None and done.stdout.strip():
                raise EnvError(f"`{cmd.shell()}` printed no JSON: "
                               f"{collapse(done.stdout, 200)}",
                               hint=f"check that {self.tool} is the real {self.tool}")
            return data
        reason = self.failure_reason(data, done.stderr, cmd)
        self._too_old(cmd)
        raise self.classify(reason, data, done.stderr)(
            f"{what} failed: `{cmd.shell()}` exited {done.returncode}: {reason}",
            hint=self.hint(reason, data, done.stderr))

    @staticmethod
    def _json(text: str) -> Any:
        """The JSON document in *text* (tools may print a warning line before it), or None."""
        starts = [i for i in (text.find("{"), text.find("[")) if i >= 0]
        for start in ([0, min(starts)]) if starts else [0]:
            try:
                return json.loads(text[start:])
            except ValueError:
                continue
        return None

    def failure_reason(self, data: Any, stderr: str, cmd: Command) -> str:
        if isinstance(data, dict):
            for key in ("message", "error"):
                if data.get(key):
                    return collapse(str(data[key]))
        return collapse(process.tail(stderr, 6)) or "no reason given"

    def classify(self, reason: str, data: Any, stderr: str) -> type[LabtoolsError]:
        low = reason.lower()
        if "could not solve" in low or "not available" in low or "does not exist" in low \
                or "unsatisfiable" in low or "conflict" in low or "nothing provides" in low:
            return SolveError
        if any(word in low for word in _CHANNEL_WORDS):
            return ChannelError
        return EnvError

    def hint(self, reason: str, data: Any, stderr: str) -> str:
        kind = self.classify(reason, data, stderr)
        if kind is SolveError:
            return ("check the names and versions against the channel (labtools env create "
                    "--dry-run ...), or relax the pins")
        if kind is ChannelError:
            return "check --channel: it must be an indexed channel (labtools channel index DIR)"
        return f"run the command above by hand to see {self.tool}'s full output"

    def _too_old(self, cmd: Command) -> None:
        info = self.version()
        have = version_tuple(info)
        if have is not None and have < self.min_version:
            want = ".".join(map(str, self.min_version))
            raise ToolNotFoundError(
                f"{self.tool} {info} is too old for labtools (`{cmd.shell()}` failed); "
                f"labtools drives {self.tool} {want} or newer",
                hint=f"upgrade {self.tool}, or use --backend rattler")

    def version(self) -> str | None:
        """The tool's version as it prints it, or None when it does not run."""
        try:
            done = process.run([self.tool, "--version"], env={**os.environ, **self.extra_env},
                               check=False, timeout=60)
        except LabtoolsError:
            return None
        match = _VERSION.search(done.stdout + done.stderr)
        return match.group(0) if match else None

    # ------------------------------------------------------------ parsing

    def package(self, item: Mapping[str, Any]) -> SolvedPackage:
        """One package entry of the tool's --json (conda's and mamba's shapes)."""
        channel = str(item.get("base_url") or item.get("channel") or "")
        subdir = str(item.get("platform") or item.get("subdir") or "")
        if channel.endswith("/" + subdir) and subdir:
            channel = channel[: -len(subdir) - 1]
        return SolvedPackage(
            name=str(item.get("name")), version=str(item.get("version")),
            build=str(item.get("build_string") or item.get("build") or ""),
            channel=channel.rstrip("/"), subdir=subdir, url=str(item.get("url") or ""))

    def changes(self, data: Any) -> Changes:
        actions = data.get("actions", {}) if isinstance(data, dict) else {}
        if not isinstance(actions, dict):
            return Changes()
        return Changes(
            link=tuple(self.package(p) for p in actions.get("LINK", []) or []),
            unlink=tuple(self.package(p) for p in actions.get("UNLINK", []) or []))

    # ------------------------------------------------------------ the Backend protocol

    def create(self, prefix: Path, *, specs: Sequence[str], channels: Sequence[str],
               cache_dir: Path, final_prefix: Path | None = None,
               progress: Progress | None = None) -> Changes:
        cmd = self.command("create", prefix=prefix, specs=specs, channels=channels)
        return self.changes(self.run_json(cmd, what=f"{self.tool} create"))

    def create_exact(self, prefix: Path, *, packages: Sequence[ExactPackage], cache_dir: Path,
                     final_prefix: Path | None = None,
                     progress: Progress | None = None) -> Changes:
        """``create --file EXPLICIT``: the tool installs exactly the verified URLs (it checks
        the hashes written beside them too); what it linked is read back from the prefix."""
        from labtools.envs.exact import explicit_text

        folder = next((p.archive.parent for p in packages if p.archive is not None), None)
        if folder is None:
            raise ValueError("create_exact needs fetched packages")  # a caller's mistake
        explicit = folder / "explicit.txt"
        explicit.write_text(explicit_text(packages), encoding="utf-8")
        cmd = self.command("create", prefix=prefix)
        cmd = Command((*cmd.argv, "--file", str(explicit)), cmd.env)
        self.run_json(cmd, what=f"{self.tool} create --file (explicit)")
        return Changes(link=self.list(prefix))

    def dry_run(self, prefix: Path, *, specs: Sequence[str], channels: Sequence[str],
                cache_dir: Path, existing: bool = False, update_all: bool = False,
                update: bool = False) -> Changes:
        # `install NAME` of an installed NAME changes nothing with mamba: `update NAME`
        op = "update-all-dry-run" if update_all else "update-dry-run" if update \
            else "install-dry-run" if existing else "dry-run"
        cmd = self.command(op, prefix=prefix, specs=specs, channels=channels)
        return self.changes(self.run_json(cmd, what=f"{self.tool} dry run"))

    def install(self, prefix: Path, *, specs: Sequence[str], channels: Sequence[str],
                cache_dir: Path, progress: Progress | None = None,
                update_all: bool = False, reinstall: Sequence[str] = (),
                update: bool = False) -> Changes:
        op = "update-all" if update_all else "update" if update and not reinstall \
            else "install"
        cmd = self.command(op, prefix=prefix, specs=specs, channels=channels)
        if reinstall:
            cmd = Command((*cmd.argv[:2], self.reinstall_flag, *cmd.argv[2:]), cmd.env)
        return self.changes(self.run_json(cmd, what=f"{self.tool} {op}"))

    def remove(self, prefix: Path, *, names: Sequence[str], channels: Sequence[str],
               cache_dir: Path) -> Changes:
        cmd = self.command("remove", prefix=prefix, specs=names)
        return self.changes(self.run_json(cmd, what=f"{self.tool} remove"))

    def install_exact(self, prefix: Path, *, pins: Sequence[str], channels: Sequence[str],
                      cache_dir: Path, reinstall: Sequence[str] = (),
                      progress: Progress | None = None) -> Changes:
        """``install`` the pins (``--force-reinstall`` for damaged ones), then ``remove``
        what the pins do not name."""
        from labtools.envs.specs import names as spec_names

        pinned = spec_names(pins)
        before = {p.name for p in self.list(prefix)}
        linked = self.install(prefix, specs=pins, channels=channels, cache_dir=cache_dir,
                              reinstall=reinstall)
        extra = sorted(n for n in before | {p.name for p in linked.link} if n not in pinned)
        removed = self.remove(prefix, names=extra, channels=channels, cache_dir=cache_dir) \
            if extra else Changes()
        return Changes(link=linked.link, unlink=(*linked.unlink, *removed.unlink))

    def remove_env(self, prefix: Path) -> None:
        self.run_json(self.command("remove-env", prefix=prefix), what=f"{self.tool} env remove")

    def list(self, prefix: Path) -> tuple[SolvedPackage, ...]:
        data = self.run_json(self.command("list", prefix=prefix), what=f"{self.tool} list")
        items = data if isinstance(data, list) else []
        return tuple(sorted((self.package(p) for p in items if isinstance(p, dict)),
                            key=lambda p: p.name))

    def export(self, prefix: Path, *, from_history: bool = False) -> Exported:
        op = "export-history" if from_history else "export"
        data = self.run_json(self.command(op, prefix=prefix), what=f"{self.tool} env export")
        deps = data.get("dependencies", []) if isinstance(data, dict) else []
        return Exported(
            channels=tuple(str(c) for c in (data or {}).get("channels", []) or []),
            dependencies=tuple(str(d) for d in deps if isinstance(d, str)))

    def info(self) -> ToolInfo:
        """The tool's version and configuration, from ``TOOL info --json``; a tool that is
        missing or fails says so in ``error``."""
        exe = process.which(self.tool)
        if exe is None:
            return ToolInfo(self.name, None, None, error=f"{self.tool} is not on PATH")
        try:
            data = self.run_json(Command((self.tool, "info", "--json"), self.extra_env),
                                 what=f"{self.tool} info")
        except LabtoolsError as exc:
            return ToolInfo(self.name, exe, self.version(), error=exc.one_line())
        return self.read_info(exe, data)

    @abstractmethod
    def read_info(self, exe: str, data: Any) -> ToolInfo:
        """The :class:`ToolInfo` in *data*, ``info --json``'s answer (each tool's own shape)."""

    def cache_dirs(self) -> tuple[Path, ...]:
        info = self.info()
        dirs = info.details.get("pkgs_dirs") or ()
        return tuple(Path(d) for d in dirs)


__all__ = ["CliBackend", "collapse", "version_tuple"]
