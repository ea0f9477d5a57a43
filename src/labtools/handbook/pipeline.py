"""Execute, cache and stamp tutorials: the one code path behind the plugin and the CLI.

``plan()`` is cheap: it reads every tutorial, chooses its kernel and computes its cache key,
so a build where nothing changed knows it without starting anything. ``run()`` executes
what is stale, ``--jobs`` at a time, each tutorial in its own sandbox world (HOME, Jupyter
dirs, envs root, working directory holding the tutorials' data files), and writes for each
tutorial its executed notebook (the cache, with its stamp) and its page. Failures never
stop the others: every failing tutorial is reported, each as one line.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from labtools import __version__
from labtools.errors import HandbookError
from labtools.handbook import facts, sources
from labtools.handbook.config import HandbookConfig
from labtools.handbook.execute import ExecOptions, KernelGroup, Source, TutorialFailure
from labtools.handbook.kernels import KernelChoice, choose_kernel
from labtools.handbook.outputs import page_notebook, redact_notebook, truncate_outputs
from labtools.handbook.stamp import (
    FAILED,
    PASSED,
    STAMP_KEY,
    Stamp,
    cache_key,
    digest,
    render_stamp_html,
)
from labtools.process import LEDGER_ENV, ledger_tools

#: (event, tutorial, detail); event in start | executed | cached | failed
Event = Callable[[str, str, str], None]
STATUSES = ("executed", "cached", "failed")


@dataclass(frozen=True)
class Planned:
    """One tutorial and what the build must do with it."""

    tutorial: sources.Tutorial
    label: str  # its path relative to the project, as failures name it
    key: str = ""
    nb: Any = None
    kernel: KernelChoice | None = None
    cached: Stamp | None = None  # the stamp of a reusable earlier execution
    problem: str = ""  # why it cannot even start (bad file, missing kernel)

    @property
    def name(self) -> str:
        return self.tutorial.name

    @property
    def stale(self) -> bool:
        return self.cached is None


@dataclass(frozen=True)
class Outcome:
    name: str
    status: str  # executed | cached | failed
    stamp: Stamp
    page: Path  # the notebook the site renders
    source: Path
    executed: Path | None  # the full executed notebook (None when it failed)

    @property
    def failure(self) -> str:
        return self.stamp.failure


def _read_stamp(path: Path) -> Stamp | None:
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))["metadata"]
        return Stamp.from_dict(meta[STAMP_KEY]["stamp"])
    except (OSError, KeyError, TypeError, ValueError):
        return None


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _tree_parts(root: Path, base: Path) -> list[str | bytes]:
    parts: list[str | bytes] = []
    paths = [root] if root.is_file() else sorted(root.rglob("*")) if root.is_dir() else []
    for path in paths:
        rel = path.relative_to(base) if path.is_relative_to(base) else path
        if path.is_file() and not any(p in ("__pycache__", ".git") for p in rel.parts):
            parts += [str(rel), path.read_bytes()]
    return parts


def inputs_digest(config: HandbookConfig) -> str:
    """The tutorials' data files and the watched paths: a change re-executes everything."""
    parts: list[str | bytes] = []
    for path in sources.data_files(config.notebooks):
        parts += _tree_parts(path, config.notebooks)
    for watched in config.watch:
        parts += _tree_parts(watched, config.project)
    return digest(parts)[:16]


def options_of(config: HandbookConfig) -> ExecOptions:
    return ExecOptions(cell_timeout=config.cell_timeout, notebook_timeout=config.notebook_timeout)


def services_fingerprint(config: HandbookConfig) -> str:
    from labtools.handbook.sandbox import load_services

    return ";".join(sorted(s.fingerprint() for s in load_services(config.services)))


