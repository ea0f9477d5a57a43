"""``assert_env``: a one-line guard for a notebook's first cell.

    import labtools; labtools.assert_env("py311-torch20-cuda118")

It raises with the fix when the notebook runs in another environment, which is the
"import torch works in the shell but not in the notebook" case.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from labtools.errors import KernelError


def assert_env(name_or_prefix: str | os.PathLike[str]) -> Path:
    """Raise :class:`KernelError` unless this interpreter runs in *name_or_prefix*.

    *name_or_prefix* is an environment name (looked up like ``labtools kernel register``
    does) or a path. Returns the environment's prefix when it matches. Raises
    :class:`~labtools.errors.EnvError` when the expected environment does not exist.
    """
    from labtools.kernels.envref import resolve_env

    expected = resolve_env(name_or_prefix)
    want = expected.prefix.resolve()
    have = Path(sys.prefix).resolve()
    if have != want:
        version = ".".join(map(str, sys.version_info[:3]))
        raise KernelError(
            f"this code runs in {have} (Python {version}, {sys.executable}), "
            f"not in the expected environment {want}",
            hint=f"register it with `labtools kernel register {want}` and switch the "
                 f"notebook's kernel to {expected.name!r} (Kernel > Change kernel)",
        )
    return want
