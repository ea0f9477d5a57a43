"""``labtools handbook build`` and ``serve``: mkdocs, in-process, with the labtools plugin.

A build executes through the plugin like any ``mkdocs build`` does, into a staging folder
next to the site; only a finished site replaces the previous one (a failed build leaves
it as it was). When no tutorial is stale and mkdocs' inputs are unchanged, the build
returns before importing mkdocs at all.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labtools.errors import HandbookError, LabtoolsError
from labtools.handbook import config as hbconfig
from labtools.handbook import facts, pipeline
from labtools.handbook.stamp import digest


@dataclass(frozen=True)
class TutorialResult:
    name: str
    status: str  # executed | cached | failed
    kernel: str
    duration_s: float
    failure: str = ""
    #: the environment the kernel ran in: env, created by, lock (see execution_env.py)
    environment: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BuildResult:
    tutorials: tuple[TutorialResult, ...]
    site_dir: Path | None
    mkdocs_ran: bool
    duration_s: float
    executed: tuple[str, ...] = field(default=())
    failures: tuple[str, ...] = field(default=())


def _results(outcomes: Sequence[pipeline.Outcome]) -> tuple[TutorialResult, ...]:
    return tuple(
        TutorialResult(o.name, o.status, o.stamp.kernel, o.stamp.duration_s, o.failure,
                       dict(o.stamp.environment))
        for o in outcomes
    )


def _tree_digest(root: Path) -> str:
    parts: list[str | bytes] = []
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file():
                parts += [str(path.relative_to(root)), path.read_bytes()]
    return digest(parts)


def site_fingerprint(cfg: hbconfig.HandbookConfig, planned: Sequence[pipeline.Planned]) -> str:
    """mkdocs' inputs: its config, docs/, every tutorial's cache key, labtools itself."""
    return digest([
        cfg.config_file.read_bytes(),
        _tree_digest(cfg.docs_dir),
        *(f"{p.name}={p.key}" for p in planned),
        facts.labtools_tree_hash(),
        facts.environment_hash(),
        str(cfg.site_dir),
    ])


class _Collect(logging.Handler):
    """mkdocs' warnings and errors, kept for the one-line failure and printed as they come."""

    def __init__(self, echo: Any) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []
        self.echo = echo

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("mkdocs.plugins.labtools"):
            return
        line = " ".join(record.getMessage().split())
        self.lines.append(line)
        if self.echo is not None:
            self.echo(f"mkdocs: {line}")


@contextmanager
def _mkdocs_logging(echo: Any) -> Iterator[_Collect]:
    logger = logging.getLogger("mkdocs")
    handler = _Collect(echo)
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = old_propagate


def _swap(staging: Path, site: Path) -> None:
    """Put *staging* in place of *site*; the old site is removed only once the new one is in."""
    old = site.with_name(f".{site.name}.old-{os.getpid()}")
    if site.exists():
        os.replace(site, old)
    os.replace(staging, site)
    shutil.rmtree(old, ignore_errors=True)


def check_site_dir(cfg: hbconfig.HandbookConfig, site: Path, *, shown: str) -> None:
    """The site folder must be one a build may replace: not a file, not the project, its
    docs or its notebooks, nor a folder holding them (each would be wiped)."""
    hint = "use a folder of its own, e.g. --out site"
    if site.exists() and not site.is_dir():
        raise HandbookError(f"--out {shown}: {site} is a file, not a folder", hint=hint)
    for part, what in ((cfg.project, "the project"), (cfg.docs_dir, "the docs folder"),
                       (cfg.notebooks, "the notebooks folder")):
        if site == part or site in part.parents:
            raise HandbookError(f"--out {shown}: {site} is or holds {what}; a build replaces "
                                "that folder", hint=hint)
        if part != cfg.project and part in site.parents:
            raise HandbookError(f"--out {shown}: {site} is inside {what}", hint=hint)


