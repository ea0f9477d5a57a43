"""Build the verified handbook: execute changed tutorials, stamp them, run mkdocs.

A tutorial is re-executed only when its source, the labtools source tree, the
environment or the sandbox's services changed. A build where nothing changed also skips
mkdocs when the site was produced from exactly the same inputs.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from labtools import __version__, process
from labtools.errors import HandbookError, LabtoolsError
from labtools.handbook import facts
from labtools.handbook.discover import discover, read_tutorial
from labtools.handbook.execute import ExecOptions, execute_notebook
from labtools.handbook.outputs import redact_notebook, truncate_outputs
from labtools.handbook.sandbox import Sandbox, Service, open_sandbox
from labtools.handbook.stamp import (
    STAMP_CELL_TAG,
    STAMP_KEY,
    Stamp,
    cache_key,
    digest,
    render_stamp_html,
    render_status_markdown,
)

Event = Callable[[str, str], None]  # (event, tutorial) with event in start|executed|cached|failed


@dataclass(frozen=True)
class TutorialOutcome:
    name: str
    status: str  # "executed" | "cached"
    stamp: Stamp
    output: Path


@dataclass(frozen=True)
class BuildResult:
    tutorials: tuple[TutorialOutcome, ...]
    site_dir: Path | None
    mkdocs_ran: bool
    duration_s: float
    secrets_scrubbed: int = 0
    executed: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Layout:
    """Where a project's handbook parts live."""

    project: Path
    notebooks: Path
    docs: Path
    tutorials: Path  # executed notebooks, rendered by mkdocs-jupyter
    work: Path  # build state: lock, fingerprints, partial outputs of failed tutorials

    @property
    def sandbox(self) -> Path:
        """The sandbox's scratch folder: a short path of fixed length, whatever the checkout,
        so that tutorial outputs (and how tables wrap around paths) do not depend on it."""
        tag = digest([str(self.project)])[:8]
        return Path(tempfile.gettempdir()) / f"labtools-{os.getuid()}" / f"hb-{tag}"

    @classmethod
    def of(cls, project: Path) -> Layout:
        project = project.resolve()
        return cls(
            project=project,
            notebooks=project / "notebooks",
            docs=project / "docs",
            tutorials=project / "docs" / "tutorials",
            work=project / "build" / "handbook",
        )


def _read_stamp(path: Path) -> Stamp | None:
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
        return Stamp.from_dict(nb.metadata[STAMP_KEY]["stamp"])
    except (OSError, KeyError, TypeError, ValueError):
        return None


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _stamp_notebook(nb: Any, stamp: Stamp, source_name: str) -> None:
    import nbformat

    nb.metadata[STAMP_KEY] = {"stamp": stamp.to_dict()}
    stem = Path(source_name).stem
    links = (
        f'<p class="labtools-downloads">Download: <a href="../{source_name}" download>'
        f'{source_name}</a> (Jupytext source) · <a href="{stem}.ipynb" download>{stem}.ipynb</a>'
        " (executed notebook)</p>"
    )
    cell = nbformat.v4.new_markdown_cell(render_stamp_html(stamp) + "\n" + links)
    cell.metadata["tags"] = [STAMP_CELL_TAG]
    nb.cells.insert(_first_heading_end(nb), cell)


def _first_heading_end(nb: Any) -> int:
    """Insert the stamp right after the title cell when the tutorial starts with one."""
    if nb.cells and nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# "):
        return 1
    return 0


def _run_one(
    path: Path,
    key: str,
    sandbox: Sandbox,
    layout: Layout,
    options: ExecOptions,
    commit: str,
) -> TutorialOutcome:
    import nbformat

    nb = read_tutorial(path)
    world = sandbox.world(path.stem)
    started_at = datetime.now(UTC).replace(microsecond=0)
    try:
        duration = execute_notebook(nb, world, options, label=path.name)
    except HandbookError as exc:
        # keep what ran, so the failure can be read cell by cell (Jupyter Book #1943)
        redact_notebook(nb, sandbox.secrets())
        partial = layout.work / "failed" / f"{path.stem}.ipynb"
        _write_atomic(partial, nbformat.writes(nb))
        hint = f"{exc.hint}; " if exc.hint else ""
        raise HandbookError(exc.message, hint=f"{hint}outputs so far: {partial}") from None
    redact_notebook(nb, sandbox.secrets())
    truncate_outputs(nb)
    stamp = Stamp(
        tutorial=path.stem,
        executed_at=started_at.isoformat(),
        duration_s=round(duration, 2),
        labtools_version=__version__,
        git_commit=commit,
        env_hash=facts.environment_hash(),
        python=sys.version.split()[0],
        result="passed",
        cache_key=key,
    )
    _stamp_notebook(nb, stamp, path.name)
    nb.metadata.pop("jupytext", None)
    output = layout.tutorials / f"{path.stem}.ipynb"
    _write_atomic(output, nbformat.writes(nb))
    (layout.work / "failed" / f"{path.stem}.ipynb").unlink(missing_ok=True)
    shutil.copyfile(path, layout.tutorials / path.name)
    return TutorialOutcome(path.stem, "executed", stamp, output)


