"""The CLI reference: every command and option of the click tree, with its real default.

mkdocs-click prints click's internal ``Sentinel.UNSET`` for options without a default
(click >= 8.3); here a default is what the command really does: a value, ``off`` for a
flag, the profile key an option falls back to, or nothing.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator

import click

# an option whose default comes from the profile says so in its help text
_PROFILE_DEFAULT = re.compile(r"default: the profile's( [a-z ]+?)?(?: \(|[.;,)]|$)")


def walk(
    command: click.Command, ctx: click.Context
) -> Iterator[tuple[click.Command, click.Context]]:
    """Every command under *command* (itself first), with its context, depth first."""
    yield command, ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is None or sub.hidden:
                continue
            yield from walk(sub, click.Context(sub, info_name=name, parent=ctx))


def default_text(param: click.Parameter, ctx: click.Context) -> str:
    """What happens when *param* is not given, in a few words."""
    if param.required:
        return "required"
    value = param.get_default(ctx, call=False)
    if callable(value):
        return "computed"
    if getattr(param, "is_flag", False) and isinstance(value, bool | None) \
            and not getattr(param, "secondary_opts", None):
        return "on" if value else "off"
    if isinstance(value, bool):
        flag = param.opts[0] if value else getattr(param, "secondary_opts", [""])[0]
        return f"`{flag}`" if flag else str(value)
    unset = value is None or type(value).__name__ == "Sentinel"
    if unset or (isinstance(value, tuple | list) and not value):
        help_text = getattr(param, "help", None) or ""
        found = _PROFILE_DEFAULT.search(help_text)
        if found:
            return f"the profile's {(found[1] or param.name or '').strip()}"
        return "-"
    if isinstance(value, tuple | list):
        return ", ".join(f"`{v}`" for v in value)
    return f"`{value}`"


def _type_text(param: click.Parameter) -> str:
    if getattr(param, "is_flag", False) and not getattr(param, "count", False):
        return "flag"
    kind = param.type
    if isinstance(kind, click.Choice):
        return " \\| ".join(f"`{c}`" for c in kind.choices)
    metavar = getattr(param, "metavar", None)
    text = metavar or kind.name.upper()
    return text + (" (repeatable)" if getattr(param, "multiple", False) else "")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_command(command: click.Command, ctx: click.Context, level: int) -> str:
    path = ctx.command_path
    lines = [f"{'#' * level} {path}", ""]
    lines += [inspect.cleandoc(command.help or ""), ""]
    pieces = " ".join(command.collect_usage_pieces(ctx))
    lines += ["```text", f"{path} {pieces}".rstrip(), "```", ""]
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    options = [p for p in command.params
               if isinstance(p, click.Option) and not p.hidden]
    if arguments:
        lines += ["| argument | type | default |", "| --- | --- | --- |"]
        for arg in arguments:
            many = " ..." if arg.nargs == -1 else ""
            lines.append(f"| `{arg.human_readable_name}{many}` | {_cell(_type_text(arg))} | "
                         f"{default_text(arg, ctx) if not arg.required else 'required'} |")
        lines.append("")
    lines += ["| option | type | default | description |", "| --- | --- | --- | --- |"]
    for opt in options:
        names = ", ".join(f"`{n}`" for n in [*opt.opts, *opt.secondary_opts])
        lines.append(f"| {names} | {_cell(_type_text(opt))} | {default_text(opt, ctx)} | "
                     f"{_cell(opt.help or '')} |")
    lines += ["| `-h`, `--help` | flag | off | Show this message and exit. |", ""]
    if isinstance(command, click.Group):
        lines += ["| command | what it does |", "| --- | --- |"]
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                lines.append(f"| [`{name}`](#{_anchor(f'{path} {name}')}) | "
                             f"{_cell(sub.get_short_help_str(limit=120))} |")
        lines.append("")
    return "\n".join(lines)


def _anchor(title: str) -> str:
    # the toc extension's slug of a heading made of words and dashes
    return re.sub(r"[^\w\- ]", "", title.lower()).strip().replace(" ", "-")


def render_cli_reference(root: click.Command | None = None) -> str:
    """Markdown for *root* (default: the ``labtools`` command) and everything under it."""
    if root is None:
        from labtools.cli import cli

        root = cli
    top: click.Command = root
    ctx = click.Context(top, info_name="labtools")
    parts = []
    for command, sub_ctx in walk(top, ctx):
        depth = len(sub_ctx.command_path.split())
        parts.append(render_command(command, sub_ctx, min(depth + 1, 4)))
    return "\n".join(parts)
