"""Submit -> working URL of Jupyter in a Slurm job, on the real single-node test cluster.

Three ways, interleaved in each round, through the same login-node sshd and cluster:

* ``labtools``: the library (``slurm_jupyter``), with its parts: ssh connect, sbatch (env
  check + session folder + submit, one round trip), scheduling (submitted -> RUNNING),
  server start (RUNNING -> Jupyter answers on the node), tunnel (up + /api/status
  through it);
* ``labtools CLI``: ``jupyter remote --slurm --background --json`` as a user runs it
  (interpreter start-up included), until it returns with a working URL;
* ``by hand``: the baseline a careful person scripts: ``ssh login sbatch --wrap
  'python -m jupyter_server ...'`` on a fixed port, poll ``squeue`` over fresh ssh
  connections, then ``ssh -N -L`` and poll the URL.

Prints medians (target: labtools <= 10 s) and labtools / by-hand. Measurements on a
shared machine are under load: compare the ratio more than the seconds.
Run (as root, with Debian's slurm packages): .venv/bin/python bench/slurm.py [ROUNDS]
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from labtools import process
from labtools.keys import generate_key
from labtools.loopback_sshd import LoopbackSshHost
from labtools.ports import free_port
from labtools.slurm.request import JobRequest
from labtools.slurm.session import slurm_jupyter
from labtools.slurm.testcluster import LocalSlurmCluster, unavailable_reason
from labtools.sshconfig import ssh_config_block

PARTS = ("connect_s", "sbatch_s", "scheduling_s", "server_start_s", "tunnel_s", "total_s")


def status(url: str, token: str) -> int:
    request = urllib.request.Request(url.rstrip("/") + "/api/status",
                                     headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return -1


def with_labtools(config: Path, python: str, root: bool) -> dict[str, float]:
    with slurm_jupyter("cluster", JobRequest(python=python, allow_root=root),
                       ssh_config=config) as live:
        assert status(live.server.url, live.url_with_token.rsplit("=", 1)[1]) == 200
        assert live.server.timings is not None
        return {k: float(getattr(live.server.timings, k)) for k in PARTS}


def with_cli(config: Path, python: str, root: bool) -> float:
    exe = str(Path(sys.executable).parent / "labtools")
    argv = [exe, "jupyter", "remote", "cluster", "-F", str(config), "--slurm", "--python",
            python, "--background", "--json", *(["--allow-root"] if root else [])]
    start = time.perf_counter()
    done = process.run(argv, timeout=300)
    elapsed = time.perf_counter() - start
    server = json.loads(done.stdout)
    token = Path(server["token_file"]).read_text().strip()
    assert status(server["url"], token) == 200
    process.run([exe, "jupyter", "remote", "cluster", "-F", str(config), "--slurm", "--cancel",
                 str(server["job_id"])], timeout=120)
    return elapsed


def by_hand(config: Path, python: str, root: bool) -> float:
    token, port = secrets.token_hex(24), free_port()
    ssh = ["ssh", "-F", str(config), "cluster"]
    serve = (f"JUPYTER_TOKEN={token} {python} -m jupyter_server --no-browser "
             f"--ServerApp.ip=127.0.0.1 --ServerApp.port={port}"
             + (" --allow-root" if root else ""))
    start = time.perf_counter()
    job = process.run([*ssh, f"sbatch --parsable -o /dev/null --wrap '{serve}'"],
                      timeout=60).stdout.strip()
    tunnel = None
    try:
        while process.run([*ssh, f"squeue -h -j {job} -o %T"],
                          timeout=60).stdout.strip() != "RUNNING":
            time.sleep(0.1)
        local = free_port()
        tunnel = process.spawn([*ssh[:-1], "-N", "-o", "ExitOnForwardFailure=yes", "-L",
                                f"127.0.0.1:{local}:127.0.0.1:{port}", "cluster"])
        while status(f"http://127.0.0.1:{local}", token) != 200:
            time.sleep(0.1)
        return time.perf_counter() - start
    finally:
        if tunnel is not None:
            process.stop(tunnel)
        process.run([*ssh, f"scancel {job}"], timeout=60)
        while process.run([*ssh, f"squeue -h -j {job} -o %T"], timeout=60).stdout.strip():
            time.sleep(0.2)


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    reason = unavailable_reason()
    if reason is not None:
        print(f"bench/slurm.py: skipped: {reason}")
        return 0
    root = os.geteuid() == 0
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="labtools-bench-slurm-") as tmp:
        base = Path(tmp)
        key = generate_key(path=base / "id_ed25519")
        with LocalSlurmCluster(base / "cluster") as cluster:
            home = base / "home"
            home.mkdir()
            setenv = {**cluster.environ(), "HOME": str(home)}
            with LoopbackSshHost(base / "sshd", authorized_keys=[key.public_text],
                                 setenv=setenv, prefer="openssh") as info:
                known = base / "known_hosts"
                known.write_text(info.known_hosts_line())
                config = base / "config"
                config.write_text(ssh_config_block("cluster", hostname=info.host,
                                                   port=info.port, user=info.user,
                                                   identity=key.private_key,
                                                   known_hosts=known))
                parts: list[dict[str, float]] = []
                cli: list[float] = []
                hand: list[float] = []
                for i in range(rounds):
                    parts.append(with_labtools(config, python, root))
                    cli.append(with_cli(config, python, root))
                    hand.append(by_hand(config, python, root))
                    print(f"round {i + 1}: labtools {parts[-1]['total_s']:.2f} s, CLI "
                          f"{cli[-1]:.2f} s, by hand {hand[-1]:.2f} s", flush=True)
    median = {k: statistics.median(p[k] for p in parts) for k in PARTS}
    print(f"\nsubmit -> working URL, median of {rounds} (single-node test cluster, "
          f"{socket.gethostname()}, load {os.getloadavg()[0]:.1f}):")
    for k in PARTS:
        print(f"  {k[:-2]:<14} {median[k]:6.2f} s")
    print(f"  {'CLI, total':<14} {statistics.median(cli):6.2f} s  (interpreter start-up "
          "included)")
    print(f"  {'by hand':<14} {statistics.median(hand):6.2f} s")
    ratio = median["total_s"] / statistics.median(hand)
    print(f"labtools / by hand: {ratio:.2f}x; target: labtools <= 10 s: "
          f"{'met' if median['total_s'] <= 10 else 'NOT met'}")
    print(json.dumps({"rounds": rounds, "median": median, "cli_s": statistics.median(cli),
                      "by_hand_s": statistics.median(hand), "ratio": ratio}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
