"""``labtools spec``: export, compare, check, minimize and lock environment specs."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from labtools.cli._output import emit, json_option


def _prefix(env: str | None, prefix: str | None) -> Path:
    from labtools.errors import UsageError
    from labtools.spec.sources import resolve_env

    if prefix and env:
        raise UsageError("give an env name or --prefix, not both",
                         hint="e.g. labtools spec export --prefix ./envs/x")
    if not prefix and not env:
        raise UsageError("no environment given", hint="pass an env name or --prefix PATH")
    return resolve_env(prefix or env or "")


def _out_file(out: str | None) -> Path | None:
    """--out checked before any work: a file path, not a folder."""
    from labtools.errors import UsageError

    if out is None:
        return None
    path = Path(out).expanduser()
    if not out.strip() or path.is_dir() or out.endswith(os.sep):
        raise UsageError(f"--out {out!r} is a folder, not a file",
                         hint="name a file, e.g. -o env.yml")
    return path


def _write_atomic(path: Path, text: str) -> None:
    from labtools.errors import SpecError

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise SpecError(f"cannot write {path}: {exc.strerror}",
                        hint="check the folder exists and is yours") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise SpecError(f"cannot write {path}: {exc.strerror}",
                        hint="name a file you can write") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _emit_text(text: str, out: Path | None) -> None:
    if out is not None:
        _write_atomic(out, text)
    else:
        click.echo(text, nl=False)


def _platform(value: str | None) -> str | None:
    """--platform is a conda platform (linux-64, osx-arm64, win-64...), checked at once."""
    from labtools.spec.records import KNOWN_SUBDIRS

    if value is not None and (value == "noarch" or value not in KNOWN_SUBDIRS):
        known = ", ".join(sorted(KNOWN_SUBDIRS - {"noarch"}))
        raise click.BadParameter(f"{value!r} is not a conda platform (one of {known})")
    return value


env_arg = click.argument("env", required=False)
prefix_opt = click.option("-p", "--prefix", metavar="PATH", help="The environment's prefix.")


@click.group()
def spec() -> None:
    """Export, compare, check, minimize and lock environment specs (no conda needed)."""


@spec.command("export")
@env_arg
@prefix_opt
@click.option("-n", "--name", help="The name: line (default: the prefix's directory name).")
@click.option("--from-history", is_flag=True, help="Only what the user asked for.")
@click.option("--pinned", is_flag=True, help="With --from-history: pin installed versions.")
@click.option("--builds", is_flag=True, help="Add build strings (platform-specific).")
@click.option("--with-prefix", is_flag=True, help="Add the prefix: line.")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json", "explicit", "requirements"]),
              default="yaml", show_default=True,
              help="yaml: environment.yml; explicit: an @EXPLICIT list of URLs; "
                   "requirements: pip's requirements.txt; json: the environment.yml as JSON.")
@click.option("-o", "--out", metavar="FILE", help="Write to FILE instead of stdout.")
@json_option
def export_cmd(env: str | None, prefix: str | None, name: str | None, from_history: bool,
               pinned: bool, builds: bool, with_prefix: bool, fmt: str, out: str | None,
               as_json: bool) -> None:
    """Write ENV's spec in the layout of `conda env export` (pip packages included)."""
    from labtools.spec.export import export_spec

    out_file = _out_file(out)
    result = export_spec(prefix=_prefix(env, prefix), name=name, from_history=from_history,
                         pinned=pinned, builds=builds, with_prefix=with_prefix,
                         format="json" if as_json else fmt)
    _emit_text(result.text, out_file)


def _render_diff(result: Any) -> None:
    if result.identical:
        click.echo(f"no difference between {result.a} and {result.b}")
        return
    for label, side in (("conda", result.conda), ("pip", result.pip)):
        for change in side.added:
            click.echo(f"{label}  + {change.name} {change.after}".rstrip())
        for change in side.removed:
            click.echo(f"{label}  - {change.name} {change.before}".rstrip())
        for change in side.changed:
            click.echo(f"{label}  ~ {change.name} {change.before} -> {change.after}")


@spec.command("diff")
@click.argument("a")
@click.argument("b")
@json_option
def diff_cmd(a: str, b: str, as_json: bool) -> None:
    """Compare A and B (each an env name, a prefix or a spec file)."""
    from labtools.spec.diff import diff_specs

    emit(diff_specs(a=a, b=b), as_json=as_json, render=_render_diff)


