"""The machine a benchmark ran on: CPU, cores, memory, the disk under the envs, load.

Read from ``/proc`` and ``os`` (Linux; other systems get what ``platform`` knows).
The load average is taken before and after the run: a figure measured on a busy
machine says so.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return "?"


def _mount_of(path: Path) -> tuple[str, str, str]:
    """(device, mount point, file system type) holding *path*, from /proc/mounts."""
    best, best_len = ("?", "?", "?"), -1
    try:
        target = str(path.resolve())
        for line in Path("/proc/mounts").read_text().splitlines():
            device, mount, fstype = line.split()[:3]
            inside = target == mount or target.startswith(mount.rstrip("/") + "/")
            if inside and len(mount) > best_len:
                best, best_len = (device, mount, fstype), len(mount)
    except (OSError, ValueError):
        pass
    return best


def _rotational(device: str) -> str:
    name = Path(device).name
    for candidate in (name, name.rstrip("0123456789")):
        flag = Path(f"/sys/block/{candidate}/queue/rotational")
        if flag.is_file():
            return ("rotational" if flag.read_text().strip() == "1"
                    else "non-rotational")
    return "?"


def load() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "?"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def describe(workdir: Path) -> dict[str, str]:
    """A plain description of this machine and the disk under *workdir*."""
    from labtools import __version__

    device, mount, fstype = _mount_of(workdir)
    try:
        stat = os.statvfs(workdir)
        free = f"{stat.f_bavail * stat.f_frsize / 1024 ** 3:.0f} GiB free"
    except OSError:
        free = "?"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count() or "?"),
        "usable_cores": str(usable or os.cpu_count() or "?"),
        "memory": _memory_gib(),
        "disk": f"{device} ({fstype}, {_rotational(device)}) at {mount}, {free}",
        "workdir": str(workdir),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "labtools": __version__,
        "load_before": load(),
    }
