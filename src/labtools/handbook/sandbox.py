"""A hermetic sandbox for executing tutorials, extensible with lab services.

The sandbox owns a scratch folder. Each tutorial gets its own HOME, XDG dirs, Jupyter
and IPython dirs and working directory inside it, so nothing touches the real home.
Lab services (an offline conda channel, a loopback SSH host, ...) start once per build
and describe themselves to tutorials the way a team's real lab is described: through
``LABTOOLS_*`` variables (the labtools profile) and files in each tutorial's HOME.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from labtools.secret_registry import SECRETS_FILE_ENV, read_secrets_file

# Variables copied from the outer environment into the sandbox; everything else is dropped.
PASSTHROUGH = (
    "PATH",
    "LANG",
    "LC_ALL",
    "TZ",
    "TERM",
    "SSL_CERT_FILE",
    "PIP_CERT",
    "PIP_FIND_LINKS",
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_CONFIG_FILE",
    # the folder whose bin/ holds the real conda/mamba/micromamba (tools/real-tools.sh);
    # a tutorial that teaches them puts it first on its PATH (the benchmark does)
    "LABTOOLS_REAL_TOOLS",
)


class Service:
    """A lab service the sandbox starts once per build. Override what you need."""

    name = "service"
    #: the handbook's project root, set before :meth:`start`
    project: Path | None = None

    def start(self, scratch: Path) -> None:
        """Start the service; *scratch* is a private folder for its files."""

    def environ(self) -> dict[str, str]:
        """Variables every tutorial sees (the labtools profile: ``LABTOOLS_*``)."""
        return {}

    def prepare_home(self, home: Path) -> None:
        """Write per-tutorial configuration (e.g. ``~/.ssh/config``) into *home*."""

    def secrets(self) -> set[str]:
        """Secrets this service generated, to be scrubbed from every output."""
        return set()

    def fingerprint(self) -> str:
        """What about this service, if changed, invalidates cached tutorials.

        Called before :meth:`start` (a build that executes nothing starts no service).
        """
        return self.name

    def stop(self) -> None:
        """Stop the service; called on every exit path."""


# Services every handbook build starts: "module:Class" entries, instantiated with no args.
DEFAULT_SERVICES: list[str] = [
    "labtools.handbook.services.lab_channel:LabChannelService",
    "labtools.handbook.services.remote_host:RemoteHostService",
    "labtools.handbook.services.real_tools:RealToolsService",
]


def load_services(specs: Sequence[str]) -> list[Service]:
    services: list[Service] = []
    for spec in specs:
        module_name, _, attr = spec.partition(":")
        factory = getattr(importlib.import_module(module_name), attr)
        services.append(factory())
    return services


@dataclass
class TutorialWorld:
    """The isolated world one tutorial executes in."""

    name: str
    root: Path
    home: Path
    cwd: Path
    env: dict[str, str]


@dataclass
class Sandbox:
    """Scratch folder + services; ``world(name)`` gives each tutorial its isolated world."""

    scratch: Path
    services: list[Service] = field(default_factory=list)
    secrets_file: Path = field(init=False)
    _runtime_dirs: list[Path] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.scratch = self.scratch.resolve()
        self.secrets_file = self.scratch / "secrets.txt"

    def secrets(self) -> frozenset[str]:
        found: set[str] = set(read_secrets_file(self.secrets_file))
        for service in self.services:
            found |= service.secrets()
        return frozenset(found)

    def runtime_dir(self, name: str) -> Path:
        """A short, private runtime folder for one tutorial (outside the scratch tree)."""
        tag = hashlib.sha256(f"{self.scratch}/{name}".encode()).hexdigest()[:10]
        return Path(tempfile.gettempdir()) / f"labtools-{os.getuid()}" / tag

    def remove_runtime_dirs(self) -> None:
        for run in self._runtime_dirs:
            shutil.rmtree(run, ignore_errors=True)

    def record_secrets(self) -> None:
        """Append the services' secrets to the secrets file, so checks of the site see them."""
        known = read_secrets_file(self.secrets_file)
        fresh = [s for s in self.secrets() if s not in known]
        if fresh:
            fd = os.open(self.secrets_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as fh:
                fh.writelines(s.replace("\n", "\\n") + "\n" for s in fresh)

    def world(self, name: str) -> TutorialWorld:
        root = self.scratch / "worlds" / name
        if root.exists():
            shutil.rmtree(root)
        home = root / "home"
        cwd = root / "work"
        # sockets (ssh control masters, kernels) need a short path: Unix sockets max ~107 bytes
        run = self.runtime_dir(name)
        if run.exists():
            shutil.rmtree(run)
        dirs = {
            "HOME": home,
            "XDG_CONFIG_HOME": home / ".config",
            "XDG_DATA_HOME": home / ".local" / "share",
            "XDG_CACHE_HOME": home / ".cache",
            "XDG_STATE_HOME": home / ".local" / "state",
            "XDG_RUNTIME_DIR": run,
            "JUPYTER_DATA_DIR": home / ".local" / "share" / "jupyter",
            "JUPYTER_CONFIG_DIR": home / ".jupyter",
            "JUPYTER_RUNTIME_DIR": run / "jupyter",
            "IPYTHONDIR": home / ".ipython",
            "MPLCONFIGDIR": home / ".config" / "matplotlib",
            "CONDA_ENVS_PATH": root / "conda-envs",
            "CONDA_PKGS_DIRS": root / "conda-pkgs",
        }
        for path in dirs.values():
            path.mkdir(parents=True, exist_ok=True)
        cwd.mkdir(parents=True, exist_ok=True)
        run.chmod(0o700)
        run.parent.chmod(0o700)
        self._runtime_dirs.append(run)
        env = {k: os.environ[k] for k in PASSTHROUGH if k in os.environ}
        # the tutorial's interpreter and the labtools CLI come first on PATH
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        env.update({k: str(v) for k, v in dirs.items()})
        env.update(
            {
                "USER": os.environ.get("USER", "labuser"),
                "PYTHONNOUSERSITE": "1",
                "LABTOOLS_SANDBOX": "1",
                "NO_COLOR": "1",
                # CI builds run as root; a reader's pip would not warn about that
                "PIP_ROOT_USER_ACTION": "ignore",
                SECRETS_FILE_ENV: str(self.secrets_file),
            }
        )
        for service in self.services:
            env.update(service.environ())
            service.prepare_home(home)
        # environments a tutorial creates are its own: parallel tutorials never collide
        env["LABTOOLS_ENVS_ROOT"] = str(root / "envs")
        return TutorialWorld(name=name, root=root, home=home, cwd=cwd, env=env)


@contextmanager
def open_sandbox(
    scratch: Path, services: Sequence[Service] | None = None, *, project: Path | None = None
) -> Iterator[Sandbox]:
    """Start *services* (default: :data:`DEFAULT_SERVICES`) in *scratch*; stop them on exit."""
    scratch.mkdir(parents=True, exist_ok=True)
    scratch.parent.chmod(0o700)  # private: holds keys and the secrets file
    chosen = list(services) if services is not None else load_services(DEFAULT_SERVICES)
    sandbox = Sandbox(scratch=scratch, services=[])
    with ExitStack() as stack:
        for service in chosen:
            service_dir = sandbox.scratch / "services" / service.name
            service_dir.mkdir(parents=True, exist_ok=True)
            stack.callback(service.stop)
            service.project = project
            service.start(service_dir)
            sandbox.services.append(service)
        stack.callback(sandbox.remove_runtime_dirs)
        stack.callback(sandbox.record_secrets)
        yield sandbox
