"""``conda-meta/history`` in conda's own format (rattler leaves the file empty).

One block per transaction::

    ==> 2026-11-24 00:20:13 <==
    # cmd: labtools env create py311-kernel python=3.11 ipykernel
    # labtools version: 0.1.0
    +file:///srv/lab-channel::python-3.11.7-h_lab_0_cp311
    # update specs: ['python=3.11', 'ipykernel']

so that ``conda env export --from-history`` (and labtools' own spec export) can later
recover what the user asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class LinkedDist:
    """One package line of a history block: ``+channel::name-version-build``."""

    channel: str
    name: str
    version: str
    build: str

    def line(self, sign: str = "+") -> str:
        return f"{sign}{self.channel}::{self.name}-{self.version}-{self.build}"


def history_block(
    *,
    when: datetime,
    command: Sequence[str],
    linked: Sequence[LinkedDist],
    update_specs: Sequence[str],
    tool_version: str,
) -> str:
    """One transaction block, as conda writes it (pure)."""
    lines = [
        f"==> {when:%Y-%m-%d %H:%M:%S} <==",
        f"# cmd: {' '.join(command)}",
        f"# labtools version: {tool_version}",
        *(dist.line() for dist in sorted(linked, key=lambda d: d.name)),
        f"# update specs: {list(update_specs)!r}",
    ]
    return "\n".join(lines) + "\n"


def append_history(prefix: Path, block: str) -> None:
    path = prefix / "conda-meta" / "history"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(block)
