"""The one exception hierarchy of labtools.

Every error a user can cause derives from :class:`LabtoolsError`; the CLI catches it
once and prints its message as one line. Subclasses also inherit the builtin they
resemble, so library callers can catch ``ValueError`` or ``OSError`` as usual.
Messages say what failed, what was found, and the fix.
"""

from __future__ import annotations

from typing import ClassVar


class LabtoolsError(Exception):
    """Root of every error labtools raises on purpose.

    ``code`` is the stable, machine-readable name of the kind of failure: the CLI puts
    it in ``{"error": {"code", "message", "hint"}}`` under ``--json``. Subclasses set
    their own; a new subclass inherits its parent's until it needs one.
    """

    code: ClassVar[str] = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message} ({hint})")

    def one_line(self) -> str:
        """The message and its fix on one line, as the CLI prints it."""
        text = str(self)
        return " ".join(text.split())


class UsageError(LabtoolsError, ValueError):
    """Bad arguments that the CLI parser could not catch."""

    code = "usage"


class SpecError(LabtoolsError, ValueError):
    """A package spec, environment file or lock file that cannot be read."""

    code = "spec"


class EnvError(LabtoolsError, OSError):
    """An environment that is missing, invalid, or cannot be created or removed."""

    code = "env"


class SolveError(LabtoolsError, RuntimeError):
    """The solver found no set of packages that satisfies the request."""

    code = "solve"


class ChannelError(LabtoolsError, OSError):
    """A conda channel that is unreachable or malformed."""

    code = "channel"


class KernelError(LabtoolsError, RuntimeError):
    """A Jupyter kernel that is missing, broken or points at the wrong interpreter."""

    code = "kernel"


class TunnelError(LabtoolsError, OSError):
    """An SSH tunnel that could not be opened or died."""

    code = "tunnel"


class SlurmError(LabtoolsError, RuntimeError):
    """A batch job that Slurm refused, that did not start in time, or that ended."""


class ConfigError(LabtoolsError, ValueError):
    """A configuration file (profile, Jupyter config) that is invalid."""

    code = "config"


class UnsafeFileError(LabtoolsError, PermissionError):
    """A secret file's path that is a symlink, someone else's file, or in an open folder."""

    code = "unsafe-file"


class HandbookError(LabtoolsError, RuntimeError):
    """A tutorial that failed to execute or a handbook that failed to build."""

    code = "handbook"


class ToolNotFoundError(LabtoolsError, FileNotFoundError):
    """An external program that labtools needs is not installed."""

    code = "tool-not-found"


class CommandFailedError(LabtoolsError, OSError):
    """An external program exited with a non-zero status."""

    code = "command-failed"

    def __init__(self, argv0: str, returncode: int, stderr_tail: str, *, hint: str | None = None):
        self.argv0 = argv0
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        detail = f": {stderr_tail}" if stderr_tail else ""
        super().__init__(f"{argv0} exited with status {returncode}{detail}", hint=hint)


class CommandTimeoutError(CommandFailedError, TimeoutError):
    """An external program did not finish in time."""

    code = "timeout"

    def __init__(self, argv0: str, timeout: float, stderr_tail: str = ""):
        LabtoolsError.__init__(
            self,
            f"{argv0} did not finish within {timeout:g} s"
            + (f": {stderr_tail}" if stderr_tail else ""),
            hint="raise the timeout or check that the program is not waiting for input",
        )
        self.argv0 = argv0
        self.returncode = -1
        self.stderr_tail = stderr_tail


class Interrupted(KeyboardInterrupt):
    """A signal (SIGINT, SIGTERM, SIGHUP) stopped an operation after it cleaned up.

    A ``KeyboardInterrupt``, so callers that already handle Ctrl-C handle it; the CLI exits
    with ``128 + signum`` (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP).
    """

    def __init__(self, signum: int, message: str = "") -> None:
        import signal

        self.signum = signum
        self.exit_code = 128 + signum
        self.signal_name = signal.Signals(signum).name
        self.message = message or f"interrupted by {self.signal_name}"
        super().__init__(self.message)
