"""``verify_kernel``: start a kernel, run code in it, report which interpreter it really is.

The kernel's stderr goes to a temp file, so a kernel that dies at start is reported as one
line with the tail of what it said. Every wait has a timeout, and the kernel is always
shut down.
"""

from __future__ import annotations

import ast
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from queue import Empty
from typing import Any

from labtools.errors import EnvError, KernelError

_NOISE = ("Kernel is running over TCP without encryption",)
_EXPRESSIONS = {
    "executable": "__import__('sys').executable",
    "prefix": "__import__('sys').prefix",
    "version": "'%d.%d.%d' % __import__('sys').version_info[:3]",
}
CODE = "import sys\n_labtools_probe = (sys.executable, sys.prefix, sys.version_info[:3])"


@dataclass(frozen=True)
class Verification:
    """What the running kernel reported about itself."""

    name: str
    executable: str
    prefix: str
    version: str
    expected_prefix: str | None
    matches: bool | None
    seconds: float


def stderr_tail(text: str, lines: int = 3) -> str:
    """The last meaningful stderr lines on one line, without ipykernel's TCP warning."""
    from labtools.process import tail

    kept = "\n".join(line for line in text.splitlines()
                     if not any(noise in line for noise in _NOISE))
    return tail(kept, lines)


def _expected(expect_prefix: str | os.PathLike[str] | None) -> Path | None:
    if expect_prefix is None:
        return None
    from labtools.kernels.envref import resolve_env

    try:
        return resolve_env(expect_prefix).prefix.resolve()
    except EnvError:
        return Path(expect_prefix).expanduser().resolve()


def verify_kernel(
    name: str,
    *,
    expect_prefix: str | os.PathLike[str] | None = None,
    timeout: float = 60.0,
) -> Verification:
    """Start kernel *name*, run code in it and report sys.executable, sys.prefix, version.

    ``matches`` says whether ``sys.prefix`` is *expect_prefix* (an env name or path).
    Raises :class:`KernelError` when the kernel cannot start, dies, or does not answer
    within *timeout* seconds.
    """
    from jupyter_client.kernelspec import NoSuchKernel
    from jupyter_client.manager import KernelManager

    expected = _expected(expect_prefix)
    started = time.monotonic()
    km = KernelManager(kernel_name=name)
    with tempfile.TemporaryFile(mode="w+", prefix="labtools-kernel-stderr-") as err, \
            open(os.devnull, "w") as out:
        try:
            try:
                km.start_kernel(stdout=out, stderr=err)
            except NoSuchKernel:
                raise KernelError(f"no kernel named {name!r} on the Jupyter path",
                                  hint="see `labtools kernel list`") from None
            except OSError as exc:
                raise KernelError(f"kernel {name!r} could not start: {exc}",
                                  hint=f"run `labtools kernel check {name}`") from None
            reply = _run_probe(km, name, err, timeout)
        finally:
            _shutdown(km)
    values = {key: _literal(reply, key) for key in _EXPRESSIONS}
    matches = None
    if expected is not None:
        matches = Path(values["prefix"]).resolve() == expected
    return Verification(
        name=name, executable=values["executable"], prefix=values["prefix"],
        version=values["version"], expected_prefix=str(expected) if expected else None,
        matches=matches, seconds=round(time.monotonic() - started, 3),
    )


def _died(km: Any, name: str, err: Any, what: str) -> KernelError:
    err.flush()
    err.seek(0)
    said = stderr_tail(err.read())
    code = km.provisioner.process.poll() if km.provisioner and km.provisioner.process else None
    status = f" (exit status {code})" if code is not None else ""
    return KernelError(f"kernel {name!r} {what}{status}: {said or 'no output on stderr'}",
                       hint=f"run `labtools kernel check {name}`")


def _run_probe(km: Any, name: str, err: Any, timeout: float) -> dict[str, Any]:
    kc = km.client()
    kc.start_channels()
    try:
        try:
            kc.wait_for_ready(timeout=timeout)
        except RuntimeError:
            if not km.is_alive():
                raise _died(km, name, err, "died at start") from None
            raise _died(km, name, err, f"did not answer within {timeout:g} s") from None
        msg_id = kc.execute(CODE, silent=False, store_history=False,
                            user_expressions=_EXPRESSIONS)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _died(km, name, err, f"did not finish running code within {timeout:g} s")
            try:
                msg = kc.get_shell_msg(timeout=min(left, 1.0))
            except Empty:
                if not km.is_alive():
                    raise _died(km, name, err, "died while running code") from None
                continue
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                content: dict[str, Any] = msg["content"]
                if content.get("status") != "ok":
                    raise KernelError(
                        f"kernel {name!r} failed to run the probe: "
                        f"{content.get('ename')}: {content.get('evalue')}",
                        hint=f"run `labtools kernel check {name}`")
                return content
    finally:
        kc.stop_channels()


def _literal(reply: dict[str, Any], key: str) -> str:
    result = reply.get("user_expressions", {}).get(key, {})
    if result.get("status") != "ok":
        raise KernelError(f"the kernel could not evaluate {key}: {result.get('evalue')}",
                          hint="the kernel is not a standard Python (ipykernel) kernel")
    text = result["data"]["text/plain"]
    try:
        return str(ast.literal_eval(text))
    except (ValueError, SyntaxError):
        return str(text)


def _shutdown(km: Any) -> None:
    try:
        if km.has_kernel:
            km.shutdown_kernel(now=True)
        else:
            km.cleanup_resources()
    except Exception:  # shutting down must never hide the real error
        import logging

        logging.getLogger("labtools.kernels").debug("kernel shutdown failed", exc_info=True)
