"""The part of a labtools Slurm job that runs on the compute node: find the node's cluster
address, pick a port, start jupyter_server there, report node and port once it answers.

This file is shipped verbatim inside the batch script and run by the environment's own
Python, so it uses the standard library only and no labtools import, and runs on Python 3.8+
(annotations are never evaluated: ``from __future__ import annotations``).
The same functions are unit-tested on the laptop side.

What it reports goes into the port file (JSON, mode 0600, replaced atomically):
``{"state": "starting" | "ready" | "failed", "job_id", "node", "address", "port", ...}``;
``"failed"`` carries ``"error"``: one line saying what went wrong and what to do.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any

UNSPECIFIED = ("0.0.0.0", "::")


class NodeError(Exception):
    """A problem on the node, reported through the port file as one line."""


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


def is_loopback(address: str) -> bool:
    ip = _ip(address)
    return ip is not None and ip.is_loopback


def usable(address: str) -> bool:
    """An address Jupyter may bind: a real unicast address, never a wildcard."""
    ip = _ip(address)
    return ip is not None and not (ip.is_unspecified or ip.is_multicast)


def choose_bind_address(
    node: str,
    node_addr: str | None,
    resolved: Sequence[str],
    route_to_login: str | None,
    is_local: Callable[[str], bool],
) -> str:
    """The address on the cluster network that the login node reaches this node at.

    *node_addr* is Slurm's NodeAddr for *node*; *resolved* what it resolves to on the node;
    *route_to_login* the source address this node uses toward the submitting (login) host;
    *is_local* tells whether an address belongs to this host. The wildcard (0.0.0.0, ::)
    is never returned. Loopback is returned only when Slurm itself names a loopback
    NodeAddr (a single-host cluster, where the login node *is* this host) or when the login
    node is reached over loopback.
    """
    if node_addr and _ip(node_addr) is not None and not usable(node_addr):
        raise NodeError(f"Slurm's NodeAddr for {node} is {node_addr}, a wildcard address; "
                        "labtools never binds Jupyter to every interface (ask the admins to "
                        "set NodeAddr to the node's cluster address)")
    candidates: list[str] = []
    for address in resolved:
        if usable(address) and address not in candidates and is_local(address):
            candidates.append(address)
    # IPv4 first: that is what clusters route, and what ssh -L takes without brackets
    candidates.sort(key=lambda a: (":" in a, is_loopback(a)))
    outward = [a for a in candidates if not is_loopback(a)]
    if outward:
        return outward[0]
    route_ok = route_to_login is not None and usable(route_to_login) and is_local(route_to_login)
    if candidates:
        named_loopback = node_addr is not None and is_loopback(node_addr)
        if named_loopback or (route_ok and is_loopback(str(route_to_login))):
            return candidates[0]
    if route_ok and route_to_login is not None:
        return route_to_login
    shown = ", ".join(resolved) or "nothing"
    raise NodeError(f"cannot find {node}'s address on the cluster network: NodeAddr "
                    f"{node_addr or node} resolves to {shown} on the node, and no route to "
                    "the login node was found (ask the admins to fix the node's name "
                    "resolution, e.g. a 127.0.1.1 line in /etc/hosts)")


# -- I/O on the node ----------------------------------------------------------------

def slurm_node_addr(node: str) -> str | None:
    """NodeAddr of *node* as Slurm reports it (``scontrol show node -o``), or None."""
    scontrol = shutil.which("scontrol")
    if scontrol is None:
        return None
    try:
        out = subprocess.run([scontrol, "show", "node", node, "-o"], capture_output=True,
                             text=True, timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for field in out.split():
        if field.startswith("NodeAddr="):
            return field.split("=", 1)[1] or None
    return None


def resolve(name: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return []
    out: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in out:
            out.append(address)
    return out


def route_source(host: str | None) -> str | None:
    """The local address used to reach *host* (no packet is sent: a UDP connect)."""
    if not host:
        return None
    for address in resolve(host):
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as sock:
                sock.connect((address, 9))
                return str(sock.getsockname()[0])
        except OSError:
            continue
    return None


def is_local_address(address: str) -> bool:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.bind((address, 0))
            return True
    except OSError:
        return False


def port_free(address: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((address, port))
            return True
        except OSError:
            return False


def free_port(address: str) -> int:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((address, 0))
        return int(sock.getsockname()[1])


def write_report(path: str, report: dict[str, Any]) -> None:
    """Replace the port file atomically; mode 0600 from the first byte."""
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, mode=0o700, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(report, fh)
        fh.write("\n")
    os.replace(tmp, path)


def answers(address: str, port: int, token: str) -> bool:
    host = f"[{address}]" if ":" in address else address
    request = urllib.request.Request(f"http://{host}:{port}/api/status",
                                     headers={"Authorization": f"token {token}"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
    try:
        with opener.open(request, timeout=2) as response:
            return int(response.status) == 200
    except (OSError, urllib.error.URLError, ValueError):
        return False


def jupyter_argv(python: str, config: str, address: str, port: int,
                 allow_root: bool) -> list[str]:
    argv = [python, "-m", "jupyter_server", f"--config={config}", f"--ServerApp.ip={address}",
            f"--ServerApp.port={port}", "--ServerApp.port_retries=0", "--no-browser"]
    if allow_root:
        argv.append("--allow-root")
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="labtools-slurm-node")
    parser.add_argument("--config", required=True, help="Jupyter config with the token")
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--port", type=int, default=0, help="0: a random free port")
    parser.add_argument("--startup-timeout", type=float, default=300.0)
    parser.add_argument("--allow-root", action="store_true")
    args = parser.parse_args(argv)

    job_id = os.environ.get("SLURM_JOB_ID", "")
    node = os.environ.get("SLURMD_NODENAME") or socket.gethostname().split(".")[0]
    report: dict[str, Any] = {"job_id": job_id, "node": node, "pid": os.getpid()}

    def fail(message: str) -> int:
        write_report(args.port_file, {**report, "state": "failed", "error": message})
        print(f"labtools: {message}", file=sys.stderr, flush=True)
        return 1

    try:
        with open(args.config, encoding="utf-8") as fh:
            token = str(json.load(fh)["IdentityProvider"]["token"])
        node_addr = slurm_node_addr(node)
        resolved = resolve(node_addr or node)
        if node_addr and _ip(node_addr) is not None and node_addr not in resolved:
            resolved.insert(0, node_addr)
        address = choose_bind_address(node, node_addr, resolved,
                                      route_source(os.environ.get("SLURM_SUBMIT_HOST")),
                                      is_local_address)
    except NodeError as exc:
        return fail(str(exc))
    except (OSError, KeyError, ValueError) as exc:
        return fail(f"cannot read the session's Jupyter config {args.config}: {exc}")
    report["address"] = address
    if args.port and not port_free(address, args.port):
        return fail(f"port {args.port} on node {node} ({address}) is already in use; "
                    "pick another --node-port, or leave it out for a free one")

    runtime = tempfile.mkdtemp(prefix="labtools-jupyter-")  # node-local, 0700
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=runtime)
    child: subprocess.Popen[bytes] | None = None

    def forward(_signum: int, _frame: Any) -> None:
        # scancel, Ctrl-C or a hang-up: Jupyter stops (and its kernels) on SIGTERM
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, forward)
    try:
        for _attempt in range(3):
            port = args.port or free_port(address)
            report.update(port=port, state="starting")
            write_report(args.port_file, report)
            child = subprocess.Popen(jupyter_argv(sys.executable, args.config, address, port,
                                                  args.allow_root), env=env,
                                     stdin=subprocess.DEVNULL)
            deadline = time.monotonic() + args.startup_timeout
            while child.poll() is None and not answers(address, port, token):
                if time.monotonic() > deadline:
                    child.terminate()
                    child.wait()
                    return fail(f"jupyter_server on {node} did not answer within "
                                f"{args.startup_timeout:g} s; see the job's log")
                time.sleep(0.1)
            if child.poll() is None:
                report.update(state="ready", ready_at=time.time())
                write_report(args.port_file, report)
                code = child.wait()
                if code != 0:  # the last line of the job's log says how it ended
                    how = (f"was killed by signal {-code}" if code < 0
                           else f"exited with status {code}")
                    print(f"labtools: jupyter_server on {node} {how}", file=sys.stderr,
                          flush=True)
                return code if code >= 0 else 128 - code
            if args.port or port_free(address, port):
                return fail(f"jupyter_server exited with status {child.returncode} before "
                            f"it answered on {address}:{port}; see the job's log")
            # someone took the random port between our check and Jupyter's bind: retry
        return fail(f"no free port on {address} after 3 tries")
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
