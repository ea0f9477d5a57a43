"""``labtools channel``: build, index and serve an offline conda channel."""

from __future__ import annotations

import time
from pathlib import Path

import click

from labtools.cli._output import console, emit, json_option
from labtools.cli._params import PORT

_DIR = click.Path(file_okay=False, path_type=Path)
_FILES = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
def channel() -> None:
    """Build an offline conda channel: init, add, add-wheel, add-python, index, mirror, serve."""


def _render(report: object) -> None:
    from labtools.channel import ChannelReport

    assert isinstance(report, ChannelReport)
    out = console()
    for name in report.added:
        out.print(f"added {name}")
    out.print(f"{report.path} ({report.url})")
    for subdir, files in report.packages.items():
        out.print(f"  {subdir}/: {len(files)} packages")


@channel.command("init")
@click.argument("directory", type=_DIR)
@json_option
def init_cmd(directory: Path, as_json: bool) -> None:
    """Create an empty channel in DIRECTORY (noarch/ and this machine's subdir)."""
    from labtools.channel import init_channel

    emit(init_channel(directory), as_json=as_json, render=_render)


@channel.command("add")
@click.argument("directory", type=_DIR)
@click.argument("files", nargs=-1, required=True, type=_FILES)
@json_option
def add_cmd(directory: Path, files: tuple[Path, ...], as_json: bool) -> None:
    """Copy .conda / .tar.bz2 FILES into the channel (run 'channel index' after)."""
    from labtools.channel import add_packages

    emit(add_packages(directory, files), as_json=as_json, render=_render)


@channel.command("add-wheel")
@click.argument("directory", type=_DIR)
@click.argument("wheels", nargs=-1, required=True, type=_FILES)
@click.option("--python", "python_version", metavar="X.Y",
              help="Target Python for markers and binary wheels; default: this one.")
@json_option
def add_wheel_cmd(directory: Path, wheels: tuple[Path, ...], python_version: str | None,
                  as_json: bool) -> None:
    """Convert WHEELS to conda packages (pure -> noarch: python; binary -> this subdir)."""
    from labtools.channel import add_wheels

    emit(add_wheels(directory, wheels, python_version=python_version), as_json=as_json,
         render=_render)


@channel.command("add-python")
@click.argument("directory", type=_DIR)
@click.option("--pip/--no-pip", "with_pip", default=True, show_default=True,
              help="Also add pip (from this Python's bundled wheel): conda, mamba and "
                   "micromamba add pip to every python request.")
@json_option
def add_python_cmd(directory: Path, with_pip: bool, as_json: bool) -> None:
    """Package this machine's Python as a relocatable 'python' conda package (and pip)."""
    from labtools.channel import add_python

    emit(add_python(directory, with_pip=with_pip), as_json=as_json, render=_render)


@channel.command("index")
@click.argument("directory", type=_DIR)
@json_option
def index_cmd(directory: Path, as_json: bool) -> None:
    """Write repodata.json for every subdir (rattler's indexer)."""
    from labtools.channel import index_channel

    emit(index_channel(directory), as_json=as_json, render=_render)


@channel.command("mirror")
@click.argument("env_file", metavar="ENVIRONMENT_YML",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("directory", type=_DIR)
@click.option("--versions", type=click.IntRange(1, 20), default=1, show_default=True,
              help="Releases per package: N-1 older ones too, so a solver has choices.")
@click.option("--skip-missing", is_flag=True,
              help="Mirror the rest when a package has no wheel here (listed, exit 0).")
@click.option("--refresh", is_flag=True, help="Ignore the cached mirror; ask PyPI again.")
@click.option("--cache-dir", type=_DIR, default=None,
              help="Cache folder [default: $LABTOOLS_MIRROR_CACHE or ~/.cache/labtools/mirror].")
@json_option
def mirror_cmd(env_file: Path, directory: Path, versions: int, skip_missing: bool,
               refresh: bool, cache_dir: Path | None, as_json: bool) -> None:
    """Make DIRECTORY a conda channel that satisfies ENVIRONMENT_YML offline, from PyPI wheels.

    Conda names map to PyPI projects, each wheel for this platform becomes a conda
    package, python is this interpreter, wheels/ holds what the pip: section needs.
    Create the env with e.g. micromamba create -f ENVIRONMENT_YML --override-channels
    -c file://DIRECTORY (set PIP_NO_INDEX=1 PIP_FIND_LINKS=DIRECTORY/wheels for pip:).
    """
    from labtools.channel.mirror import MirrorReport, mirror_environment

    err = console(stderr=True)
    stages: dict[str, float] = {}

    def on_progress(stage: str, done: int, total: int) -> None:
        if as_json:
            return
        if stage not in stages:
            stages[stage] = time.monotonic()
            err.print(f"mirror: {stage}" + (f" ({total})" if total else "") + " ...")
        elif total and done == total:
            err.print(f"mirror: {stage} {done}/{total} done "
                      f"({time.monotonic() - stages[stage]:.1f} s)")

    report = mirror_environment(env_file, directory, versions=versions,
                                skip_missing=skip_missing, refresh=refresh,
                                cache_dir=cache_dir, on_progress=on_progress)

    def render(result: object) -> None:
        assert isinstance(result, MirrorReport)
        out = console()
        for item in result.missing:
            out.print(f"skipped {item.name}: {item.reason}")
        how = "from cache" if result.cached else "built"
        out.print(f"{result.path} ({result.url}): {result.packages} packages, "
                  f"{result.names} names, python {result.python}, {how} "
                  f"in {result.duration_s:.1f} s")
        if result.pip_env:
            env = " ".join(f"{k}={v}" for k, v in result.pip_env.items())
            out.print(f"pip: section: {result.wheels} wheels; create with {env}")

    emit(report, as_json=as_json, render=render)


@channel.command("serve")
@click.argument("directory", type=_DIR)
@click.option("--port", type=int, default=8765, show_default=True,
              callback=lambda c, p, v: PORT.convert(v, p, c),
              help="Port on 127.0.0.1 to serve on.")
@json_option
def serve_cmd(directory: Path, port: int, as_json: bool) -> None:
    """Serve the channel over HTTP on 127.0.0.1 until Ctrl-C."""
    import sys

    from labtools.channel import serve_channel

    with serve_channel(directory, port=port) as url:
        emit({"channel": directory, "url": url}, as_json=as_json,
             render=lambda _: click.echo(f"serving {directory} at {url} (Ctrl-C to stop)"))
        sys.stdout.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            click.echo("stopped")


from labtools.cli.channel_demo import demo_cmd  # noqa: E402  (issue 19: newcomer's channel)

channel.add_command(demo_cmd)
