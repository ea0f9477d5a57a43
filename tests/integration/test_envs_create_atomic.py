"""env create is atomic: a failure or Ctrl-C at any stage leaves nothing behind."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from labtools import process
from labtools.channel import add_wheels, index_channel, init_channel
from labtools.channel.lab import make_wheel
from labtools.envs import create as create_mod
from labtools.envs.backends import rattler as rattler_backend
from labtools.envs.create import create_env
from labtools.errors import ChannelError, EnvError

pytestmark = pytest.mark.integration


def _create(lab_channel: Path, cache: Path, root: Path, name: str, *specs: str) -> Path:
    return create_env(name=name, specs=list(specs), channels=[str(lab_channel)], root=root,
                      backend="rattler", cache_dir=cache, compile_bytecode=False).prefix


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_ctrl_c_while_linking_leaves_nothing(
    lab_channel: Path, lab_pkgs_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Path] = []

    def interrupted(prefix: Path) -> None:
        seen.append(prefix)
        assert (prefix / "bin" / "python").exists()  # linked into the temporary prefix
        raise KeyboardInterrupt

    monkeypatch.setattr(rattler_backend, "finish_prefix", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _create(lab_channel, lab_pkgs_cache, tmp_path, "py-ctrlc", "python")
    assert seen and seen[0].name.startswith(".py-ctrlc.partial-")
    assert _leftovers(tmp_path) == []


def test_ctrl_c_after_rename_removes_the_new_env(
    lab_channel: Path, lab_pkgs_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(prefix: Path, cache: Path | None = None) -> None:
        assert prefix == tmp_path.absolute() / "py-late"
        raise KeyboardInterrupt

    monkeypatch.setattr(create_mod, "byte_compile", interrupted)
    with pytest.raises(KeyboardInterrupt):
        create_env(name="py-late", specs=["python"], channels=[str(lab_channel)],
                   root=tmp_path, backend="rattler", cache_dir=lab_pkgs_cache)
    assert _leftovers(tmp_path) == []


def test_corrupt_package_fails_cleanly(lab_channel: Path, tmp_path: Path) -> None:
    channel = tmp_path / "channel"
    init_channel(channel)
    wheel = make_wheel(tmp_path / "wheels", "brokenpkg", "1.0",
                       files={"brokenpkg/__init__.py": "X = 1\n"}, requires_python=None)
    added = add_wheels(channel, [wheel])
    index_channel(channel)
    package = channel / "noarch" / added.added[0]
    package.write_bytes(package.read_bytes()[:200])  # truncated after indexing
    root = tmp_path / "envs"
    with pytest.raises(ChannelError, match=r"installing into .*brokenpkg-env failed"):
        create_env(name="brokenpkg-env", specs=["python", "brokenpkg"],
                   channels=[str(channel), str(lab_channel)],
                   root=root, backend="rattler", cache_dir=tmp_path / "cache")
    assert _leftovers(root) == []


def test_existing_name_is_refused_and_kept(
    lab_channel: Path, lab_pkgs_cache: Path, tmp_path: Path
) -> None:
    prefix = _create(lab_channel, lab_pkgs_cache, tmp_path, "py-demo", "python", "labdemo")
    marker = prefix / "conda-meta" / "history"
    before = marker.read_text()
    with pytest.raises(EnvError, match="already exists"):
        _create(lab_channel, lab_pkgs_cache, tmp_path, "py-demo", "python")
    assert marker.read_text() == before
    assert _leftovers(tmp_path) == ["py-demo"]


def test_pip_section_and_bytecode(lab_channel: Path, lab_pkgs_cache: Path, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    wheels = tmp_path / "wheels"
    make_wheel(wheels, "pip-only-demo", "0.3", files={"pip_only_demo.py": "VALUE = 3\n"})
    shutil.copy(next((lab_channel.parent / "wheelhouse").glob("pip-*.whl")), wheels)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    envfile = tmp_path / "environment.yml"
    envfile.write_text(
        f"name: py311-pipdemo\nchannels:\n  - {lab_channel}\n"
        "dependencies:\n  - python\n  - labdemo\n  - pip:\n      - pip-only-demo==0.3\n"
    )
    from labtools.lifecycle import create_env as create_from_file

    result = create_from_file(file=envfile, root=tmp_path / "envs", backend="rattler",
                              cache_dir=lab_pkgs_cache)
    assert result.pip == ("pip-only-demo==0.3",)
    assert "pip" in {p.name for p in result.packages}  # added for the pip: list
    done = process.run([result.prefix / "bin" / "python", "-c",
                        "import pip_only_demo, labdemo; print(pip_only_demo.VALUE)"])
    assert done.stdout.strip() == "3"
    assert list(result.prefix.glob("lib/python3.*/site-packages/labdemo/__pycache__/*.pyc"))
    from labtools.envs.packages import packages_of

    report = packages_of(result.prefix)
    assert {p.name for p in report.packages if p.origin == "pip"} == {"pip-only-demo"}
    assert any("installed with pip on top of conda" in w for w in report.warnings)
