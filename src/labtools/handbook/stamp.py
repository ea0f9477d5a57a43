"""Verification stamps and cache keys: pure functions over already-collected facts.

A stamp says when, where and how a tutorial was executed, and whether it passed. It is
stored in the executed notebook (``metadata.labtools.stamp``), shown at the top of the
page and summed up on the status page.

Adding a field (the tool ledger's ``tools``, the execution environment of
``make handbook-env``): give it a default in :class:`Stamp`, fill it where the pipeline
builds the stamp (``pipeline._stamp``), and list it in :func:`stamp_fields` if the page
should show it. Old stamps without the field still load (:meth:`Stamp.from_dict`).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from labtools.digest import digest as digest  # re-exported: stamps and cache keys

STAMP_KEY = "labtools"
STAMP_CELL_TAG = "labtools-stamp"
PASSED = "passed"
FAILED = "failed"


@dataclass(frozen=True)
class Stamp:
    """When, where and how a tutorial ran. Stored in ``metadata.labtools.stamp``."""

    tutorial: str
    executed_at: str  # ISO 8601, UTC
    duration_s: float
    labtools_version: str
    git_commit: str
    env_hash: str  # the handbook's own environment (the build's interpreter)
    python: str  # the build's Python version
    result: str  # PASSED | FAILED
    cache_key: str
    source: str = ""  # the tutorial's file name, e.g. "03-kernels.py"
    kernel: str = ""  # the kernelspec that ran it
    language: str = ""  # the kernel's language and version, e.g. "python 3.11.2"
    failure: str = ""  # the one-line failure, when result == FAILED
    #: further facts about the execution environment, name -> value (shown on the page)
    environment: dict[str, str] = field(default_factory=dict)
    #: external tools the tutorial ran and their versions (the tool ledger), e.g. conda
    tools: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.result == PASSED

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Stamp:
        """A stamp from its dict; unknown keys are ignored, missing optional ones default."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def env_hash(distributions: Iterable[tuple[str, str]]) -> str:
    """Hash of an environment's installed distributions (name, version), order-insensitive."""
    normalized = sorted(
        {(name.lower().replace("_", "-"), version) for name, version in distributions}
    )
    return digest(f"{name}=={version}" for name, version in normalized)[:16]


def cache_key(
    *,
    source: bytes,
    labtools_tree: str,
    environment: str,
    options: str,
    sandbox: str,
    kernel: str = "",
    inputs: str = "",
) -> str:
    """What must be unchanged for a previously executed tutorial to be reused.

    *kernel* fingerprints the kernelspec and the program it starts; *inputs* the data
    files next to the tutorial and the project paths the handbook watches.
    """
    return digest([source, labtools_tree, environment, options, sandbox, kernel, inputs])[:32]


def stamp_fields(stamp: Stamp) -> list[tuple[str, str]]:
    """The facts the page shows, in order."""
    shown = [
        ("executed", stamp.executed_at.replace("T", " ").replace("+00:00", " UTC")),
        ("duration", f"{stamp.duration_s:.1f} s"),
        ("kernel", f"{stamp.kernel} ({stamp.language})" if stamp.language else stamp.kernel),
        ("labtools", stamp.labtools_version),
        ("commit", stamp.git_commit[:12]),
        ("python", stamp.python),
        ("environment", stamp.env_hash),
        *sorted(stamp.environment.items()),
        ("tools", ", ".join(f"{k} {v}" for k, v in sorted(stamp.tools.items()))),
    ]
    return [(k, v) for k, v in shown if v]


def render_stamp_html(stamp: Stamp) -> str:
    """The stamp as the HTML block shown at the top of a tutorial page."""
    if stamp.passed:
        head = f"✔ Verified: {html.escape(stamp.result)}"
    else:
        head = "✘ This page failed to build; its outputs stop at the failing cell"
    items = "".join(
        f'<span class="labtools-stamp__field"><b>{html.escape(k)}</b> {html.escape(v)}</span> '
        for k, v in stamp_fields(stamp)
    )
    failure = (
        f'<code class="labtools-stamp__failure">{html.escape(stamp.failure)}</code>'
        if stamp.failure
        else ""
    )
    return (
        f'<div class="labtools-stamp" data-result="{html.escape(stamp.result)}">'
        f'<span class="labtools-stamp__result">{head}</span> {failure}{items}</div>'
    )


def render_status_markdown(stamps: Iterable[Stamp], links: dict[str, str]) -> str:
    """The status page: one row per tutorial with its stamp."""
    stamps = list(stamps)
    failed = [s for s in stamps if not s.passed]
    summary = (
        f"**{len(failed)} of {len(stamps)} tutorials failed** in the build that produced this "
        "site (it was built with `--keep-going`); their pages say why."
        if failed
        else "A tutorial that fails stops the build, so every row here passed."
    )
    lines = [
        "# Verification status",
        "",
        "Every tutorial in this handbook was executed by the build that produced this site,",
        f"in a hermetic sandbox. {summary}",
        "",
        "| Tutorial | Result | Kernel | Executed (UTC) | Duration | labtools | Commit |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in stamps:
        link = links.get(s.tutorial, s.tutorial)
        lines.append(
            f"| [{s.tutorial}]({link}) | {s.result} | {s.kernel or '-'} "
            f"| {s.executed_at[:19].replace('T', ' ')} "
            f"| {s.duration_s:.1f} s | {s.labtools_version} "
            f"| `{s.git_commit[:12]}` |"
        )
    lines.append("")
    return "\n".join(lines)
