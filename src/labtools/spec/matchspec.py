"""conda package specs for the spec commands: rattler's MatchSpec, parsed in one place.

The parser is :mod:`labtools.envs.specs` (rattler's ``MatchSpec``); this module keeps
the names the spec modules use.
"""

from __future__ import annotations

from labtools.envs.specs import SpecParts, normalize_name, parse_spec, spec_name

__all__ = ["SpecParts", "normalize_name", "parse_spec", "spec_name"]
