"""A handbook session: the project lock, the kernels and the sandbox, for one build or serve.

The sandbox (its lab services) starts only when a tutorial must execute, once per
session: ``serve`` keeps it across rebuilds, a build closes it at the end. Closing kills
every kernel still running and stops the services, whatever ended the session.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from labtools.errors import HandbookError
from labtools.handbook.config import HandbookConfig
from labtools.handbook.execute import KernelGroup


class Session:
    def __init__(self, config: HandbookConfig) -> None:
        self.config = config
        self.group = KernelGroup()
        self._stack = ExitStack()
        self._sandbox: Any = None
        self._lock: IO[str] | None = None

    def lock(self) -> None:
        """Take the project's build lock, or fail at once: two builds would share one
        sandbox (Quarto #6116)."""
        if self._lock is not None:
            return
        self.config.cache_dir.mkdir(parents=True, exist_ok=True)
        path = self.config.cache_dir / "build.lock"
        fh = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise HandbookError(
                f"another handbook build or serve is running on {self.config.project} "
                f"(pid {holder})",
                hint="wait for it to finish, or stop it",
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._lock = fh

    def sandbox(self) -> Any:
        """The started sandbox (services up), started on first use."""
        if self._sandbox is None:
            from labtools.handbook.sandbox import load_services, open_sandbox

            services = load_services(self.config.services)
            self._sandbox = self._stack.enter_context(
                open_sandbox(self.config.sandbox, services, project=self.config.project)
            )
        return self._sandbox

    def close_sandbox(self) -> None:
        self.group.cancel()
        self.group = KernelGroup()
        self._sandbox = None
        self._stack.close()
        self._stack = ExitStack()

    def close(self) -> None:
        self.close_sandbox()
        if self._lock is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None


def lock_path(config: HandbookConfig) -> Path:
    return config.cache_dir / "build.lock"
