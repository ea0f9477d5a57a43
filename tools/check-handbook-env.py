#!/usr/bin/env python3
"""After `make handbook-env`: did every tutorial run in the env, and does its page say so?

    tools/check-handbook-env.py [PROJECT] [ENV_NAME] [TOOL]   (defaults: . labtools-dev micromamba)

Reads each tutorial's stamp (build/handbook/executed/*.ipynb) and its page in site/tutorials/,
and fails (exit 1, one line per problem) unless every stamp names ENV_NAME, created by TOOL
with a version, and a lock hash, and every page shows them. Standard library only.
"""
from __future__ import annotations

import html
import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    project = Path(argv[0] if argv else ".")
    env = argv[1] if len(argv) > 1 else "labtools-dev"
    tool = argv[2] if len(argv) > 2 else "micromamba"
    sources = sorted(p.stem for p in (project / "notebooks").iterdir()
                     if p.suffix in (".py", ".md", ".ipynb") and not p.name.startswith((".", "_")))
    problems: list[str] = []
    seen = set()
    for name in sources:
        executed = project / "build" / "handbook" / "executed" / f"{name}.ipynb"
        try:
            stamp = json.loads(executed.read_text(encoding="utf-8"))["metadata"]["labtools"]["stamp"]
        except (OSError, KeyError, ValueError):
            problems.append(f"{name}: no stamp in {executed}")
            continue
        facts = stamp.get("environment", {})
        made = facts.get("created by", "")
        if facts.get("env") != env or not made.startswith(f"{tool} ") or not facts.get("lock"):
            problems.append(f"{name}: ran in {facts or 'an unnamed env'}, not {env} by {tool}")
            continue
        page = project / "site" / "tutorials" / f"{name}.html"
        text = html.unescape(page.read_text(encoding="utf-8")) if page.is_file() else ""
        if env not in text or made not in text or facts["lock"] not in text:
            problems.append(f"{name}: {page} does not show env {env}, {made}, lock {facts['lock']}")
        seen.add((env, made, facts["lock"]))
    for line in problems:
        print(f"check-handbook-env: {line}", file=sys.stderr)
    if problems or not sources:
        return 1
    (env, made, lock), *_ = sorted(seen)
    print(f"check-handbook-env: {len(sources)} tutorials ran in {env} ({made}, lock {lock}); "
          "their pages say so")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
