"""What ``labtools jupyter remote --json`` prints, with and without ``--slurm`` (for the
JSON schema in docs/reference/schemas)."""

from __future__ import annotations

from labtools.remote import RemoteJupyter
from labtools.slurm.background import Cancelled, ListedJob
from labtools.slurm.session import SlurmJupyter

RemoteResult = RemoteJupyter | SlurmJupyter | list[ListedJob] | Cancelled
