"""Tunnels through a real sshd on 127.0.0.1 (tests/plugins/ssh_host.py)."""

from __future__ import annotations

import os
import socket
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from plugins.ssh_host import HostFactory, SshClient, write_client

from labtools.errors import TunnelError
from labtools.keys import KeyPair, generate_key
from labtools.ports import free_port
from labtools.sshconfig import Forward, parse_forward
from labtools.tunnel import close_tunnels, list_tunnels, open_tunnel, start_tunnel

pytestmark = [pytest.mark.integration, pytest.mark.requires_tool("sshd", "ssh")]


def ssh_pids(marker: str) -> list[int]:
    """Live (non-zombie) ssh processes whose command line mentions *marker*."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if cmd and cmd[0].endswith(b"ssh") and any(marker.encode() in a for a in cmd):
            found.append(int(entry.name))
    return found


def attempt(host: str, **kwargs: Any) -> None:
    with open_tunnel(host, **kwargs):
        pass


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return str(resp.read().decode())


def test_forward_works_and_closes(ssh_client: SshClient, http_target: int) -> None:
    fwd = parse_forward(f"0:127.0.0.1:{http_target}")
    with open_tunnel(ssh_client.alias, forwards=[fwd], ssh_config=ssh_client.config,
                     wait_http="/") as live:
        (local,) = live.forwards
        assert local.local_port != 0
        assert get(f"{live.urls[0]}/hello") == "ok /hello"
        assert live.alive()
        assert ssh_pids(str(ssh_client.config)) == [live.tunnel.pid]
    assert ssh_pids(str(ssh_client.config)) == []
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", local.local_port), timeout=2).close()


def test_several_forwards_at_once(ssh_client: SshClient, http_target: int) -> None:
    fwds = [parse_forward(f"127.0.0.1:{http_target}"), parse_forward(f"localhost:{http_target}")]
    with open_tunnel(ssh_client.alias, forwards=fwds, ssh_config=ssh_client.config) as live:
        assert len({f.local_port for f in live.forwards}) == 2
        assert [get(u + "/x") for u in live.urls] == ["ok /x", "ok /x"]


def test_wrong_key_is_one_line_permission_denied(
    ssh_client: SshClient, http_target: int, tmp_path: Path
) -> None:
    stranger = generate_key(path=tmp_path / "stranger")
    config = write_client(tmp_path / "c", stranger, {"labhost": ssh_client.host})
    with pytest.raises(TunnelError) as info:
        attempt("labhost", forwards=[Forward(0, "127.0.0.1", http_target)],
                ssh_config=config)
    assert "Permission denied (publickey)" in info.value.one_line()
    assert "\n" not in info.value.one_line()
    assert ssh_pids(str(config)) == []


def test_connection_refused(tmp_path: Path, client_key: KeyPair, http_target: int) -> None:
    with pytest.raises(TunnelError, match="Connection refused"):
        attempt("127.0.0.1", port=free_port(), identity=client_key.private_key,
                ssh_config=Path(os.devnull),
                forwards=[Forward(0, "127.0.0.1", http_target)])


def test_unknown_host_key_is_refused(
    ssh_client: SshClient, http_target: int, tmp_path: Path
) -> None:
    ssh_client.known_hosts.write_text("", encoding="utf-8")
    with pytest.raises(TunnelError, match="Host key verification failed"):
        attempt(ssh_client.alias, forwards=[Forward(0, "127.0.0.1", http_target)],
                ssh_config=ssh_client.config)


def test_local_port_taken_is_an_error(ssh_client: SshClient, http_target: int) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(TunnelError, match=f"local port {port} on 127.0.0.1 is already in"):
            attempt(ssh_client.alias, forwards=[Forward(port, "127.0.0.1", http_target)],
                    ssh_config=ssh_client.config)
    assert ssh_pids(str(ssh_client.config)) == []


def test_wait_http_gives_up_on_server_errors(ssh_client: SshClient, http_target: int) -> None:
    with pytest.raises(TunnelError, match="HTTP /broken"):
        attempt(ssh_client.alias, forwards=[Forward(0, "127.0.0.1", http_target)],
                ssh_config=ssh_client.config, wait_http="/broken", timeout=2)
    assert ssh_pids(str(ssh_client.config)) == []


def test_sshd_killed_mid_tunnel_is_reported(
    make_ssh_host: HostFactory, client_key: KeyPair, http_target: int, tmp_path: Path
) -> None:
    host, info = make_ssh_host(name="doomed")
    config = write_client(tmp_path / "c", client_key, {"doomed": info})
    with open_tunnel("doomed", forwards=[Forward(0, "127.0.0.1", http_target)],
                     ssh_config=config, alive_interval=1) as live:
        assert get(live.urls[0]) == "ok /"
        host.kill()
        # keep-alive window: ServerAliveInterval 1 x ServerAliveCountMax 3, plus slack
        reason = live.wait_closed(timeout=30)
        assert reason is not None and reason.startswith("tunnel to doomed went down")
        assert not live.alive()


def test_jump_host_through_second_sshd(
    make_ssh_host: HostFactory, client_key: KeyPair, http_target: int, tmp_path: Path
) -> None:
    jump_host, jump = make_ssh_host(forwarding="yes", name="jump")
    _, target = make_ssh_host(name="gpu")
    config = write_client(tmp_path / "c", client_key, {"bastion": jump, "gpu": target},
                          jump={"gpu": "bastion"})
    with open_tunnel("gpu", forwards=[Forward(0, "127.0.0.1", http_target)],
                     ssh_config=config) as live:
        assert get(live.urls[0] + "/via-jump") == "ok /via-jump"
    if jump.kind == "openssh":
        assert "Accepted publickey" in (jump_host.root / "sshd.log").read_text()


def test_jump_host_flag(
    make_ssh_host: HostFactory, client_key: KeyPair, http_target: int, tmp_path: Path
) -> None:
    _, jump = make_ssh_host(forwarding="yes", name="jump")
    _, target = make_ssh_host(name="gpu")
    config = write_client(tmp_path / "c", client_key, {"bastion": jump, "gpu": target})
    with open_tunnel("gpu", jump="bastion", forwards=[Forward(0, "127.0.0.1", http_target)],
                     ssh_config=config) as live:
        assert get(live.urls[0]) == "ok /"


def test_background_tunnel_list_and_close(ssh_client: SshClient, http_target: int) -> None:
    tunnel = start_tunnel(ssh_client.alias, forwards=[Forward(0, "127.0.0.1", http_target)],
                          ssh_config=ssh_client.config)
    try:
        assert [t.id for t in list_tunnels()] == [tunnel.id]
        assert tunnel.control_path is not None and tunnel.control_path.exists()
        assert get(tunnel.urls[0] + "/bg") == "ok /bg"
    finally:
        closed = close_tunnels(all=True)
    assert closed == [tunnel.id]
    assert list_tunnels() == []
    assert ssh_pids(str(ssh_client.config)) == []


@pytest.mark.parametrize("kind", ["asyncssh"])
def test_embedded_asyncssh_host_forwards_and_runs_commands(
    kind: str, client_key: KeyPair, http_target: int, tmp_path: Path
) -> None:
    from labtools import process
    from labtools.loopback_sshd import LoopbackSshHost

    with LoopbackSshHost(tmp_path / "h", authorized_keys=[client_key.public_text],
                         setenv={"LAB_NAME": "gpu"}, prefer=kind) as info:
        assert info.kind == "asyncssh"
        config = write_client(tmp_path / "c", client_key, {"embedded": info})
        with open_tunnel("embedded", forwards=[Forward(0, "127.0.0.1", http_target)],
                         ssh_config=config) as live:
            assert get(live.urls[0] + "/a") == "ok /a"
        done = process.run(["ssh", "-F", str(config), "embedded", "echo $LAB_NAME; exit 3"],
                           check=False, timeout=30)
        assert (done.returncode, done.stdout) == (3, "gpu\n")


def test_explicit_local_port_is_kept(ssh_client: SshClient, http_target: int) -> None:
    port = free_port()
    with open_tunnel(ssh_client.alias, forwards=[Forward(port, "127.0.0.1", http_target)],
                     ssh_config=ssh_client.config) as live:
        assert live.urls == (f"http://127.0.0.1:{port}",)
        assert get(live.urls[0]) == "ok /"


def test_list_forgets_background_tunnels_that_died(
    ssh_client: SshClient, http_target: int
) -> None:
    import signal

    tunnel = start_tunnel(ssh_client.alias, forwards=[Forward(0, "127.0.0.1", http_target)],
                          ssh_config=ssh_client.config)
    os.kill(tunnel.pid, signal.SIGKILL)
    for _ in range(100):
        if not list_tunnels():
            break
        time.sleep(0.05)
    assert list_tunnels() == []
    assert close_tunnels(all=True) == []


def test_hung_host_is_detected_by_keep_alive(
    make_ssh_host: HostFactory, client_key: KeyPair, http_target: int, tmp_path: Path
) -> None:
    import signal

    host, info = make_ssh_host(name="hung")
    config = write_client(tmp_path / "c", client_key, {"hung": info})
    with open_tunnel("hung", forwards=[Forward(0, "127.0.0.1", http_target)],
                     ssh_config=config, alive_interval=1) as live:
        host.signal_all(signal.SIGSTOP)  # the TCP connection stays open; only keep-alives fail
        try:
            reason = live.wait_closed(timeout=30)
        finally:
            host.signal_all(signal.SIGCONT)
        assert reason is not None
        assert "not responding" in reason or "Timeout" in reason, reason
