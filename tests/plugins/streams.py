"""Reading what a running labtools command prints (for tests that signal it afterwards)."""

from __future__ import annotations

import json
from typing import IO


def read_json(stream: IO[bytes]) -> dict[str, object]:
    """The first JSON document the command prints (emit() writes it indented)."""
    lines = []
    while True:
        line = stream.readline().decode()
        assert line, "the command ended before printing its result"
        lines.append(line)
        if line.rstrip() == "}":
            data: dict[str, object] = json.loads("".join(lines))
            return data
