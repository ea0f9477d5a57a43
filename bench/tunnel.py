"""Time-to-ready of labtools' tunnel vs a bare ``ssh -N -L`` with a connect-poll loop.

Both go through the same loopback sshd and the same ssh config in the same run; the
target is an HTTP server on 127.0.0.1. Prints medians and the ratio (goal <= 1.2x).
Run: .venv/bin/python bench/tunnel.py [REPEATS]
"""

from __future__ import annotations

import http.server
import json
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from labtools import process
from labtools.keys import generate_key
from labtools.loopback_sshd import LoopbackSshHost
from labtools.ports import free_port
from labtools.sshconfig import Forward, ssh_config_block
from labtools.tunnel import open_tunnel

POLL = 0.02


def bare_ssh(config: Path, target_port: int) -> float:
    port = free_port()
    start = time.perf_counter()
    proc = process.spawn(["ssh", "-N", "-F", str(config), "-o", "ExitOnForwardFailure=yes",
                          "-L", f"127.0.0.1:{port}:127.0.0.1:{target_port}", "lab"])
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("ssh exited") from None
                time.sleep(POLL)
        return time.perf_counter() - start
    finally:
        process.stop(proc)


def labtools_tunnel(config: Path, target_port: int) -> float:
    start = time.perf_counter()
    with open_tunnel("lab", ssh_config=config, forwards=[Forward(0, "127.0.0.1", target_port)]):
        return time.perf_counter() - start


def labtools_cli(config: Path, target_port: int) -> float:
    """The whole CLI (interpreter start-up included), in --background mode, then closed."""
    exe = str(Path(sys.executable).parent / "labtools")
    start = time.perf_counter()
    done = process.run([exe, "tunnel", "open", "lab", "-F", str(config), "--background",
                        "--json", "-L", f"0:127.0.0.1:{target_port}"], timeout=60)
    elapsed = time.perf_counter() - start
    process.run([exe, "tunnel", "close", json.loads(done.stdout)["id"]], timeout=60)
    return elapsed


def main() -> int:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    target = int(server.server_address[1])
    with tempfile.TemporaryDirectory(prefix="labtools-bench-") as tmp:
        root = Path(tmp)
        key = generate_key(path=root / "id_ed25519")
        with LoopbackSshHost(root / "sshd", authorized_keys=[key.public_text]) as info:
            known = root / "known_hosts"
            known.write_text(info.known_hosts_line())
            config = root / "config"
            config.write_text(ssh_config_block("lab", hostname=info.host, port=info.port,
                                               user=info.user, identity=key.private_key,
                                               known_hosts=known) + "    BatchMode yes\n")
            bare: list[float] = []
            ours: list[float] = []
            cli: list[float] = []
            bare_ssh(config, target)  # warm-up (page cache, sshd)
            for _ in range(repeats):  # interleaved, so drift hits both alike
                bare.append(bare_ssh(config, target))
                ours.append(labtools_tunnel(config, target))
                if len(cli) < 3:
                    cli.append(labtools_cli(config, target))
    server.shutdown()
    b, o = statistics.median(bare), statistics.median(ours)
    print(f"sshd: {info.kind}, repeats: {repeats}, cpu count: {os.cpu_count()}")
    print(f"bare ssh -N -L + connect poll: median {b * 1000:.0f} ms")
    print(f"labtools open_tunnel:          median {o * 1000:.0f} ms")
    print(f"ratio labtools/bare: {o / b:.2f}x (goal <= 1.2x)")
    c = statistics.median(cli)
    print(f"labtools tunnel open --background (CLI, incl. Python start-up, 3 runs): "
          f"median {c * 1000:.0f} ms = {c / b:.2f}x bare")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
