"""Semantic environment names: derive them from specs, refuse vague or invalid ones.

A name should say what is inside: ``py311-torch20-cuda118`` tells a colleague the
Python, the framework and the CUDA line; ``env1`` or ``test`` tells nothing. The
abbreviation table below is the documented vocabulary (``labtools env name``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from labtools.errors import UsageError

#: conda package name -> short token used in names.
ABBREVIATIONS: dict[str, str] = {
    "python": "py",
    "pytorch": "torch",
    "pytorch-gpu": "torch",
    "pytorch-cpu": "torch",
    "tensorflow": "tf",
    "tensorflow-gpu": "tf",
    "cudatoolkit": "cuda",
    "cuda": "cuda",
    "cuda-version": "cuda",
    "pytorch-cuda": "cuda",
    "cudnn": "cudnn",
    "numpy": "np",
    "pandas": "pd",
    "scikit-learn": "sklearn",
    "jupyterlab": "jlab",
    "ipykernel": "kernel",
    "transformers": "hf",
    "r-base": "r",
}
#: packages that carry no information in a name.
SILENT = frozenset({"pip", "setuptools", "wheel"})

VAGUE = re.compile(
    r"^(env|envs|test|tests|testing|tmp|temp|new|myenv|my[-_]env|foo|bar|baz|venv|\.venv|"
    r"untitled|sandbox|demo|default|project|stuff|work|python|py|conda)[-_]?\d*$",
    re.IGNORECASE,
)
_VALID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._+-]*$")
RESERVED = frozenset({"base", "root"})
MAX_LENGTH = 64

_SPEC = re.compile(r"^\s*([A-Za-z0-9_.\-]+)(?:::)?\s*(?:[=<>!~ ]=?\s*([0-9][0-9A-Za-z.*]*))?")


def _version_token(version: str) -> str:
    parts = [p for p in re.split(r"[.*]", version) if p.isdigit()][:2]
    return "".join(parts)


def derive_name(specs: Sequence[str]) -> str:
    """``python=3.11 pytorch=2.0 pytorch-cuda=11.8`` -> ``py311-torch20-cuda118`` (pure)."""
    tokens: list[str] = []
    for spec in specs:
        text = spec.split("::")[-1]
        match = _SPEC.match(text)
        if match is None:
            raise UsageError(f"cannot read package spec {spec!r}", hint="write e.g. python=3.11")
        name = match[1].lower()
        if name in SILENT:
            continue
        token = ABBREVIATIONS.get(name, name) + _version_token(match[2] or "")
        if token not in tokens:
            tokens.append(token)
    if not tokens:
        raise UsageError("no specs to derive a name from", hint="give specs, e.g. python=3.11")
    return "-".join(tokens)


def name_problem(name: str) -> tuple[str, bool] | None:
    """Why *name* is not acceptable, and whether ``--force-name`` may override it (pure)."""
    if not name:
        return "an environment name cannot be empty", False
    if name.startswith("-"):
        return f"{name!r} starts with a dash and would read as an option", False
    if "/" in name or "\\" in name or any(ch.isspace() for ch in name):
        return f"{name!r} contains a path separator or space", False
    if not _VALID.match(name) or len(name) > MAX_LENGTH:
        return (f"{name!r} is not a valid name (letters, digits, . _ + -; "
                f"at most {MAX_LENGTH} chars)"), False
    if name.lower() in RESERVED:
        return f"{name!r} is reserved for conda's base environment", False
    if VAGUE.match(name) or len(name) < 3:
        return f"{name!r} is a vague name that says nothing about what is inside", True
    return None


def check_name(name: str, *, force: bool = False, specs: Sequence[str] = ()) -> str:
    """Return *name* if acceptable; raise :class:`UsageError` with a suggestion otherwise."""
    problem = name_problem(name)
    if problem is None:
        return name
    message, overridable = problem
    if overridable and force:
        return name
    suggestion = ""
    if specs:
        try:
            derived = derive_name(specs)
            suggestion = "" if name_problem(derived) else f"e.g. {derived}; "
        except UsageError:
            suggestion = ""
    hint = f"{suggestion}see labtools env name SPEC..."
    if overridable:
        hint += ", or pass --force-name"
    raise UsageError(message, hint=hint)
