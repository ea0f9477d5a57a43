"""The JSON contract for the commands that need real parts: a kernel, a channel, sshd.

In-process runs are validated by the autouse ``json_contract`` fixture; a long-running
command (``channel serve``) runs as a process and its first document is checked here.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from plugins.json_contract import problems_with
from plugins.ssh_host import SshClient

from labtools import process
from labtools.cli import cli

pytestmark = pytest.mark.integration


def json_of(*args: str) -> object:
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_kernel_verify_and_channel_commands(make_env: object, lab_channel: Path,
                                            tmp_path: Path) -> None:
    root = tmp_path / "envs"
    os.environ.update(LABTOOLS_CHANNELS=str(lab_channel), LABTOOLS_BACKEND="rattler",
                      LABTOOLS_ENVS_ROOT=str(root))
    make_env("py311-verify", ("python", "ipykernel"), root=root)  # type: ignore[operator]
    json_of("kernel", "register", "py311-verify")
    doc = json_of("kernel", "verify", "py311-verify")
    assert isinstance(doc, dict) and Path(doc["prefix"]) == root / "py311-verify"
    channel = tmp_path / "channel"
    json_of("channel", "init", str(channel))
    package = next(lab_channel.glob("noarch/labdemo-1.0-*"))
    json_of("channel", "add", str(channel), str(package))
    wheel = shutil.copy(next(lab_channel.parent.glob("wheelhouse/comm-*.whl")), tmp_path)
    json_of("channel", "add-wheel", str(channel), str(wheel))
    json_of("channel", "index", str(channel))


def test_channel_demo_from_a_wheel_folder(lab_channel: Path, tmp_path: Path) -> None:
    wheels = lab_channel.parent / "wheelhouse"
    doc = json_of("channel", "demo", str(tmp_path / "demo"), "--wheels", str(wheels))
    assert isinstance(doc, dict) and {"python", "pip", "ipykernel", "labdemo"} <= set(
        doc["packages"])
    again = json_of("channel", "demo", str(tmp_path / "demo"), "--wheels", str(wheels))
    assert isinstance(again, dict) and again["reused"] is True


def test_channel_serve_prints_one_document_first(lab_channel: Path) -> None:
    proc = process.spawn([sys.executable, "-m", "labtools", "channel", "serve",
                          str(lab_channel), "--port", "0", "--json"], stdout=-1)
    try:
        assert proc.stdout is not None
        lines = []
        while not lines or lines[-1].rstrip() != "}":
            line = proc.stdout.readline().decode()
            assert line, "channel serve ended before printing its document"
            lines.append(line)
        doc = json.loads("".join(lines))
        assert problems_with("channel serve", doc) == []
        assert doc["url"].startswith("http://127.0.0.1:")
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    finally:
        process.stop(proc)


@pytest.mark.requires_tool("sshd", "ssh")
def test_a_background_tunnel_opens_lists_and_closes(ssh_client: SshClient,
                                                    http_target: int) -> None:
    opened = json_of("tunnel", "open", ssh_client.alias, "-F", str(ssh_client.config),
                     "-L", f"0:127.0.0.1:{http_target}", "--background")
    assert isinstance(opened, dict)
    listed = json_of("tunnel", "list")
    assert isinstance(listed, list) and [t["id"] for t in listed] == [opened["id"]]
    closed = json_of("tunnel", "close", "--all")
    assert closed == {"closed": [opened["id"]]}
