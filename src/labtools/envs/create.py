"""Create an environment atomically, the way the lab agreed.

The built-in engine links into a hidden temporary prefix beside the target (with
paths patched for the final location) and renames it into place; a failure or Ctrl-C
removes the temporary prefix, so nothing is left behind. After the rename the
``pip:`` part of an environment.yml is installed with the env's own pip (as conda
does), site-packages is byte-compiled and ``conda-meta/history`` gets conda's block;
a failure there removes the new environment again.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from labtools import process
from labtools.envs.backends import choose_backend, get_backend
from labtools.envs.names import check_name, name_problem
from labtools.envs.rattler_engine import Progress, SolvedPackage
from labtools.errors import EnvError, UsageError


@dataclass(frozen=True)
class CreateResult:
    """What ``create_env`` did (or, with ``dry_run``, would do)."""

    name: str
    prefix: Path
    backend: str
    backend_reason: str
    packages: tuple[SolvedPackage, ...]
    pip: tuple[str, ...]
    dry_run: bool
    seconds: float
    warnings: tuple[str, ...]


def _writable_root(root: Path) -> Path:
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EnvError(f"cannot create the envs root {root}: {exc.strerror}",
                       hint="pass --root DIR you can write to, or set LABTOOLS_ENVS_ROOT") from None
    if not os.access(root, os.W_OK | os.X_OK):
        raise EnvError(f"the envs root {root} is not writable",
                       hint="pass --root DIR you can write to, or set LABTOOLS_ENVS_ROOT")
    return root


def remove_tree(path: Path) -> None:
    """Remove a prefix (also read-only files); a missing path is fine."""
    def onerror(func: object, name: str, exc: object) -> None:
        os.chmod(name, 0o700)
        Path(name).unlink(missing_ok=True) if not Path(name).is_dir() else shutil.rmtree(name)

    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path, onerror=onerror)


def _pip_install(prefix: Path, requirements: Sequence[str]) -> None:
    python = prefix / "bin" / "python"
    process.run([python, "-m", "pip", "install", "--no-input", "--disable-pip-version-check",
                 "--no-warn-script-location", *requirements])


def byte_compile(prefix: Path, cache_dir: Path | None = None) -> None:
    """Byte-compile every package's Python files (rattler does not), reusing cached bytecode."""
    from labtools.envs.bytecode import compile_prefix

    compile_prefix(prefix, cache_dir)


def create_env(
    *,
    name: str | None = None,
    specs: Sequence[str] = (),
    file: Path | str | None = None,
    channels: Sequence[str] = (),
    backend: str | None = None,
    root: Path | str | None = None,
    dry_run: bool = False,
    force_name: bool = False,
    cache_dir: Path | str | None = None,
    compile_bytecode: bool = True,
    progress: Progress | None = None,
    command: Sequence[str] | None = None,
) -> CreateResult:
    """Create environment *name* under the profile's envs root (see module docs)."""
    from labtools import __version__
    from labtools.envs.history import LinkedDist, append_history, history_block
    from labtools.profile import load_profile

    started = time.perf_counter()
    profile = load_profile()
    request_specs, pip_reqs = list(specs), []
    request_channels = list(channels)
    if file is not None:
        from labtools.spec.envfile import load_request

        request = load_request(file)
        request_specs = [*request.specs, *request_specs]
        pip_reqs = list(request.pip)
        request_channels = request_channels or list(request.channels)
        name = name or request.name
    if not name:
        raise UsageError("no environment name given",
                         hint="pass NAME, or a --file with a 'name:' line")
    if not request_specs:
        raise UsageError("no packages requested", hint="give specs, e.g. python=3.11 ipykernel")
    warnings: list[str] = []
    problem = name_problem(name)
    if problem and problem[1] and profile.naming != "refuse":
        if profile.naming == "warn":
            warnings.append(problem[0])
    else:
        check_name(name, force=force_name, specs=request_specs)
    if pip_reqs and not any(s.split("=")[0].split()[0] == "pip" for s in request_specs):
        request_specs.append("pip")
    channels_used = request_channels or list(profile.channels)
    choice = choose_backend(backend or profile.backend)
    engine = get_backend(choice.backend)
    envs_root = Path(root).expanduser() if root else profile.envs_root
    target = envs_root.absolute() / name
    if target.exists():
        raise EnvError(f"an environment already exists at {target}",
                       hint=f"pick another name or remove it: labtools env remove {name}")
    cache = Path(cache_dir) if cache_dir else profile.cache_dir
    if not dry_run:
        _writable_root(envs_root)
    build = target.with_name(f".{name}.partial-{uuid.uuid4().hex[:8]}") if engine.relocatable \
        else target
    try:
        packages = engine.create(build, final_prefix=target, specs=request_specs,
                                 channels=channels_used, cache_dir=cache, dry_run=dry_run,
                                 progress=progress)
        if not dry_run:
            if build != target:
                build.rename(target)
            if pip_reqs:
                _pip_install(target, pip_reqs)
            if compile_bytecode:
                byte_compile(target, cache)
            channel_of = {p.name: p.channel.rstrip("/") for p in packages}
            block = history_block(
                when=datetime.now(),
                command=list(command) if command else ["labtools", "env", "create", name,
                                                        *request_specs],
                linked=[LinkedDist(channel_of[p.name] or "local", p.name, p.version, p.build)
                        for p in packages],
                update_specs=request_specs, tool_version=__version__,
            )
            append_history(target, block)
            _register(target)
    except BaseException:
        remove_tree(build)
        if not dry_run:
            remove_tree(target)
        raise
    return CreateResult(
        name=name, prefix=target, backend=choice.backend, backend_reason=choice.reason,
        packages=tuple(packages), pip=tuple(pip_reqs), dry_run=dry_run,
        seconds=time.perf_counter() - started, warnings=tuple(warnings),
    )


def environments_txt() -> Path:
    return Path.home() / ".conda" / "environments.txt"


def _register(prefix: Path) -> None:
    """Append the prefix to ``~/.conda/environments.txt`` as conda does."""
    path = environments_txt()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        known = path.read_text().splitlines() if path.exists() else []
        if str(prefix) not in known:
            with path.open("a") as handle:
                handle.write(f"{prefix}\n")
    except OSError:
        pass  # a read-only home must not fail the create


__all__ = ["CreateResult", "byte_compile", "create_env", "remove_tree"]