def plan(
    config: HandbookConfig, *, force: bool = False, only: Sequence[str] = ()
) -> list[Planned]:
    """What each tutorial needs: reuse its cached execution, execute it, or fail it."""
    facts.labtools_tree_hash.cache_clear()  # `serve` runs long: labtools may have changed
    tutorials = sources.discover(config.notebooks)
    # --only: the others keep their last page (the site stays whole), or are left out
    skipped = {t.name for t in tutorials if only and not any(o in t.name for o in only)}
    common = [
        facts.labtools_tree_hash(),
        facts.environment_hash(),
        options_of(config).fingerprint(),
        services_fingerprint(config),
        inputs_digest(config),
    ]
    index = _read_index(config)
    fresh: dict[str, dict[str, str]] = {}
    planned = []
    for tutorial in tutorials:
        label = os.path.relpath(tutorial.path, config.project)
        if tutorial.name in skipped:
            last = _read_stamp(config.executed / f"{tutorial.name}.ipynb")
            if last is not None and (config.pages / f"{tutorial.name}.ipynb").exists():
                planned.append(Planned(tutorial, label, last.cache_key, cached=last))
            continue
        nb = None
        try:
            raw = tutorial.path.read_bytes()
            sha = digest([raw])
            known = index.get(tutorial.name, {})
            if known.get("sha") == sha:  # unchanged: no need to parse it (nbformat is slow)
                requested = known["kernel"]
            else:
                nb = sources.reads(raw.decode("utf-8"), tutorial.path.suffix, label)
                requested = str(nb.metadata["kernelspec"]["name"])
            fresh[tutorial.name] = {"sha": sha, "kernel": requested}
            kernel = choose_kernel(requested, config.kernels)
        except UnicodeDecodeError:
            planned.append(Planned(tutorial, label, problem=f"{label}: not UTF-8 text"))
            continue
        except HandbookError as exc:
            problem = exc.one_line()
            if not problem.startswith(f"{label}:"):
                problem = f"{label}: {problem}"
            planned.append(Planned(tutorial, label, problem=problem))
            continue
        key = cache_key(
            source=raw,
            labtools_tree=common[0],
            environment=common[1],
            options=common[2],
            sandbox=common[3],
            kernel=kernel.fingerprint() + _environment_facts(kernel).get("lock", ""),
            inputs=common[4],
        )
        cached = None
        executed = config.executed / f"{tutorial.name}.ipynb"
        page = config.pages / f"{tutorial.name}.ipynb"
        if not force and page.exists():
            previous = _read_stamp(executed)
            if previous is not None and previous.cache_key == key and previous.passed:
                cached = previous
        if cached is None and nb is None:
            nb = sources.reads(raw.decode("utf-8"), tutorial.path.suffix, label)
        planned.append(Planned(tutorial, label, key, nb, kernel, cached))
    if fresh != {k: v for k, v in index.items() if k in fresh}:
        write_atomic(config.cache_dir / "sources.json", json.dumps(index | fresh, indent=1))
    return planned


def _environment_facts(kernel: KernelChoice | None) -> dict[str, str]:
    """The stamp's facts about the env the kernel runs in: name, creating tool, lock hash."""
    from labtools.handbook.execution_env import kernel_env

    found = kernel_env(kernel.argv) if kernel is not None else None
    return found.facts() if found is not None else {}


