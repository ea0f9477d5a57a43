"""``python -m labtools``."""

from labtools.cli import run

run()
