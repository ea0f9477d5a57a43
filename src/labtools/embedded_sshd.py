"""The embedded SSH server (asyncssh) behind :class:`labtools.loopback_sshd.LoopbackSshHost`.

Run as ``python -m labtools.embedded_sshd ROOT FORWARDING``: reads ``ROOT/authorized_keys``
and ``ROOT/setenv.json``, listens on 127.0.0.1 (free port), prints ``PORT HOSTKEY`` on
one line, then serves public-key logins, local forwards and commands until SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from labtools import process
from labtools.sshconfig import LOOPBACK

PIPE = -1  # subprocess.PIPE


def _host_key(root: Path) -> Any:
    import asyncssh

    path = root / "host_ed25519_asyncssh"
    if path.exists():
        return asyncssh.read_private_key(str(path))
    key = asyncssh.generate_private_key("ssh-ed25519", comment="labtools-host")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.export_private_key())
    return key


async def serve(root: Path, forwarding: str) -> None:
    import asyncssh

    keys = (root / "authorized_keys").read_text(encoding="utf-8")
    setenv: dict[str, str] = json.loads((root / "setenv.json").read_text(encoding="utf-8"))
    key = _host_key(root)
    loop = asyncio.get_running_loop()

    class Server(asyncssh.SSHServer):
        def connection_requested(self, dest_host: str, dest_port: int,
                                 orig_host: str, orig_port: int) -> bool:
            return forwarding in ("local", "yes", "all")

    async def session(proc: Any) -> None:
        env = {**os.environ, **setenv}
        child = process.spawn(["sh", "-c", proc.command or "sh"], env=env, stdin=PIPE,
                              stdout=PIPE, stderr=PIPE)
        try:
            await proc.redirect(stdin=child.stdin, stdout=child.stdout, stderr=child.stderr)
            code = await loop.run_in_executor(None, child.wait)
            for _ in range(200):  # let redirected output reach the client before exit
                if not getattr(proc, "_readers", None):
                    break
                await asyncio.sleep(0.01)
            proc.exit(code)
        finally:
            if child.poll() is None:
                process.stop(child)

    listener = await asyncssh.listen(
        LOOPBACK, 0, server_factory=Server, server_host_keys=[key],
        authorized_client_keys=asyncssh.import_authorized_keys(keys),
        process_factory=session, encoding=None, allow_scp=False)
    public = key.export_public_key().decode().strip()
    sys.stdout.write(f"{listener.get_port()} {public}\n")
    sys.stdout.flush()
    stopped = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stopped.set)
    loop.add_signal_handler(signal.SIGINT, stopped.set)
    await stopped.wait()
    listener.close()
    await listener.wait_closed()


def main(argv: list[str]) -> int:
    root, forwarding = Path(argv[0]), argv[1] if len(argv) > 1 else "local"
    asyncio.run(serve(root, forwarding))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
