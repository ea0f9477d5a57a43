"""The ``labtools`` console script: answers ``--version`` before importing the CLI.

``labtools --version`` is what scripts and bug reports run most; it needs neither click
nor the command table, so it is answered here. Everything else goes to
:func:`labtools.cli.run`.
"""

from __future__ import annotations

import sys


def run() -> None:
    if sys.argv[1:] == ["--version"]:
        from labtools import __version__

        sys.stdout.write(f"labtools, version {__version__}\n")
        sys.stdout.flush()
        raise SystemExit(0)
    from labtools.cli import run as cli_run

    cli_run()
