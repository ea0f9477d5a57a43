"""Serve a folder over HTTP on 127.0.0.1 for as long as a ``with`` block lasts."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from labtools.errors import LabtoolsError


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep requests off stderr."""


@contextmanager
def serve_directory(
    root: Path, *, port: int = 0, error: type[LabtoolsError] = LabtoolsError
) -> Iterator[str]:
    """Serve *root* on 127.0.0.1 (*port* 0 picks a free one); yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise error(
            f"cannot serve on 127.0.0.1:{port}: {exc.strerror}", hint="pick another --port"
        ) from None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