def _echo_drift(matches: str, differs: str, drifted: bool,
                rows: Iterable[tuple[str, Iterable[str]]]) -> None:
    """The drift report: one line when it matches, else a heading and a line per item."""
    if not drifted:
        click.echo(matches)
        return
    click.echo(differs)
    for label, lines in rows:
        for line in lines:
            click.echo(f"  {label:<11} {line}")


def _render_lock_drift(report: Any, label: str) -> None:
    where = f" ({report.platform})" if report.platform else ""
    _echo_drift(
        f"{label} matches {report.file}{where}: {report.checked} package(s)",
        f"{label} differs from {report.file}{where}:", report.drifted, [
            *((m.field, [f"{m.name}: lock {m.locked}, env {m.installed}"])
              for m in report.mismatches),
            ("missing", [f"{text} (locked, not installed)" for text in report.missing]),
            ("extra", [f"{text} (installed, not locked)" for text in report.extra]),
            ("pip missing", report.pip_missing), ("pip extra", report.pip_extra)])


def _render_drift(report: Any, label: str | None = None) -> None:
    """The report in words; *label* is the env as the user named it (the JSON keeps the
    resolved prefix), so a page or a log shows a short stable name, never a temp path."""
    label = label or str(report.env)
    if getattr(report, "kind", None) == "lock":
        _render_lock_drift(report, label)
        return
    _echo_drift(
        f"{label} matches {report.file}", f"{label} has drifted from {report.file}:",
        report.drifted, [
            ("missing", report.missing),
            ("mismatched", [f"{i.wanted} (installed {i.installed})" for i in report.mismatched]),
            ("extra", report.extra), ("pip missing", report.pip_missing),
            ("pip changed", [f"{i.name} {i.wanted} (installed {i.installed})"
                             for i in report.pip_mismatched]),
            ("pip extra", report.pip_extra)])


@spec.command("check")
@env_arg
@prefix_opt
@click.option("--against", "against", required=True, metavar="FILE",
              help="An environment.yml (checks specs) or a lock: pixi.lock, conda-lock.yml, "
                   "@EXPLICIT (checks exact records).")
@click.option("--lock-env", "lock_env_name", default="default", show_default=True,
              metavar="NAME", help="The lock file's environment to compare with.")
@click.option("--platform", metavar="P", callback=lambda _c, _p, v: _platform(v),
              help="The lock's platform (default: the env's).")
@json_option
@click.pass_context
def check_cmd(ctx: click.Context, env: str | None, prefix: str | None, against: str,
              lock_env_name: str, platform: str | None, as_json: bool) -> None:
    """Report drift between ENV and a spec or lock file; exit status 1 when they differ.

    Against a lock, every record is compared (version, build, channel, file, md5, sha256,
    platform, pip entries) and each difference is listed with both sides.
    """
    from labtools.spec.check import check_env

    report = check_env(env=_prefix(env, prefix), against=Path(against).expanduser(),
                       environment=lock_env_name, platform=platform)
    emit(report, as_json=as_json, render=lambda r: _render_drift(r, env or prefix))
    if report.drifted:
        ctx.exit(1)


@spec.command("minimize")
@env_arg
@prefix_opt
@click.option("--relax", type=click.Choice(["major", "minor", "none"]), default="minor",
              show_default=True, help="How loosely to pin the versions.")
@json_option
def minimize_cmd(env: str | None, prefix: str | None, relax: str, as_json: bool) -> None:
    """The few specs that rebuild ENV: the leaves of its dependency graph."""
    from labtools.spec.minimize import minimize_env

    result = minimize_env(prefix=_prefix(env, prefix), relax=relax)

    def render(res: Any) -> None:
        for line in res.specs:
            click.echo(line)
        for line in res.pip:
            click.echo(f"pip: {line}")

    emit(result, as_json=as_json, render=render)


@spec.command("lock")
@env_arg
@prefix_opt
@click.option("-o", "--out", metavar="FILE", help="Write to FILE instead of stdout.")
@json_option
def lock_cmd(env: str | None, prefix: str | None, out: str | None, as_json: bool) -> None:
    """Write an @EXPLICIT file (URLs + hashes) that recreates ENV exactly."""
    from labtools.spec.locks import lock_env

    out_file = _out_file(out)
    text = lock_env(prefix=_prefix(env, prefix))
    if as_json:
        from labtools.spec.locks import parse_explicit

        if out_file is not None:
            _write_atomic(out_file, text)
        emit(parse_explicit(text), as_json=True, render=lambda _: None)
        return
    _emit_text(text, out_file)
