"""The foreground commands as a user runs them: Ctrl-C closes everything, and a remote
server that dies ends `jupyter remote` instead of leaving it hanging."""

from __future__ import annotations

import os
import signal
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from plugins.ssh_host import HostFactory, SshClient, write_client
from plugins.ssh_host import jupyter_status as status
from plugins.streams import read_json

from labtools import process
from labtools.keys import KeyPair

pytestmark = [pytest.mark.integration, pytest.mark.requires_tool("sshd", "ssh")]
PIPE = -1


def labtools(*args: str) -> list[str]:
    return [sys.executable, "-m", "labtools", *args]


def test_tunnel_open_foreground_closes_on_ctrl_c(ssh_client: SshClient, http_target: int) -> None:
    proc = process.spawn(labtools("tunnel", "open", ssh_client.alias, "-F",
                                  str(ssh_client.config), "-L", f"0:127.0.0.1:{http_target}",
                                  "--json"), stdout=PIPE)
    try:
        assert proc.stdout is not None
        tunnel = read_json(proc.stdout)
        forwards = tunnel["forwards"]
        assert isinstance(forwards, list)
        url = f"http://127.0.0.1:{forwards[0]['local_port']}"
        with urllib.request.urlopen(url + "/fg", timeout=10) as response:
            assert response.read() == b"ok /fg"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        assert status(url) == -1
    finally:
        process.stop(proc)


@pytest.fixture
def gpu(make_ssh_host: HostFactory, client_key: KeyPair, tmp_path: Path) -> Path:
    remote = tmp_path / "remote"
    _, info = make_ssh_host(name="gpu", setenv={
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "JUPYTER_RUNTIME_DIR": str(remote / "runtime"),
        "JUPYTER_CONFIG_DIR": str(remote / "config"),
        "JUPYTER_DATA_DIR": str(remote / "data"),
    })
    return write_client(tmp_path / "c", client_key, {"gpu": info})


def remote_cmd(config: Path) -> list[str]:
    argv = labtools("jupyter", "remote", "gpu", "-F", str(config), "--json", "--timeout", "120")
    return argv + (["--allow-root"] if os.geteuid() == 0 else [])


def test_jupyter_remote_ctrl_c_stops_the_remote_server(gpu: Path) -> None:
    proc = process.spawn(remote_cmd(gpu), stdout=PIPE)
    try:
        assert proc.stdout is not None
        server = read_json(proc.stdout)
        url = str(server["url"])
        token = Path(str(server["token_file"])).read_text().strip()
        assert status(url) == 403 and status(url, token) == 200
        remote_pid = int(str(server["remote_pid"]))
        assert Path(f"/proc/{remote_pid}").exists()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
        assert status(url) == -1
        assert not Path(str(server["token_file"])).exists()
    finally:
        process.stop(proc)
    deadline_ok = _gone(remote_pid)
    assert deadline_ok, "the remote jupyter server survived Ctrl-C"


def _gone(pid: int) -> bool:
    import time

    for _ in range(100):
        stat = Path(f"/proc/{pid}/stat")
        if not stat.exists() or stat.read_text().rpartition(")")[2].split()[0] == "Z":
            return True
        time.sleep(0.1)
    return False


def test_jupyter_remote_ends_when_the_server_dies(gpu: Path) -> None:
    proc = process.spawn(remote_cmd(gpu), stdout=PIPE)
    try:
        assert proc.stdout is not None
        server = read_json(proc.stdout)
        os.kill(int(str(server["remote_pid"])), signal.SIGTERM)
        assert proc.wait(timeout=60) == 1
        assert proc.stderr is not None
        err = proc.stderr.read().decode()
        assert "jupyter server on gpu exited" in err
        assert len(err.strip().splitlines()) == 1
    finally:
        process.stop(proc)
