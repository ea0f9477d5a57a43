"""Create an environment the way the lab agreed: a good name, the lab's channels, atomically.

:func:`create_env` checks the name and the specs, picks the backend (the profile's, or
``auto``: the first installed of mamba, micromamba, conda, else the built-in engine)
and runs one transaction (:mod:`labtools.envs.transaction`): the env is built aside and
renamed into place (the built-in engine) or built in place by the tool, the ``pip:``
part of an environment file is installed with the env's own pip, site-packages is
byte-compiled, and only then is the env complete. Any failure or Ctrl-C removes it.
To create from an environment file, use :func:`labtools.lifecycle.create_env`.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from labtools import process
from labtools.envs import specs as specmod
from labtools.envs import transaction
from labtools.envs.backends import Changes, Progress, SolvedPackage, choose_backend
from labtools.envs.exact import ExactPackage, fetch_verified, shown
from labtools.envs.names import check_name, name_problem
from labtools.envs.prefix import Prefix, remove_tree
from labtools.errors import CommandFailedError, EnvError, UsageError


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


#: pip's last lines when a ``#sha256=`` (a lock's pip entry) does not match the file
_PIP_HASH = re.compile(r"(?P<name>[A-Za-z0-9._-]+)(?:\[[^\]]*\])? ?@ (?P<url>[^\s#]+)\S* from "
                       r".*?\|\s*Expected\s+sha256\s+(?P<want>[0-9a-f]+)\s*\|\s*Got\s+"
                       r"(?P<got>[0-9a-f]+)")


def _pip_install(prefix: Path, requirements: Sequence[str]) -> None:
    for line in requirements:
        if not line.startswith(("-", "git+", "http:", "https:", "file:")) and " @ " not in line:
            specmod.pip_requirement(line)
    try:
        process.run([prefix / "bin" / "python", "-m", "pip", "install", "--no-input",
                     "--disable-pip-version-check", "--no-warn-script-location",
                     *requirements])
    except CommandFailedError as exc:
        found = _PIP_HASH.search(exc.stderr_tail)
        if found is None:
            raise
        raise EnvError(f"hash mismatch for pip package {found['name']}: "
                       f"{shown(found['url'])} has sha256 {found['got']}, the lock says "
                       f"{found['want']}; the env was not made",
                       hint="the package or the lock changed since it was made: regenerate "
                            "the lock, or check where the URL points") from None


def byte_compile(prefix: Path, cache_dir: Path | None = None) -> None:
    """Byte-compile every package's Python files (rattler does not), reusing cached bytecode."""
    from labtools.envs.bytecode import compile_prefix

    compile_prefix(prefix, cache_dir)


def environments_txt() -> Path:
    return Path.home() / ".conda" / "environments.txt"


def register(prefix: Path) -> None:
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


def _finisher(pip: Sequence[str], cache: Path,
              compile_bytecode: bool) -> Callable[[Prefix, Changes], None]:
    def finish(env: Prefix, changes: Changes) -> None:
        if pip:
            _pip_install(env.path, pip)
        if compile_bytecode:
            byte_compile(env.path, cache)
        register(env.path)
    return finish


def create_env(
    *,
    name: str | None = None,
    specs: Sequence[str] = (),
    pip: Sequence[str] = (),
    channels: Sequence[str] = (),
    backend: str | None = None,
    root: Path | str | None = None,
    dry_run: bool = False,
    force_name: bool = False,
    cache_dir: Path | str | None = None,
    compile_bytecode: bool = True,
    progress: Progress | None = None,
    command: Sequence[str] | None = None,
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
    exact: Sequence[ExactPackage] = (),
) -> CreateResult:
    """Create environment *name* under the profile's envs root (see module docs).

    *pip* lines are installed with the env's own pip afterwards (pip is added to the
    specs). With *wait* False a create of a name another labtools process is working on
    fails at once instead of waiting (*on_wait* is told whom it waits for). *exact*
    (a lock's packages, :mod:`labtools.envs.exact`) installs exactly those URLs, each
    fetched and verified against its hash first; *specs* are then ignored.
    """
    from labtools.profile import load_profile

    started = time.perf_counter()
    profile = load_profile()
    if not name:
        raise UsageError("no environment name given",
                         hint="pass NAME, or a --file with a 'name:' line")
    if exact:
        specs = [f"{p.name}=={p.version}={p.build}" for p in exact]
    request = specmod.check_specs(specs)
    if not request:
        raise UsageError("no packages requested", hint="give specs, e.g. python=3.11 ipykernel")
    warnings: list[str] = []
    problem = name_problem(name)
    if problem and problem[1] and profile.naming != "refuse":
        if profile.naming == "warn":
            warnings.append(problem[0])
    else:
        check_name(name, force=force_name, specs=request)
    if pip and "pip" not in specmod.names(request):
        if exact:
            raise UsageError("the lock has pip packages but no conda pip package to install "
                             "them with", hint="lock pip too (add it to the lock's specs)")
        request.append("pip")
    choice = choose_backend(backend) if backend else choose_backend(
        profile.backend, origin=f"the profile's backend, from {profile.sources['backend']}")
    target = (Path(root).expanduser() if root else profile.envs_root).absolute() / name
    if Prefix(target).is_complete():
        raise EnvError(f"an environment already exists at {target}",
                       hint=f"pick another name or remove it: labtools env remove {name}")
    cache = Path(cache_dir) if cache_dir else profile.cache_dir
    fetched: Path | None = None
    try:
        if exact and not dry_run:
            _writable_root(target.parent)
            cache.mkdir(parents=True, exist_ok=True)
            fetched = Path(tempfile.mkdtemp(prefix="labtools-fromlock-", dir=cache))
            exact = fetch_verified(exact, fetched)
        plan = transaction.plan(target, add=request,
                                channels=list(channels or profile.channels),
                                backend=choice.backend, backend_reason=choice.reason,
                                cache_dir=cache, solve=dry_run, operation="create",
                                exact=exact)
        if dry_run:
            packages = plan.changes.link
        else:
            _writable_root(target.parent)
            applied = transaction.apply(
                plan, wait=wait, on_wait=on_wait, progress=progress,
                finish=_finisher(pip, cache, compile_bytecode),
                command=list(command) if command else ["labtools", "env", "create", name,
                                                        *request])
            packages = applied.changes.link
    finally:
        if fetched is not None:
            remove_tree(fetched)
    return CreateResult(
        name=name, prefix=target, backend=choice.backend, backend_reason=choice.reason,
        packages=tuple(packages), pip=tuple(pip), dry_run=dry_run,
        seconds=time.perf_counter() - started, warnings=tuple(warnings))


__all__ = ["CreateResult", "byte_compile", "create_env", "register", "remove_tree"]
