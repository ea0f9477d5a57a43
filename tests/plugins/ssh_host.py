"""Fixtures for a loopback SSH host and a Jupyter server (remote Jupyter issue).

* ``client_key``: an ed25519 key pair (session-wide).
* ``ssh_host``: a real sshd on 127.0.0.1 accepting ``client_key`` (session-wide);
  TEST_SSH_HOST_KIND=asyncssh runs the same tests against the embedded server.
* ``make_ssh_host``: a factory for extra hosts (a jump host, one a test may kill).
* ``ssh_client``: a client ssh config (Host alias, IdentityFile, known_hosts) for ``ssh_host``.
* ``http_target``: a tiny HTTP server on 127.0.0.1 to forward to.
* ``jupyter_server``: a real ``jupyter server`` on 127.0.0.1 with a random token.
"""

from __future__ import annotations

import http.server
import os
import secrets
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from labtools import process
from labtools.keys import KeyPair, generate_key
from labtools.loopback_sshd import LoopbackSshHost, SshHostInfo
from labtools.ports import free_port
from labtools.sshconfig import ssh_config_block


@pytest.fixture(scope="session")
def client_key(tmp_path_factory: pytest.TempPathFactory) -> KeyPair:
    if process.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is not on PATH (install openssh-client)")
    return generate_key(path=tmp_path_factory.mktemp("client-key") / "id_ed25519")


def _kind() -> str:
    return os.environ.get("TEST_SSH_HOST_KIND", "auto")


@pytest.fixture(scope="session")
def ssh_host(
    tmp_path_factory: pytest.TempPathFactory, client_key: KeyPair
) -> Iterator[SshHostInfo]:
    root = tmp_path_factory.mktemp("sshd")
    with LoopbackSshHost(root, authorized_keys=[client_key.public_text], prefer=_kind()) as info:
        yield info


HostFactory = Callable[..., tuple[LoopbackSshHost, SshHostInfo]]


@pytest.fixture
def make_ssh_host(tmp_path: Path, client_key: KeyPair) -> Iterator[HostFactory]:
    started: list[LoopbackSshHost] = []

    def make(*, forwarding: str = "local", name: str = "host",
             setenv: dict[str, str] | None = None) -> tuple[LoopbackSshHost, SshHostInfo]:
        host = LoopbackSshHost(tmp_path / f"sshd-{name}-{len(started)}",
                               authorized_keys=[client_key.public_text], forwarding=forwarding,
                               setenv=setenv, prefer=_kind())
        started.append(host)
        return host, host.start()

    try:
        yield make
    finally:
        for host in started:
            host.stop()


@dataclass(frozen=True)
class SshClient:
    """A client's view of a host: ``ssh -F config alias`` just works, host keys checked."""

    config: Path
    alias: str
    key: KeyPair
    known_hosts: Path
    host: SshHostInfo


def write_client(directory: Path, key: KeyPair, hosts: dict[str, SshHostInfo],
                 jump: dict[str, str] | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    known = directory / "known_hosts"
    known.write_text("".join(h.known_hosts_line() for h in hosts.values()), encoding="utf-8")
    blocks = [
        ssh_config_block(alias, hostname=info.host, port=info.port, user=info.user,
                         identity=key.private_key, known_hosts=known,
                         jump=(jump or {}).get(alias))
        for alias, info in hosts.items()
    ]
    config = directory / "config"
    config.write_text("\n".join(blocks), encoding="utf-8")
    return config


@pytest.fixture
def ssh_client(tmp_path: Path, client_key: KeyPair, ssh_host: SshHostInfo) -> SshClient:
    config = write_client(tmp_path / "ssh", client_key, {"labhost": ssh_host})
    return SshClient(config, "labhost", client_key, tmp_path / "ssh" / "known_hosts", ssh_host)


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"ok " + self.path.encode()
        self.send_response(500 if self.path == "/broken" else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def http_target() -> Iterator[int]:
    """Port of an HTTP server on 127.0.0.1 answering ``ok PATH`` (500 for /broken)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass(frozen=True)
class JupyterServer:
    port: int
    token: str
    root: Path


@pytest.fixture
def jupyter_server(tmp_path: Path) -> Iterator[JupyterServer]:
    """A real jupyter_server on 127.0.0.1 (token passed through the environment)."""
    from labtools.secret_registry import register_secret

    token = register_secret(secrets.token_hex(24))
    port = free_port()
    root = tmp_path / "notebooks"
    root.mkdir()
    argv = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}", f"--ServerApp.root_dir={root}"]
    if os.geteuid() == 0:
        argv.append("--allow-root")
    env = {**os.environ, "JUPYTER_TOKEN": token}
    log = os.open(tmp_path / "jupyter.log", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        proc = process.spawn(argv, env=env, stderr=log, stdout=log)
    finally:
        os.close(log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    text = (tmp_path / "jupyter.log").read_text(errors="replace")
                    pytest.fail(f"jupyter server did not start: {text[-500:]}")
                time.sleep(0.1)
        yield JupyterServer(port, token, root)
    finally:
        process.stop(proc)


def jupyter_status(url: str, token: str | None = None) -> int:
    """HTTP status of GET URL/api/status (token in a header); -1 when nothing answers."""
    request = urllib.request.Request(url.rstrip("/") + "/api/status")
    if token:
        request.add_header("Authorization", f"token {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return -1
