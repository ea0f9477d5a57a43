"""The project's environment.yml made real: its PyPI mirror, and envs created from it.

- ``env_mirror`` (session) -> :class:`EnvMirror`: ``labtools channel mirror environment.yml``
  into ``<tmp>/mirrors/conda-forge``. The mirror cache is the machine's own
  (``$LABTOOLS_MIRROR_CACHE`` or ``~/.cache/labtools/mirror``, read at import, before tests
  isolate HOME), outside the clone and keyed by content: only the first run on a machine
  resolves and downloads (~3 min); later sessions link the cached channel (~1 s).
- ``create_from_file(tool, mirror, env_file, name)``: what a lab member types,
  ``<tool> create -n NAME -f environment.yml --override-channels -c file://MIRROR``, in the
  tool's sandbox. mamba and micromamba also read the file's ``channels:`` (conda-forge)
  despite ``--override-channels``, so the sandbox's rc maps ``conda-forge`` to the mirror
  (``custom_channels``), as a lab behind a firewall maps it to its own mirror; the pip:
  section installs offline from the mirror's ``wheels/`` (``PIP_NO_INDEX``,
  ``PIP_FIND_LINKS``).
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import pytest

from labtools.channel.mirror import CACHE_ENV, MirrorReport, mirror_environment
from plugins.real_tools import RealTool

REPO = Path(__file__).resolve().parents[2]
ENVIRONMENT_YML = REPO / "environment.yml"
MIRROR_CACHE = Path(os.environ.get(CACHE_ENV) or
                    Path(platformdirs.user_cache_dir("labtools")) / "mirror")


@dataclass(frozen=True)
class EnvMirror:
    """A mirror channel named like the channel it stands for (``.../conda-forge``)."""

    channel: Path
    report: MirrorReport

    @property
    def alias_root(self) -> Path:
        """The folder whose ``conda-forge`` child is the mirror (for ``custom_channels``)."""
        return self.channel.parent


@dataclass(frozen=True)
class Created:
    prefix: Path
    seconds: float
    output: str


@pytest.fixture(scope="session")
def env_mirror(tmp_path_factory: pytest.TempPathFactory) -> EnvMirror:
    root = tmp_path_factory.mktemp("mirrors")
    report = mirror_environment(ENVIRONMENT_YML, root / "conda-forge", cache_dir=MIRROR_CACHE)
    return EnvMirror(channel=report.path, report=report)


def map_channel(tool: RealTool, mirror: EnvMirror) -> None:
    """Point the sandbox's ``conda-forge`` at the mirror (mamba/micromamba need it)."""
    rc = Path(tool.env["CONDARC"])
    text = rc.read_text()
    mapping = f'custom_channels: {{conda-forge: "{mirror.alias_root.as_uri()}"}}'
    assert "custom_channels: {}" in text, text
    rc.write_text(text.replace("custom_channels: {}", mapping))


def create_from_file(tool: RealTool, mirror: EnvMirror, env_file: Path, name: str) -> Created:
    """``<tool> create -y -n NAME -f ENV_FILE --override-channels -c file://MIRROR``."""
    map_channel(tool, mirror)
    env = dict(tool.env, **mirror.report.pip_env)
    started = time.monotonic()
    done = subprocess.run(
        [str(tool.exe), "create", "-y", "-n", name, "-f", str(env_file),
         "--override-channels", "-c", mirror.channel.as_uri()],
        env=env, cwd=env_file.parent, capture_output=True, text=True, timeout=1200, check=False)
    seconds = time.monotonic() - started
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{tool.name} create failed:\n{output[-3000:]}"
    return Created(prefix=tool.envs_dir / name, seconds=seconds, output=output)