def build_handbook(
    project: Path | str = ".",
    *,
    out: Path | str | None = "site",
    force: bool = False,
    jobs: int | None = None,
    only: Sequence[str] = (),
    keep_going: bool | None = None,
    kernels: dict[str, str] | None = None,
    on_event: pipeline.Event | None = None,
    echo: Any = None,
) -> BuildResult:
    """Execute the stale tutorials of *project* and build its site into *out*.

    ``out=None`` executes and stamps without writing a site.
    """
    started = time.monotonic()
    root = Path(project).resolve()
    if out is not None and not str(out).strip():
        raise HandbookError("--out is empty", hint="name the site folder, e.g. --out site")
    site = (root / out).resolve() if out is not None else None
    cfg = hbconfig.load(root, site_dir=site).with_overrides(
        jobs=jobs, keep_going=keep_going, kernels=kernels or None
    )
    if site is not None:
        check_site_dir(cfg, site, shown=str(out))  # before any tutorial runs
    planned = pipeline.plan(cfg, force=force, only=only)
    marker = cfg.cache_dir / "site-fingerprint"
    if not any(p.stale for p in planned) and site is not None:
        fingerprint = site_fingerprint(cfg, planned)
        if site.is_dir() and marker.exists() and marker.read_text() == fingerprint:
            outcomes = [pipeline.cached_outcome(cfg, p) for p in planned]
            for o in outcomes:
                (on_event or (lambda *a: None))("cached", o.name, "")
            return BuildResult(_results(outcomes), site, False,
                               round(time.monotonic() - started, 2))
    if site is None:
        outcomes = _execute_only(cfg, planned, on_event)
        mkdocs_ran = False
    else:
        outcomes = _mkdocs_build(cfg, site, force, only, keep_going, kernels, jobs, on_event,
                                 echo)
        mkdocs_ran = True
    failures = tuple(o.failure for o in outcomes if o.status == "failed")
    if site is not None and not failures:
        pipeline.write_atomic(marker, site_fingerprint(cfg, pipeline.plan(cfg, only=only)))
    elif failures:
        marker.unlink(missing_ok=True)
    return BuildResult(
        tutorials=_results(outcomes),
        site_dir=site,
        mkdocs_ran=mkdocs_ran,
        duration_s=round(time.monotonic() - started, 2),
        executed=tuple(o.name for o in outcomes if o.status == "executed"),
        failures=failures,
    )


def _execute_only(cfg: hbconfig.HandbookConfig, planned: list[pipeline.Planned],
                  on_event: pipeline.Event | None) -> list[pipeline.Outcome]:
    from labtools.handbook.session import Session

    session = Session(cfg)
    try:
        session.lock()
        return pipeline.run(cfg, planned, sandbox=session.sandbox, group=session.group,
                            on_event=on_event)
    finally:
        session.close()


def _mkdocs_build(
    cfg: hbconfig.HandbookConfig, site: Path, force: bool, only: Sequence[str],
    keep_going: bool | None, kernels: dict[str, str] | None, jobs: int | None,
    on_event: pipeline.Event | None, echo: Any,
) -> list[pipeline.Outcome]:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError, PluginError

    from labtools.handbook.plugin import Overrides, overriding

    site.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{site.name}.new-", dir=site.parent))
    staging.chmod(0o755)
    changes = {"jobs": jobs, "keep_going": keep_going, "kernels": kernels or None}
    overrides = Overrides(changes=changes, force=force, only=tuple(only), on_event=on_event)
    ok = False
    try:
        with overriding(overrides), _mkdocs_logging(echo) as collected:
            try:
                mk = load_config(config_file=str(cfg.config_file), site_dir=str(staging),
                                 strict=True)
                mk.plugins.on_startup(command="build", dirty=False)
                try:
                    build(mk)
                finally:
                    mk.plugins.on_shutdown()
            except (PluginError, Abort, ConfigurationError) as exc:
                failed = [o for o in overrides.outcomes if o.status == "failed"]
                if failed and (keep_going or cfg.keep_going) and (staging / "index.html"
                                                                   ).exists():
                    _swap(staging, site)
                    ok = True
                    return list(overrides.outcomes)
                if failed:
                    return list(overrides.outcomes)
                detail = collected.lines[0] if collected.lines else str(exc)
                raise HandbookError(
                    f"mkdocs build --strict failed: {' '.join(str(detail).split())}",
                    hint="fix the page it names; the previous site is left as it was",
                ) from None
            except LabtoolsError:
                raise
        _swap(staging, site)
        ok = True
        return list(overrides.outcomes)
    finally:
        if not ok:
            shutil.rmtree(staging, ignore_errors=True)


def serve_handbook(
    project: Path | str = ".",
    *,
    port: int = 8000,
    jobs: int | None = None,
    kernels: dict[str, str] | None = None,
    on_event: pipeline.Event | None = None,
    on_ready: Any = None,
    echo: Any = None,
) -> None:
    """Serve the handbook on 127.0.0.1:*port*, re-executing what changes; returns on Ctrl-C.

    Failing tutorials show their red banner instead of stopping the preview.
    """
    from mkdocs.commands.serve import serve
    from mkdocs.exceptions import Abort, ConfigurationError

    from labtools.handbook.plugin import Overrides, overriding

    root = Path(project).resolve()
    cfg = hbconfig.load(root)
    if port == 0:
        from labtools.ports import free_port

        port = free_port()
    changes = {"jobs": jobs, "keep_going": True, "kernels": kernels or None}
    overrides = Overrides(changes=changes, on_event=on_event, on_ready=on_ready)
    with overriding(overrides), _mkdocs_logging(echo):
        try:
            serve(config_file=str(cfg.config_file), dev_addr=f"127.0.0.1:{port}",
                  livereload=True)
        except (Abort, ConfigurationError) as exc:
            raise HandbookError(f"mkdocs serve failed: {' '.join(str(exc).split())}") from None
        except OSError as exc:
            raise HandbookError(
                f"cannot serve on 127.0.0.1:{port}: {exc.strerror}",
                hint="pick another --port (0 picks a free one)",
            ) from None
