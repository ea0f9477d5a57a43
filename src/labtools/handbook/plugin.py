"""The mkdocs plugin ``labtools``: execute, cache and stamp tutorials inside any mkdocs build.

``plugins: [search, labtools]`` makes ``mkdocs build --strict`` and ``mkdocs serve`` execute
the tutorials folder (only what changed), publish each tutorial as a page under
``tutorials/`` with its verification stamp and download links, and a status page.
mkdocs-jupyter renders the pages; it is added with the right settings when the project
does not configure it. ``labtools handbook build`` and ``serve`` run this same plugin.

Tutorials execute in ``on_pre_build``, before mkdocs cleans the site folder: a failure
leaves the previous site as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from mkdocs.config import config_options
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files

from labtools.errors import LabtoolsError
from labtools.handbook import pipeline
from labtools.handbook.config import OPTIONS, TUTORIALS_URI, HandbookConfig, from_options
from labtools.handbook.session import Session
from labtools.handbook.stamp import render_status_markdown

log = logging.getLogger("mkdocs.plugins.labtools")
CSS_URI = "assets/labtools-handbook.css"


@dataclass
class Overrides:
    """What ``labtools handbook build/serve`` passes to the plugin it runs in-process."""

    changes: dict[str, Any] = field(default_factory=dict)  # HandbookConfig fields
    force: bool = False
    only: tuple[str, ...] = ()
    on_event: pipeline.Event | None = None
    on_ready: Any = None  # serve: called with the preview's URL
    outcomes: list[pipeline.Outcome] = field(default_factory=list)  # filled by the plugin


_active: Overrides | None = None


@contextmanager
def overriding(overrides: Overrides) -> Iterator[Overrides]:
    global _active
    _active = overrides
    try:
        yield overrides
    finally:
        _active = None


def _scheme() -> tuple[tuple[str, Any], ...]:
    return tuple(
        (name, config_options.Type((int, float) if kind is float else kind, default=default))
        for name, (kind, default) in OPTIONS.items()
    )


class LabtoolsPlugin(BasePlugin):  # type: ignore[type-arg,no-untyped-call]
    config_scheme = _scheme()

    def __init__(self) -> None:
        self.command = "build"
        self.session: Session | None = None
        self.handbook: HandbookConfig | None = None
        self.outcomes: list[pipeline.Outcome] = []

    # -- lifetime (defining these keeps one instance across `mkdocs serve` rebuilds) ----
    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command

    def on_shutdown(self) -> None:
        self._close()

    def _close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None

    @property
    def serving(self) -> bool:
        return self.command == "serve"

    # -- configuration --------------------------------------------------------------
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        options = {name: self.config[name] for name in OPTIONS}
        try:
            handbook = from_options(
                options,
                config_file=Path(config.config_file_path or "mkdocs.yml"),
                docs_dir=Path(config.docs_dir),
                site_dir=Path(config.site_dir),
            )
            if _active is not None:
                handbook = handbook.with_overrides(**_active.changes)
        except LabtoolsError as exc:
            raise PluginError(exc.one_line()) from None
        self.handbook = handbook
        if "mkdocs-jupyter" not in config.plugins:
            from mkdocs_jupyter.plugin import Plugin as JupyterPlugin  # type: ignore[import-untyped]

            jupyter = JupyterPlugin()
            jupyter.load_config({"include": ["*.ipynb"], "execute": False})
            config.plugins["mkdocs-jupyter"] = jupyter
        if CSS_URI not in config.extra_css:
            config.extra_css.insert(0, CSS_URI)
        return config

    # -- execution ------------------------------------------------------------------
    def on_pre_build(self, config: MkDocsConfig) -> None:
        assert self.handbook is not None
        handbook = self.handbook
        if self.session is None or self.session.config != handbook:
            self._close()
            self.session = Session(handbook)
        session = self.session
        emit = _active.on_event if _active is not None and _active.on_event else self._log
        try:
            session.lock()
            planned = pipeline.plan(
                handbook,
                force=_active.force if _active else False,
                only=_active.only if _active else (),
            )
            self.outcomes = pipeline.run(
                handbook,
                planned,
                sandbox=session.sandbox,
                group=session.group,
                link_prefix="../" if config.use_directory_urls else "",
                on_event=emit,
            )
        except LabtoolsError as exc:
            self._close()
            raise PluginError(exc.one_line()) from None
        except BaseException:
            self._close()
            raise
        finally:
            if not self.serving and self.session is not None:
                self.session.close_sandbox()  # services stop as soon as nothing runs
        if _active is not None:
            _active.outcomes = list(self.outcomes)
        failed = [o for o in self.outcomes if o.status == "failed"]
        if failed and not handbook.keep_going and not self.serving:
            self._close()
            raise PluginError(_summary(failed, kept_going=False))

    def _log(self, event: str, name: str, detail: str) -> None:
        if event == "failed":
            (log.info if self.serving else log.error)(f"tutorial failed: {detail}")
        elif event in ("executed", "cached"):
            log.info(f"tutorial {event}: {name}")

    # -- publishing ----------------------------------------------------------------
    @event_priority(50)  # before mkdocs-jupyter turns .ipynb files into pages
    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        assert self.handbook is not None
        added: list[File] = []
        css = resources.files("labtools.handbook").joinpath("assets/handbook.css")
        added.append(File.generated(config, CSS_URI, content=css.read_bytes()))
        links = {o.name: f"{o.name}.ipynb" for o in self.outcomes}
        status = render_status_markdown([o.stamp for o in self.outcomes], links)
        added.append(File.generated(config, f"{TUTORIALS_URI}/index.md", content=status))
        for outcome in self.outcomes:
            base = f"{TUTORIALS_URI}/{outcome.name}"
            # a real file under a docs-like root: mkdocs-jupyter cannot wrap generated ones
            added.append(File(f"{base}.ipynb", src_dir=str(self.handbook.pages_root),
                              dest_dir=config.site_dir,
                              use_directory_urls=config.use_directory_urls))
            if outcome.source.suffix != ".ipynb":
                # a static file, whatever its suffix (a .md source is no page of its own)
                source = File.generated(
                    config, f"{TUTORIALS_URI}/_downloads/{outcome.source.name}.source",
                    content=outcome.source.read_bytes())
                source.dest_uri = f"{TUTORIALS_URI}/{outcome.source.name}"
                added.append(source)
            executed = outcome.executed or self.handbook.failed / f"{outcome.name}.ipynb"
            if executed.exists():
                download = File.generated(config, f"{TUTORIALS_URI}/_downloads/{outcome.name}",
                                          content=executed.read_bytes())
                download.dest_uri = f"{base}.ipynb"
                added.append(download)
        for file in added:
            existing = files.get_file_from_path(file.src_uri)
            if existing is not None:
                files.remove(existing)
            files.append(file)
        return files

    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any) -> Any:
        assert self.handbook is not None
        server.watch(str(self.handbook.notebooks))
        for path in self.handbook.watch:
            server.watch(str(path))
        if _active is not None and _active.on_ready is not None:
            host, port = config.dev_addr
            _active.on_ready(f"http://{host}:{port}/")
        return server

    def on_post_build(self, config: MkDocsConfig) -> None:
        failed = [o for o in self.outcomes if o.status == "failed"]
        if not self.serving:
            self._close()
            if failed:
                raise PluginError(_summary(failed, kept_going=True))

    def on_build_error(self, error: Exception) -> None:
        if not self.serving:
            self._close()


def _summary(failed: list[pipeline.Outcome], *, kept_going: bool) -> str:
    names = ", ".join(o.name for o in failed)
    site = "the site was built with a red banner on each" if kept_going else (
        "the previous site is left as it was")
    return f"{len(failed)} tutorial(s) failed ({names}); {site}"
