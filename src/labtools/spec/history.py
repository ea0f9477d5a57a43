"""An env's history, as the spec commands read it: conda's format, every version of it.

The parser lives with the env read model (:mod:`labtools.envs.history`, read through
:meth:`labtools.envs.prefix.Prefix.history`); this module keeps the names the spec
modules and their tests use.
"""

from __future__ import annotations

from labtools.envs.history import (
    Dist,
    Revision,
    parse_dist,
    parse_history,
    parse_specs_list,
    render_history,
    requested_specs,
)

__all__ = ["Dist", "Revision", "parse_dist", "parse_history", "parse_specs_list",
           "render_history", "requested_specs"]
