"""Live shell completion: environment, kernel, host, contestant, tutorial and tunnel names.

Completion runs through click's own protocol (``_LABTOOLS_COMPLETE=bash_complete`` with
``COMP_WORDS``/``COMP_CWORD``; ``labtools completion SHELL`` prints the shell side).
:data:`COMPLETERS` says which parameter of which command completes what; the root group
attaches them when it loads a noun, so the command modules stay plain click. Every
completer reads the disk only and never fails: a broken source gives no candidates.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import click
from click.shell_completion import CompletionItem

Completer = Callable[[click.Context, str], list[CompletionItem]]


def _items(names: Iterable[str], incomplete: str, help_of: dict[str, str] | None = None
           ) -> list[CompletionItem]:
    seen: dict[str, None] = dict.fromkeys(n for n in names if n.startswith(incomplete))
    return [CompletionItem(n, help=(help_of or {}).get(n)) for n in seen]


def _quietly(source: Callable[[click.Context, str], list[CompletionItem]]) -> Completer:
    def complete(ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        try:
            return source(ctx, incomplete)
        except Exception:  # completion must never print a traceback into the prompt
            return []

    complete.__name__ = source.__name__
    return complete


@_quietly
def env_names(ctx: click.Context, incomplete: str) -> list[CompletionItem]:
    """Environment names (labtools' root, conda's envs dirs); a path completes as a file."""
    if incomplete.startswith(("/", ".", "~")):
        return [CompletionItem(incomplete, type="dir")]
    from labtools.envs.listing import list_envs

    root = ctx.params.get("root")
    found = list_envs(root=root)
    return _items([e.name for e in found], incomplete,
                  {e.name: f"python {e.python_version or '?'}, {e.prefix}" for e in found})


@_quietly
def kernel_names(ctx: click.Context, incomplete: str) -> list[CompletionItem]:
    from labtools.kernels.registry import list_kernels

    kernels = list_kernels().kernels
    return _items([k.name for k in kernels], incomplete,
                  {k.name: k.display_name or "" for k in kernels})


def ssh_config_hosts(config: Path, *, _depth: int = 0) -> list[str]:
    """Concrete ``Host`` aliases of an OpenSSH config, following ``Include``."""
    if _depth > 8 or not config.is_file():
        return []
    found: list[str] = []
    for raw in config.read_text(encoding="utf-8", errors="replace").splitlines():
        words = raw.split("#", 1)[0].replace("=", " ").split()
        if len(words) < 2:
            continue
        keyword = words[0].lower()
        if keyword == "host":
            found += [w for w in words[1:] if not w.startswith("!") and "*" not in w
                      and "?" not in w]
        elif keyword == "include":
            for pattern in words[1:]:
                expanded = os.path.expanduser(pattern)
                if not os.path.isabs(expanded):
                    expanded = str(Path.home() / ".ssh" / expanded)
                for path in sorted(glob.glob(expanded)):
                    found += ssh_config_hosts(Path(path), _depth=_depth + 1)
    return found


@_quietly
def ssh_hosts(ctx: click.Context, incomplete: str) -> list[CompletionItem]:
    """The profile's hosts first, then every Host alias of the ssh config in use."""
    from labtools.profile import load_profile

    config = ctx.params.get("ssh_config") or Path.home() / ".ssh" / "config"
    lab = list(load_profile().hosts)
    return _items([*lab, *ssh_config_hosts(Path(config).expanduser())], incomplete,
                  dict.fromkeys(lab, "lab host (profile)"))


def _comma_list(names: Callable[[], Iterable[str]]) -> Completer:
    """Complete the last item of a comma-separated list (``--contestants engine,mam``)."""

    def complete(ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        head, sep, last = incomplete.rpartition(",")
        done = set(head.split(",")) if sep else set()
        prefix = head + sep
        return [CompletionItem(prefix + n) for n in names()
                if n.startswith(last) and n not in done]

    return _quietly(complete)


def _contestant_names() -> Iterable[str]:
    from labtools.pmbench.contestants import ALL

    return ALL


def _scenario_names() -> Iterable[str]:
    return ("solve", "cold", "warm")


@_quietly
def contestant(ctx: click.Context, incomplete: str) -> list[CompletionItem]:
    return _items(_contestant_names(), incomplete)


@_quietly
def tutorial_names(ctx: click.Context, incomplete: str) -> list[CompletionItem]:
    from labtools.errors import LabtoolsError
    from labtools.handbook.config import load
    from labtools.handbook.sources import discover

    project = Path(ctx.params.get("project") or ".")
    try:
        folder = load(project).notebooks
    except LabtoolsError:  # no mkdocs.yml (yet): the default folder
        folder = project / "notebooks"
    return _items([t.name for t in discover(folder)], incomplete)


@_quietly
def tunnel_ids(ctx: click.Context, incomplete: str) -> list[CompletionItem]:
    from labtools.tunnel import list_tunnels

    tunnels = list_tunnels()
    return _items([t.id for t in tunnels], incomplete, {t.id: t.host for t in tunnels})


ENV = env_names
#: (command path below ``labtools``, parameter name) -> completer
COMPLETERS: dict[tuple[str, str], Completer] = {
    **{(path, "target"): ENV for path in ("env inspect", "env remove")},
    **{(path, "env_name"): ENV for path in ("env update", "env rollback", "env snapshots",
                                            "doctor")},
    **{(path, "env"): ENV for path in ("kernel register", "spec export", "spec check",
                                       "spec lock", "spec minimize")},
    **{(path, "name"): kernel_names for path in ("kernel remove", "kernel verify")},
    ("kernel check", "names"): kernel_names,
    **{(path, "host"): ssh_hosts for path in ("tunnel open", "jupyter remote")},
    **{(path, "jump"): ssh_hosts for path in ("tunnel open", "jupyter remote",
                                              "tunnel ssh-config")},
    ("bench", "contestants"): _comma_list(_contestant_names),
    ("bench", "scenarios"): _comma_list(_scenario_names),
    ("bench", "baseline"): contestant,
    ("handbook build", "only"): tutorial_names,
    ("tunnel close", "ids"): tunnel_ids,
}


def attach(command: click.Command, path: str) -> None:
    """Give the parameters of *command* (and its subcommands) their live completers."""
    if getattr(command, "_labtools_completion", False):
        return
    command._labtools_completion = True  # type: ignore[attr-defined]
    for param in command.params:
        completer = COMPLETERS.get((path, param.name or ""))
        if completer is not None:
            _set(param, completer)
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            attach(sub, f"{path} {name}")


def _set(param: click.Parameter, completer: Completer) -> None:
    def shell_complete(ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        return completer(ctx, incomplete)

    param.shell_complete = shell_complete  # type: ignore[method-assign]
