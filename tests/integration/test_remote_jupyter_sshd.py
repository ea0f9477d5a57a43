"""`jupyter remote` against a real sshd whose PATH has this project's Jupyter; the sandbox host."""

from __future__ import annotations

import os
import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from plugins.ssh_host import HostFactory, write_client
from plugins.ssh_host import jupyter_status as status

from labtools import process
from labtools.handbook.sandbox import open_sandbox
from labtools.handbook.services.remote_host import RemoteHostService
from labtools.keys import KeyPair
from labtools.remote import remote_jupyter
from labtools.sshconfig import Forward
from labtools.tunnel import open_tunnel

pytestmark = [pytest.mark.integration, pytest.mark.requires_tool("sshd", "ssh")]


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return True
    except OSError:
        return False


def test_remote_server_starts_tunnels_and_stops(
    make_ssh_host: HostFactory, client_key: KeyPair, tmp_path: Path
) -> None:
    remote = tmp_path / "remote"
    _, info = make_ssh_host(name="gpu", setenv={
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "JUPYTER_RUNTIME_DIR": str(remote / "runtime"),
        "JUPYTER_CONFIG_DIR": str(remote / "config"),
        "JUPYTER_DATA_DIR": str(remote / "data"),
    })
    config = write_client(tmp_path / "c", client_key, {"gpu": info})
    with remote_jupyter("gpu", ssh_config=config, allow_root=os.geteuid() == 0,
                        timeout=120) as live:
        server = live.server
        token = server.token_file.read_text().strip()
        assert stat_mode(server.token_file) == 0o600
        assert status(server.url, None) == 403
        assert status(server.url, token) == 200
        assert live.wait_closed(timeout=0.1) is None
        # the server binds loopback only on the "remote"
        assert listening(server.remote_port)
    assert not server.token_file.exists()
    assert not listening(server.remote_port)
    assert not listening(int(server.url.rsplit(":", 1)[1].strip("/")))


def stat_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_sandbox_service_gives_tutorials_a_host(tmp_path: Path, http_target: int) -> None:
    with open_sandbox(tmp_path / "sb", [RemoteHostService()]) as sandbox:
        world = sandbox.world("demo")
        assert world.env["LABTOOLS_REMOTE_HOST"] == "lab-gpu"
        ssh_config = world.home / ".ssh" / "config"
        done = process.run(["ssh", "-F", str(ssh_config), "-o", "BatchMode=yes", "lab-gpu",
                            "echo $JUPYTER_RUNTIME_DIR"], timeout=60)
        assert done.stdout.strip().endswith("jupyter-runtime")
        key_text = (world.home / ".ssh" / "id_lab").read_text()
        assert key_text in sandbox.secrets()
        with open_tunnel("lab-gpu", ssh_config=ssh_config,
                         forwards=[Forward(0, "127.0.0.1", http_target)]) as live:
            assert status_body(live.urls[0] + "/x") == b"ok /x"


def status_body(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return bytes(response.read())
