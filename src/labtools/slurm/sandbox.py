"""The handbook sandbox's cluster: a real single-node Slurm behind a login node ``lab-cluster``.

Started once per build, for tutorial 08. The login node is a loopback sshd whose sessions
see the cluster (``SLURM_CONF``), a private home, and an environment named ``jupyter`` (this
project's, with jupyter_server and ipykernel) where conda would put it (``CONDA_ENVS_PATH``).
Each tutorial's HOME gets a ``Host lab-cluster`` block (in ``~/.ssh/config.d/``, included
from ``~/.ssh/config``), a key and a known_hosts file.
Where Slurm cannot run (not installed, not root), the service starts nothing and says why
in ``LABTOOLS_SLURM_UNAVAILABLE``.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from labtools import process
from labtools.handbook.services.ssh_login import SshLoginService
from labtools.loopback_sshd import LoopbackSshHost
from labtools.slurm.testcluster import LocalSlurmCluster, unavailable_reason

ALIAS = "lab-cluster"
ENV_NAME = "jupyter"


class SlurmClusterService(SshLoginService):
    """munged + slurmctld + slurmd on 127.0.0.1 and an sshd login node named ``lab-cluster``."""

    name = "slurm-cluster"

    def __init__(self, alias: str = ALIAS) -> None:
        super().__init__(alias)
        self._cluster: LocalSlurmCluster | None = None
        self._login: LoopbackSshHost | None = None
        self._reason: str | None = None

    def start(self, scratch: Path) -> None:
        self._reason = unavailable_reason()
        if self._reason is None and process.which("sshd") is None:
            # OpenSSH: labtools multiplexes its ssh connection, which the embedded server
            # (labtools.embedded_sshd) does not serve correctly (exit status 255)
            self._reason = "the login node needs OpenSSH's sshd (apt-get install openssh-server)"
        if self._reason is not None:
            return
        shutil.rmtree(scratch / "login", ignore_errors=True)  # a fresh home for each build
        self._cluster = LocalSlurmCluster(scratch / "cluster")
        cluster = self._cluster.start()
        key = self._new_key(scratch, "labtools-sandbox-cluster")
        home = scratch / "login" / "home"
        envs = scratch / "login" / "envs"
        for folder in (home, envs):
            folder.mkdir(parents=True, exist_ok=True)
        env = envs / ENV_NAME
        if not env.exists():
            env.symlink_to(sys.prefix, target_is_directory=True)
        setenv = {
            **cluster.environ(),
            "HOME": str(home),
            "CONDA_ENVS_PATH": str(envs),
            "PATH": os.pathsep.join(["/usr/local/bin", "/usr/bin", "/bin"]),
            "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
            "JUPYTER_DATA_DIR": str(home / ".local" / "share" / "jupyter"),
            "IPYTHONDIR": str(home / ".ipython"),
        }
        self._login = LoopbackSshHost(scratch / "login" / "sshd",
                                      authorized_keys=[key.public_text], setenv=setenv,
                                      prefer="openssh")
        self._info = self._login.start()

    def environ(self) -> dict[str, str]:
        if self._info is None:
            return {"LABTOOLS_SLURM_UNAVAILABLE": self._reason or "not started"}
        # the sandbox runs as root, so its jobs do too; only here may Jupyter run as root
        return {"LABTOOLS_SLURM_HOST": self.alias, "LABTOOLS_SANDBOX_ALLOW_ROOT": "1"}

    def prepare_home(self, home: Path) -> None:
        text = self._client_files(home, "id_cluster", "known_hosts_cluster")
        if text is None:
            return
        ssh_dir = home / ".ssh"
        included = ssh_dir / "config.d"
        included.mkdir(mode=0o700, exist_ok=True)
        block = included / f"{self.alias}.conf"
        block.write_text(text, encoding="utf-8")
        # an absolute Include before any Host block: OpenSSH resolves relative ones against
        # the passwd home, not this sandbox's HOME
        config = ssh_dir / "config"
        before = config.read_text(encoding="utf-8") if config.exists() else ""
        line = f"Include {block}\n"
        if line not in before:
            config.write_text(line + before, encoding="utf-8")
        config.chmod(0o600)

    def fingerprint(self) -> str:
        reason = unavailable_reason()
        return f"{self.name}:{'unavailable' if reason else 'slurm'}"

    def stop(self) -> None:
        if self._login is not None:
            self._login.stop()
            self._login = None
        if self._cluster is not None:
            self._cluster.stop()
            self._cluster = None