def build_handbook(
    project: Path | str = ".",
    *,
    out: Path | str | None = "site",
    force: bool = False,
    jobs: int = 1,
    only: Sequence[str] = (),
    options: ExecOptions | None = None,
    services: Sequence[Service] | None = None,
    on_event: Event | None = None,
) -> BuildResult:
    """Execute the tutorials that changed, stamp them, and build the site into *out*.

    ``out=None`` executes and stamps without running mkdocs. ``only`` restricts the build
    to tutorials whose stem contains one of the given strings. ``services`` overrides the
    sandbox's default lab services.
    """
    layout = Layout.of(Path(project))
    layout.work.mkdir(parents=True, exist_ok=True)
    with _build_lock(layout.work / "build.lock"):
        return _build(layout, out, force, jobs, only, options or ExecOptions(), services, on_event)


@contextmanager
def _build_lock(path: Path) -> Iterator[None]:
    """Serialize builds of one project: parallel builds would share the sandbox (Quarto #6116)."""
    import fcntl

    with path.open("a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _build(
    layout: Layout,
    out: Path | str | None,
    force: bool,
    jobs: int,
    only: Sequence[str],
    options: ExecOptions,
    services: Sequence[Service] | None,
    on_event: Event | None,
) -> BuildResult:
    started = time.monotonic()
    emit = on_event or (lambda event, name: None)
    tutorials = discover(layout.notebooks)
    if only:
        tutorials = [p for p in tutorials if any(o in p.stem for o in only)]
    layout.tutorials.mkdir(parents=True, exist_ok=True)

    world_facts = "|".join([facts.labtools_tree_hash(), facts.environment_hash()])
    service_list = list(services) if services is not None else None
    sandbox_print = _services_fingerprint(service_list)
    outcomes: dict[str, TutorialOutcome] = {}
    todo: list[tuple[Path, str]] = []
    for path in tutorials:
        key = cache_key(
            source=path.read_bytes(),
            labtools_tree=facts.labtools_tree_hash(),
            environment=facts.environment_hash(),
            options=options.fingerprint(),
            sandbox=sandbox_print,
        )
        output = layout.tutorials / f"{path.stem}.ipynb"
        previous = _read_stamp(output) if output.exists() else None
        if not force and previous is not None and previous.cache_key == key:
            outcomes[path.stem] = TutorialOutcome(path.stem, "cached", previous, output)
            emit("cached", path.stem)
        else:
            todo.append((path, key))

    if todo:
        commit = facts.git_commit(layout.project)
        with open_sandbox(layout.sandbox, service_list) as sandbox:
            failures: list[str] = []

            def job(item: tuple[Path, str]) -> TutorialOutcome | None:
                path, key = item
                emit("start", path.stem)
                try:
                    outcome = _run_one(path, key, sandbox, layout, options, commit)
                except LabtoolsError as exc:
                    failures.append(exc.one_line())
                    emit("failed", path.stem)
                    return None
                emit("executed", path.stem)
                return outcome

            with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
                for outcome in pool.map(job, todo):
                    if outcome is not None:
                        outcomes[outcome.name] = outcome
            if failures:
                more = f" (and {len(failures) - 1} more failure(s))" if len(failures) > 1 else ""
                raise HandbookError(failures[0] + more)

    ordered = tuple(outcomes[p.stem] for p in tutorials)
    _write_status_page(layout, ordered)
    site_dir: Path | None = None
    mkdocs_ran = False
    if out is not None:
        site_dir = (layout.project / out).resolve()
        mkdocs_ran = _mkdocs_build(layout, site_dir, world_facts, force=force)
    return BuildResult(
        tutorials=ordered,
        site_dir=site_dir,
        mkdocs_ran=mkdocs_ran,
        duration_s=round(time.monotonic() - started, 2),
        executed=tuple(o.name for o in ordered if o.status == "executed"),
    )


def _services_fingerprint(services: list[Service] | None) -> str:
    if services is None:
        from labtools.handbook.sandbox import DEFAULT_SERVICES, load_services

        services = load_services(DEFAULT_SERVICES)
    return ";".join(sorted(s.fingerprint() for s in services))


def _write_status_page(layout: Layout, outcomes: Sequence[TutorialOutcome]) -> None:
    links = {o.name: f"{o.name}.ipynb" for o in outcomes}
    text = render_status_markdown([o.stamp for o in outcomes], links)
    target = layout.tutorials / "index.md"
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        _write_atomic(target, text)


def _tree_digest(root: Path, exclude: Path | None = None) -> str:
    parts: list[str | bytes] = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and (exclude is None or exclude not in path.parents):
            parts += [str(path.relative_to(root)), path.read_bytes()]
    return digest(parts)


def _mkdocs_build(layout: Layout, site_dir: Path, world_facts: str, *, force: bool) -> bool:
    config = layout.project / "mkdocs.yml"
    if not config.exists():
        raise HandbookError(f"no mkdocs.yml in {layout.project}", hint="run from the project root")
    fingerprint = digest(
        [config.read_bytes(), _tree_digest(layout.docs), world_facts, str(site_dir)]
    )
    marker = layout.work / "site-fingerprint"
    if (
        not force
        and site_dir.is_dir()
        and marker.exists()
        and marker.read_text(encoding="utf-8") == fingerprint
    ):
        return False
    env = dict(os.environ)
    env["NO_MKDOCS_2_WARNING"] = "1"
    env.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    try:
        process.run(
            [
                sys.executable,
                "-m",
                "mkdocs",
                "build",
                "--strict",
                "--clean",
                "--config-file",
                str(config),
                "--site-dir",
                str(site_dir),
            ],
            cwd=layout.project,
            env=env,
            timeout=900,
        )
    except LabtoolsError as exc:
        raise HandbookError(
            f"mkdocs build --strict failed: {exc.one_line()}",
            hint="run `mkdocs build --strict` to see every warning",
        ) from None
    _write_atomic(marker, fingerprint)
    return True
