"""What an environment holds, as the spec commands see it (read by the env read model).

The records and dist-infos are read by :class:`labtools.envs.prefix.Prefix`, the only
reader of an env on disk; this module keeps the names the spec modules use.
:func:`read_prefix` reads one consistent :class:`PrefixState` (records, foreign
dist-infos, history text); a corrupt or unreadable file is one
:class:`~labtools.errors.SpecError` that names it.
"""

from __future__ import annotations

from pathlib import Path

from labtools.envs.backends import requested_by_owner
from labtools.envs.prefix import Prefix, PrefixState
from labtools.envs.records import (
    KNOWN_SUBDIRS,
    CondaRecord,
    PipRecord,
    channel_name,
    direct_url_spec,
    parse_conda_record,
    parse_dist_info,
)


def read_conda_records(prefix: Path) -> tuple[CondaRecord, ...]:
    """Every package record of *prefix*, sorted by name."""
    return Prefix(prefix).records()


def read_prefix(prefix: Path | str, *, ask_owner: bool = False) -> PrefixState:
    """Records, the history text and foreign dist-infos of *prefix*; with *ask_owner*, also
    what the tool that made it says was requested (through that tool's backend)."""
    state = Prefix(prefix).state()
    if not ask_owner:
        return state
    from dataclasses import replace

    return replace(state, requested_by_owner=requested_by_owner(state.prefix))


__all__ = ["KNOWN_SUBDIRS", "CondaRecord", "PipRecord", "PrefixState", "channel_name",
           "direct_url_spec", "parse_conda_record", "parse_dist_info", "read_conda_records",
           "read_prefix"]