def _read_index(config: HandbookConfig) -> dict[str, dict[str, str]]:
    """Each tutorial's source digest and kernel name, from the previous plan."""
    try:
        data = json.loads((config.cache_dir / "sources.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _header(stamp: Stamp, source_name: str, prefix: str) -> str:
    stem = Path(source_name).stem
    links = (
        f'<p class="labtools-downloads">Download: <a href="{prefix}{source_name}" download>'
        f"{source_name}</a> (source) · "
        f'<a href="{prefix}{stem}.ipynb" download>{stem}.ipynb</a> (executed notebook)</p>'
    )
    return render_stamp_html(stamp) + "\n" + links


def _copy_data(config: HandbookConfig, cwd: Path) -> None:
    for path in sources.data_files(config.notebooks):
        target = cwd / path.relative_to(config.notebooks)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


@dataclass
class Runner:
    """Executes planned tutorials inside a sandbox; see :func:`run`."""

    config: HandbookConfig
    sandbox: Any  # labtools.handbook.sandbox.Sandbox, started by the caller
    group: KernelGroup
    link_prefix: str
    commit: str
    emit: Event

    def stamp(self, item: Planned, started: datetime, duration: float, language: str,
              failure: str, tools: dict[str, str] | None = None) -> Stamp:
        kernel = item.kernel
        return Stamp(
            tutorial=item.name,
            executed_at=started.isoformat(),
            duration_s=round(duration, 2),
            labtools_version=__version__,
            git_commit=self.commit,
            env_hash=facts.environment_hash(),
            python=sys.version.split()[0],
            result=FAILED if failure else PASSED,
            cache_key=item.key,
            source=item.tutorial.path.name,
            kernel=kernel.name if kernel else "",
            language=language,
            failure=failure,
            environment=_environment_facts(kernel),
            tools=dict(tools or {}),
        )

    def publish(self, item: Planned, nb: Any, stamp: Stamp) -> Outcome:
        import nbformat

        name = item.name
        nb.metadata[STAMP_KEY] = {"stamp": stamp.to_dict()}
        nb.metadata.pop("jupytext", None)
        executed = self.config.executed / f"{name}.ipynb"
        failed = self.config.failed / f"{name}.ipynb"
        if stamp.passed:
            write_atomic(executed, nbformat.writes(nb))
            failed.unlink(missing_ok=True)
        else:
            write_atomic(failed, nbformat.writes(nb))
            executed.unlink(missing_ok=True)
        page = self.config.pages / f"{name}.ipynb"
        header = _header(stamp, item.tutorial.path.name, self.link_prefix)
        write_atomic(page, nbformat.writes(page_notebook(nb, header)))
        status = "executed" if stamp.passed else "failed"
        return Outcome(name, status, stamp, page, item.tutorial.path,
                       executed if stamp.passed else None)

    def unreadable(self, item: Planned) -> Outcome:
        """A page for a tutorial that could not start: its title and the red banner."""
        import nbformat

        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell(f"# {item.name}")]
        now = datetime.now(UTC).replace(microsecond=0)
        return self.publish(item, nb, self.stamp(item, now, 0.0, "", item.problem))

    def execute(self, item: Planned) -> Outcome:
        from labtools.handbook.execute import execute_notebook

        assert item.kernel is not None
        self.emit("start", item.name, "")
        nb = item.nb
        world = self.sandbox.world(item.name)
        ledger = world.root / "tool-ledger.jsonl"  # every external tool the tutorial runs
        world.env[LEDGER_ENV] = str(ledger)
        _copy_data(self.config, world.cwd)
        text = item.tutorial.path.read_text(encoding="utf-8")
        source = Source(item.label, text, item.tutorial.path.suffix)
        started = datetime.now(UTC).replace(microsecond=0)
        clock = time.monotonic()
        failure, language = "", item.kernel.language
        try:
            done = execute_notebook(nb, world, item.kernel, options_of(self.config), source,
                                    self.group)
            language = done.language
        except TutorialFailure as exc:
            failure = exc.one_line()
        redact_notebook(nb, self.sandbox.secrets())
        truncate_outputs(nb)
        stamp = self.stamp(item, started, time.monotonic() - clock, language, failure,
                           ledger_tools(ledger))
        return self.publish(item, nb, stamp)


def cached_outcome(config: HandbookConfig, item: Planned) -> Outcome:
    assert item.cached is not None
    return Outcome(item.name, "cached", item.cached, config.pages / f"{item.name}.ipynb",
                   item.tutorial.path, config.executed / f"{item.name}.ipynb")


def run(
    config: HandbookConfig,
    planned: Sequence[Planned],
    *,
    sandbox: Callable[[], Any],
    group: KernelGroup,
    link_prefix: str = "",
    on_event: Event | None = None,
) -> list[Outcome]:
    """Execute the stale tutorials of *planned* (``config.jobs`` at a time).

    *sandbox* is called once, only when something must execute, and returns the started
    :class:`~labtools.handbook.sandbox.Sandbox`. On Ctrl-C or SIGTERM every kernel is
    killed before the interrupt propagates.
    """
    emit = on_event or (lambda event, name, detail: None)
    results: dict[str, Outcome] = {}
    todo = []
    for item in planned:
        if item.cached is not None:
            results[item.name] = cached_outcome(config, item)
            emit("cached", item.name, "")
        elif not item.problem:
            todo.append(item)
    runner = Runner(config, None, group, link_prefix,
                    facts.git_commit(config.project) if todo or any(
                        p.problem for p in planned) else "", emit)
    for item in planned:
        if item.problem:
            results[item.name] = runner.unreadable(item)
            emit("failed", item.name, item.problem)
    if todo:
        runner.sandbox = sandbox()
        pool = ThreadPoolExecutor(max_workers=max(1, config.jobs),
                                  thread_name_prefix="labtools-tutorial")
        try:
            futures = {pool.submit(runner.execute, item): item for item in todo}
            for future in as_completed(futures):
                outcome = future.result()
                results[outcome.name] = outcome
                emit(outcome.status, outcome.name, outcome.failure)
        except BaseException:
            group.cancel()  # kernels die, so the workers return at once
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
    return [results[item.name] for item in planned]
