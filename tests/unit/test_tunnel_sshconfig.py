"""Pure cores of the SSH tools: forward specs, command lines, config blocks."""

from __future__ import annotations

from pathlib import Path

import pytest

from labtools.errors import UsageError
from labtools.sshconfig import (
    Forward,
    SshTarget,
    known_hosts_line,
    parse_forward,
    ssh_config_block,
    ssh_failure_line,
    tunnel_argv,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8888:localhost:8888", Forward(8888, "localhost", 8888)),
        ("localhost:8888", Forward(0, "localhost", 8888)),
        ("0:gpu-node:6006", Forward(0, "gpu-node", 6006)),
        ("127.0.0.1:9000:localhost:8888", Forward(9000, "localhost", 8888)),
    ],
)
def test_parse_forward(text: str, expected: Forward) -> None:
    assert parse_forward(text) == expected


@pytest.mark.parametrize("text", ["8888", "0.0.0.0:1:h:2", "x:h:1", "1:h:0", "1::2", "1:h:70000"])
def test_parse_forward_rejects(text: str) -> None:
    with pytest.raises(UsageError):
        parse_forward(text)


def test_tunnel_argv_binds_loopback_and_exits_on_forward_failure() -> None:
    target = SshTarget("gpu", port=2222, identity=Path("/k/id"), jump="bastion",
                       config=Path("/c/config"))
    argv = tunnel_argv(target, [Forward(8899, "localhost", 8888)], control_path=Path("/s.sock"))
    joined = " ".join(argv)
    assert argv[0] == "ssh" and argv[-1] == "gpu"
    assert "-L 127.0.0.1:8899:localhost:8888" in joined
    assert "-o ExitOnForwardFailure=yes" in joined
    assert "-o BatchMode=yes" in joined
    assert "-p 2222" in joined and "-J bastion" in joined and "-F /c/config" in joined
    assert "-M -S /s.sock" in joined
    assert "StrictHostKeyChecking" not in joined


def test_tunnel_argv_needs_resolved_ports() -> None:
    with pytest.raises(ValueError):
        tunnel_argv(SshTarget("h"), [Forward(0, "localhost", 1)])
    with pytest.raises(UsageError):
        tunnel_argv(SshTarget("h"), [])


def test_interactive_target_drops_batch_mode() -> None:
    assert "BatchMode=no" in tunnel_argv(SshTarget("h", batch=False), [Forward(1, "h", 2)])


def test_ssh_config_block() -> None:
    block = ssh_config_block("lab-gpu", hostname="10.0.0.5", port=2222, user="ada",
                             identity=Path("/home/ada/.ssh/id_ed25519"), jump="bastion",
                             forwards=[Forward(8888, "localhost", 8888)])
    lines = block.splitlines()
    assert lines[0] == "Host lab-gpu"
    assert "    HostName 10.0.0.5" in lines and "    Port 2222" in lines
    assert "    User ada" in lines and "    ProxyJump bastion" in lines
    assert "    IdentityFile /home/ada/.ssh/id_ed25519" in lines
    assert "    LocalForward 127.0.0.1:8888 localhost:8888" in lines
    assert "StrictHostKeyChecking" not in block


def test_ssh_config_block_rejects_bad_alias() -> None:
    with pytest.raises(UsageError):
        ssh_config_block("two words")


def test_known_hosts_line() -> None:
    assert known_hosts_line("127.0.0.1", 2200, "ssh-ed25519 AAAA c") == \
        "[127.0.0.1]:2200 ssh-ed25519 AAAA\n"
    assert known_hosts_line("gpu", 22, "ssh-ed25519 AAAA") == "gpu ssh-ed25519 AAAA\n"


@pytest.mark.parametrize(
    ("stderr", "line"),
    [
        ("root@127.0.0.1: Permission denied (publickey).\n", "Permission denied (publickey)"),
        ("ssh: connect to host 127.0.0.1 port 1: Connection refused\n",
         "connect to host 127.0.0.1 port 1: Connection refused"),
        ("Warning: Permanently added x\nbind [127.0.0.1]:8899: Address already in use\n"
         "Could not request local forwarding.\n", "bind [127.0.0.1]:8899: Address already in use"),
        ("", "ssh exited without a message"),
        ("something odd.\n", "something odd"),
    ],
)
def test_ssh_failure_line(stderr: str, line: str) -> None:
    assert ssh_failure_line(stderr) == line


def test_ssh_follows_home_not_the_passwd_entry() -> None:
    # conftest points HOME at a temp folder, as the handbook sandbox does
    import os

    from labtools.tunnel import with_home_config

    assert with_home_config(SshTarget("h")).config == Path(os.devnull)
    config = Path.home() / ".ssh" / "config"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("Host h\n")
    assert with_home_config(SshTarget("h")).config == config
    explicit = Path("/elsewhere/config")
    assert with_home_config(SshTarget("h", config=explicit)).config == explicit
