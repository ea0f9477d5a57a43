"""Argument types checked by click before a command does anything (one line when wrong).

A timeout that is not a finite positive number, a port outside 0-65535 or a kernel name
Jupyter would not accept is refused while the arguments are parsed, so no command gets
as far as starting ssh or a kernel with it.
"""

from __future__ import annotations

import math
import re
from typing import Any

import click

#: the names jupyter_client accepts for a kernelspec folder (kernelspec._kernel_name_pat)
KERNEL_NAME = re.compile(r"^[a-z0-9._\-]+$", re.IGNORECASE)


class Seconds(click.ParamType[float]):
    """A duration in seconds: finite, at least *minimum* (``nan``, ``inf``, ``-1`` refused)."""

    name = "seconds"

    def __init__(self, minimum: float = 0.5) -> None:
        self.minimum = minimum

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = float(value)
        else:
            try:
                number = float(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not math.isfinite(number) or number < self.minimum:
            self.fail(f"{value!r} is not a number of seconds >= {self.minimum:g}", param, ctx)
        return number


class KernelName(click.ParamType[str]):
    """A kernelspec name as Jupyter allows it: letters, digits, ``.``, ``_`` and ``-``."""

    name = "kernel-name"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        text = str(value)
        if not KERNEL_NAME.match(text) or text in (".", ".."):
            self.fail(f"{text!r} is not a kernel name (use letters, digits, '.', '_' and '-' "
                      "only, e.g. py311-lab)", param, ctx)
        return text


SECONDS = Seconds()
PORT = click.IntRange(0, 65535)
KERNEL = KernelName()
