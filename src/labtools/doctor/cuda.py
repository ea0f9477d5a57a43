"""CUDA facts from text: the driver's CUDA version and the CUDA builds of GPU packages (pure).

The driver's version is the ``CUDA Version: X.Y`` in ``nvidia-smi``'s header: the newest
CUDA runtime it can run. Packages say which CUDA they were built for in conda build
strings (``cuda118_py311...``, ``py3.11_cuda11.8_cudnn8...``), in pip local versions
(``torch 2.1.0+cu118``), in their names (``cupy-cuda12x``) or through the CUDA runtime
package they pull in (``cuda-version``, ``nvidia-cuda-runtime-cu12``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

GPU_CONDA = frozenset({"pytorch", "torch", "tensorflow", "tensorflow-base", "tensorflow-gpu",
                       "cupy", "cupy-core", "jaxlib"})
GPU_PIP = frozenset({"torch", "tensorflow", "jaxlib"})
_SMI = re.compile(r"CUDA Version\s*:\s*(\d+)\.(\d+)")
_CONDA_BUILD = re.compile(r"(?:^|[_.-])cuda(\d+(?:\.\d+)?)(?=[_.-]|py|$)")
_PIP_LOCAL = re.compile(r"\+cu(\d+)\b")
_CUPY = re.compile(r"^cupy-cuda(\d+)(x?)$")
_RUNTIME = re.compile(r"^nvidia-cuda-runtime-cu(\d+)$")


@dataclass(frozen=True)
class CudaBuild:
    """A package built against CUDA ``version`` (``12`` when only the major is known)."""

    package: str
    version: str
    origin: str  # "conda" | "pip"


def driver_cuda_version(nvidia_smi_output: str) -> str | None:
    """``12.2`` from nvidia-smi's header, or None."""
    match = _SMI.search(nvidia_smi_output)
    return f"{match[1]}.{match[2]}" if match else None


def _from_digits(digits: str) -> str:
    """``118`` -> ``11.8``, ``120`` -> ``12.0``, ``92`` -> ``9.2``, ``12`` -> ``12``."""
    if "." in digits:
        return digits
    if len(digits) >= 3:
        return f"{digits[:-1]}.{digits[-1]}"
    if len(digits) == 2 and digits[0] == "1":
        return digits  # cuda12 / cu12: the major only
    return ".".join(digits)


def cuda_builds(
    conda: Iterable[tuple[str, str, str]], pip: Iterable[tuple[str, str]]
) -> tuple[CudaBuild, ...]:
    """GPU packages and their CUDA from (name, version, build) and (name, version) lists."""
    found: list[CudaBuild] = []
    runtime: str | None = None
    unbuilt: list[str] = []
    for name, version, build in conda:
        if name == "cuda-version":
            runtime = ".".join(version.split(".")[:2])
            continue
        if name.lower() not in GPU_CONDA:
            continue
        match = _CONDA_BUILD.search(build)
        if match:
            found.append(CudaBuild(name, _from_digits(match[1]), "conda"))
        elif "cpu" not in build:
            unbuilt.append(name)
    if runtime is not None:
        found += [CudaBuild(name, runtime, "conda") for name in unbuilt]
    for name, version in pip:
        low = name.lower().replace("_", "-")
        cupy, rt = _CUPY.match(low), _RUNTIME.match(low)
        local = _PIP_LOCAL.search(version)
        if cupy:
            found.append(CudaBuild(name, _from_digits(cupy[1]) if not cupy[2] else cupy[1],
                                   "pip"))
        elif rt:
            found.append(CudaBuild(name, ".".join(version.split(".")[:2]), "pip"))
        elif low in GPU_PIP and local:
            found.append(CudaBuild(name, _from_digits(local[1]), "pip"))
    return tuple(found)


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:2])


def driver_too_old(driver: str, build: str) -> str | None:
    """``"major"`` or ``"minor"`` when *driver* is older than *build* needs, else None."""
    have, need = version_tuple(driver), version_tuple(build)
    if not have or not need:
        return None
    if have[0] < need[0]:
        return "major"
    if have[0] == need[0] and len(need) > 1 and len(have) > 1 and have[1] < need[1]:
        return "minor"
    return None
