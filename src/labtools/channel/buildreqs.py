"""What a local project's build backend asks for on top of ``[build-system] requires``.

``pip install -e .`` in an offline env needs every wheel its isolated build env installs,
and backends add some at run time (PEP 517/660 ``get_requires_for_build_editable``:
hatchling asks for ``editables``). :func:`dynamic_build_requirements` installs the
static requirements from already-downloaded wheels into a scratch folder and asks the
backend itself, the way pip's build isolation does.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import tomllib
from collections.abc import Sequence
from pathlib import Path

from labtools import process
from labtools.errors import ChannelError

_HOOKS = r"""
import importlib, json, sys
backend_name, paths = sys.argv[1], json.loads(sys.argv[2])
sys.path[:0] = paths
module, _, obj = backend_name.partition(":")
backend = importlib.import_module(module)
for part in filter(None, obj.split(".")):
    backend = getattr(backend, part)
found = []
for hook in ("get_requires_for_build_wheel", "get_requires_for_build_editable"):
    if hasattr(backend, hook):
        found += list(getattr(backend, hook)(None))
print(json.dumps(found))
"""


def dynamic_build_requirements(project: Path, static: Sequence[str], wheels: Path) -> list[str]:
    """Requirements *project*'s backend adds at build time (wheel and editable builds)."""
    pyproject = project / "pyproject.toml"
    data = tomllib.loads(pyproject.read_text(encoding="utf-8")) if pyproject.is_file() else {}
    system = data.get("build-system", {})
    backend = system.get("build-backend", "setuptools.build_meta:__legacy__")
    paths = [str(project / p) for p in system.get("backend-path", [])]
    with tempfile.TemporaryDirectory(prefix="labtools-build-env-") as tmp:
        env = dict(os.environ, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels),
                   PIP_DISABLE_PIP_VERSION_CHECK="1")
        if static:
            process.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-index",
                         "--find-links", wheels, "--target", tmp, *static],
                        env=env, timeout=600)
        run_env = dict(os.environ, PYTHONPATH=tmp, PYTHONNOUSERSITE="1")
        done = process.run([sys.executable, "-c", _HOOKS, backend, json.dumps(paths)],
                           env=run_env, cwd=project, timeout=300, check=False)
    if done.returncode != 0:
        raise ChannelError(
            f"{project}: its build backend {backend} failed: {process.tail(done.stderr)}",
            hint="check [build-system] in its pyproject.toml")
    try:
        found = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise ChannelError(f"{project}: build backend {backend} printed no requirements") \
            from None
    return [str(r) for r in found if str(r) not in static]
