"""Run code in a fresh kernel of a Jupyter server, over its REST and WebSocket API.

What a browser does when a notebook cell runs, without the browser: start a kernel
(``POST /api/kernels``), send an ``execute_request`` on its channels WebSocket, collect
the stream output until the kernel is idle again, shut the kernel down. It proves that a
server reached through a tunnel really executes code, and where.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from labtools.aio import run_sync
from labtools.errors import KernelError


async def _run(url: str, token: str, code: str, timeout: float) -> str:
    from jupyter_client.session import Session
    from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
    from tornado.websocket import websocket_connect

    base = url.rstrip("/") + "/"
    headers = {"Authorization": f"token {token}"}
    client = AsyncHTTPClient()
    try:
        made = await client.fetch(HTTPRequest(base + "api/kernels", method="POST", body="{}",
                                              headers=headers, request_timeout=timeout))
    except (HTTPClientError, OSError) as exc:
        raise KernelError(f"could not start a kernel at {base}: {exc}",
                          hint="check that the server has ipykernel") from None
    kernel_id = json.loads(made.body)["id"]
    try:
        socket = await websocket_connect(HTTPRequest(
            base.replace("http", "ws", 1) + f"api/kernels/{kernel_id}/channels",
            headers=headers, request_timeout=timeout))
        session = Session()
        request = session.msg("execute_request", {"code": code, "silent": False,
                                                  "store_history": False,
                                                  "user_expressions": {}, "allow_stdin": False})
        request["channel"] = "shell"
        await socket.write_message(json.dumps(request, default=str))
        parent = request["header"]["msg_id"]
        out: list[str] = []
        while True:
            raw = await asyncio.wait_for(socket.read_message(), timeout)
            if raw is None:
                raise KernelError(f"the kernel's channel at {base} closed during execution")
            reply: dict[str, Any] = json.loads(raw)
            if reply.get("parent_header", {}).get("msg_id") != parent:
                continue
            kind, content = reply.get("msg_type"), reply.get("content", {})
            if kind == "stream":
                out.append(str(content.get("text", "")))
            elif kind == "error":
                raise KernelError(f"the code raised {content.get('ename')}: "
                                  f"{content.get('evalue')}")
            elif kind == "status" and content.get("execution_state") == "idle":
                break
        socket.close()
        return "".join(out)
    finally:
        with contextlib.suppress(HTTPClientError, OSError):
            await client.fetch(HTTPRequest(base + f"api/kernels/{kernel_id}", method="DELETE",
                                           headers=headers, request_timeout=timeout))


def run_code(url: str, token: str, code: str, *, timeout: float = 60.0) -> str:
    """Execute *code* in a new kernel of the server at *url*; its printed output."""
    try:
        return run_sync(_run(url, token, code, timeout))
    except TimeoutError:
        raise KernelError(f"the kernel at {url} did not finish within {timeout:g} s",
                          hint="raise the timeout") from None
