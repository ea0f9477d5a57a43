"""The lab channel used by tests, tutorials and benchmarks: python + ipykernel + tiny demos.

Beside the conda subdirs the channel keeps the wheels it was built from in ``wheels/``
(conda tools ignore the folder), so pip and uv can install the same packages offline.

:func:`ensure_lab_channel` builds it once under a cache folder, keyed on its inputs
(the wheels, the host Python, the converter's source), and reuses it afterwards. The
wheels come from a wheelhouse filled once with ``pip download``; the tiny demo
packages are wheels written here, so fast tests do not need the big ones.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import sys
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from labtools import process

#: what the lab channel offers besides the demos: ipykernel, pip and their dependencies.
# Exact pins: the lab channel (and every tutorial output built on it) must not change
# when PyPI publishes a new release. Refresh deliberately, then refresh the references.
LAB_REQUIREMENTS = (
    "asttokens==3.0.2",
    "comm==0.2.3",
    "debugpy==1.8.22",
    "executing==2.3.0",
    "ipykernel==7.4.0",
    "ipython==9.18.1",
    "ipython_pygments_lexers==1.1.1",
    "jedi==0.20.1",
    "jupyter_client==8.10.0",
    "jupyter_core==5.9.1",
    "matplotlib_inline==0.2.2",
    "nest_asyncio2==1.7.4",
    "packaging==26.3",
    "parso==0.8.7",
    "pexpect==4.9.0",
    "pip==26.3",
    "platformdirs==4.14.7",
    "prompt_toolkit==3.0.53",
    "psutil==7.2.2",
    "ptyprocess==0.7.0",
    "pure_eval==0.2.4",
    "pygments==2.21.0",
    "python_dateutil==4.0.0",
    "pyzmq==27.3.0",
    "stack_data==0.6.3",
    "tornado==6.6.1",
    "traitlets==5.16.1",
    "typing_extensions==4.16.0",
    "tzdata==2026.6",
    "wcwidth==0.9.4",
)
#: tiny demo packages: name -> (version, requires, console scripts, module source)
DEMOS: dict[str, tuple[str, tuple[str, ...], dict[str, str], str]] = {
    "labdemo": ("1.0", (), {"labdemo": "labdemo:main"},
                "def main() -> None:\n    print('hello from labdemo')\n"),
    "labdemo-extra": ("0.2", ("labdemo>=1.0",), {},
                      "import labdemo\n\nVALUE = 42\n"),
}


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def make_wheel(
    out_dir: Path,
    name: str,
    version: str,
    *,
    files: Mapping[str, str],
    requires: Sequence[str] = (),
    scripts: Mapping[str, str] | None = None,
    requires_python: str | None = ">=3.8",
) -> Path:
    """Write a minimal pure-Python wheel (for demos and tests)."""
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}",
                f"Summary: {name}, a labtools demo package"]
    if requires_python:
        metadata.append(f"Requires-Python: {requires_python}")
    metadata += [f"Requires-Dist: {r}" for r in requires]
    members = dict(files)
    members[f"{info}/METADATA"] = "\n".join(metadata) + "\n"
    members[f"{info}/WHEEL"] = ("Wheel-Version: 1.0\nGenerator: labtools\n"
                                "Root-Is-Purelib: true\nTag: py3-none-any\n")
    if scripts:
        members[f"{info}/entry_points.txt"] = "[console_scripts]\n" + "".join(
            f"{k} = {v}\n" for k, v in scripts.items())
    record = [f"{path},{_record_hash(body.encode())},{len(body.encode())}"
              for path, body in members.items()]
    members[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    out_dir.mkdir(parents=True, exist_ok=True)
    wheel = out_dir / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, body in members.items():
            zf.writestr(path, body)
    return wheel


def demo_wheels(out_dir: Path) -> list[Path]:
    return [
        make_wheel(out_dir, name, version, requires=requires, scripts=scripts,
                   files={f"{name.replace('-', '_')}/__init__.py": source})
        for name, (version, requires, scripts, source) in DEMOS.items()
    ]


def fetch_wheels(wheelhouse: Path, requirements: Sequence[str] = LAB_REQUIREMENTS) -> list[Path]:
    """Fill *wheelhouse* with binary wheels for the host Python (once; reused after)."""
    marker = wheelhouse / ".complete"
    wanted = "\n".join(requirements) + "\n"
    if not marker.is_file() or marker.read_text() != wanted:
        if wheelhouse.exists():  # other pins: start over, no stale wheels in the channel
            shutil.rmtree(wheelhouse)
        wheelhouse.mkdir(parents=True, exist_ok=True)
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        process.run([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary", ":all:",
                     "--python-version", version, "--disable-pip-version-check",
                     "--dest", wheelhouse, *requirements], timeout=600)
        marker.write_text(wanted)
    return sorted(wheelhouse.glob("*.whl"))


def _key(wheels: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    digest.update(sys.version.encode())
    digest.update(sys.base_prefix.encode())
    for wheel in wheels:
        digest.update(f"{wheel.name}:{wheel.stat().st_size}\n".encode())
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.read_bytes())
    return digest.hexdigest()[:12]


def ensure_lab_channel(cache_root: Path, *, with_wheelhouse: bool = True) -> Path:
    """The lab channel under *cache_root*, built (atomically) on first use and reused."""
    from labtools.channel import add_python, add_wheels, index_channel, init_channel

    cache_root = cache_root.absolute()
    wheels = fetch_wheels(cache_root / "wheelhouse") if with_wheelhouse else []
    target = cache_root / f"lab-channel-{_key(wheels)}"
    if (target / "noarch" / "repodata.json").is_file():
        return target
    staging = cache_root / f".lab-channel-{uuid.uuid4().hex[:8]}"
    try:
        init_channel(staging)
        add_python(staging, with_pip=not wheels)  # the wheelhouse brings a newer pip
        demos = demo_wheels(staging / ".demo-wheels")
        add_wheels(staging, [*wheels, *demos])
        # the same packages as wheels, for pip and uv (labtools bench finds CHANNEL/wheels)
        (staging / "wheels").mkdir()
        for wheel in [*wheels, *demos]:
            shutil.copy2(wheel, staging / "wheels" / wheel.name)
        shutil.rmtree(staging / ".demo-wheels")
        index_channel(staging)
        try:
            os.rename(staging, target)
        except OSError:
            if not (target / "noarch" / "repodata.json").is_file():
                raise  # not a concurrent builder that won the race
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target
