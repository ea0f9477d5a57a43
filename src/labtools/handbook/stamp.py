"""Verification stamps and cache keys: pure functions over already-collected facts."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

STAMP_KEY = "labtools"
STAMP_CELL_TAG = "labtools-stamp"


@dataclass(frozen=True)
class Stamp:
    """When, where and how a tutorial passed. Stored in ``metadata.labtools.stamp``."""

    tutorial: str
    executed_at: str  # ISO 8601, UTC
    duration_s: float
    labtools_version: str
    git_commit: str
    env_hash: str
    python: str
    result: str  # "passed"
    cache_key: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Stamp:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


def digest(parts: Iterable[str | bytes]) -> str:
    """A sha256 hex digest over *parts*, each length-prefixed so boundaries count."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def env_hash(distributions: Iterable[tuple[str, str]]) -> str:
    """Hash of an environment's installed distributions (name, version), order-insensitive."""
    normalized = sorted(
        {(name.lower().replace("_", "-"), version) for name, version in distributions}
    )
    return digest(f"{name}=={version}" for name, version in normalized)[:16]


def cache_key(
    *, source: bytes, labtools_tree: str, environment: str, options: str, sandbox: str
) -> str:
    """What must be unchanged for a previously executed tutorial to be reused."""
    return digest([source, labtools_tree, environment, options, sandbox])[:32]


def render_stamp_html(stamp: Stamp) -> str:
    """The stamp as the HTML block shown at the top of a tutorial page."""
    ok = stamp.result == "passed"
    mark = "✔" if ok else "✘"
    commit = stamp.git_commit[:12]
    fields = [
        ("executed", stamp.executed_at.replace("T", " ").replace("+00:00", " UTC")),
        ("duration", f"{stamp.duration_s:.1f} s"),
        ("labtools", stamp.labtools_version),
        ("commit", commit),
        ("python", stamp.python),
        ("environment", stamp.env_hash),
    ]
    items = "".join(
        f'<span class="labtools-stamp__field"><b>{html.escape(k)}</b> {html.escape(v)}</span> '
        for k, v in fields
    )
    return (
        f'<div class="labtools-stamp" data-result="{html.escape(stamp.result)}">'
        f'<span class="labtools-stamp__result">{mark} Verified: {html.escape(stamp.result)}</span> '
        f"{items}</div>"
    )


def render_status_markdown(stamps: Iterable[Stamp], links: dict[str, str]) -> str:
    """The status page: one row per tutorial with its stamp."""
    lines = [
        "# Verification status",
        "",
        "Every tutorial in this handbook was executed by the build that produced this site,",
        "in a hermetic sandbox. A tutorial that fails stops the build, so every row here passed.",
        "",
        "| Tutorial | Result | Executed (UTC) | Duration | labtools | Commit | Environment |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in stamps:
        link = links.get(s.tutorial, s.tutorial)
        lines.append(
            f"| [{s.tutorial}]({link}) | {s.result} "
            f"| {s.executed_at[:19].replace('T', ' ')} "
            f"| {s.duration_s:.1f} s | {s.labtools_version} "
            f"| `{s.git_commit[:12]}` | `{s.env_hash}` |"
        )
    lines.append("")
    return "\n".join(lines)
