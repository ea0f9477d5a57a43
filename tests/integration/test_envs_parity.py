"""Parity: the same scenario through the built-in engine and the real conda, mamba and
micromamba (``real_tool``; conda-classic as an extra where it matters), from the same
local channels, through labtools' own commands.

Every test is ``test_parity_*`` (``pytest -k parity``), its id names the tool. The
reference is the built-in engine's answer to the same request. Differences between the
tools that are real (what each records as requested, who writes which history) are
asserted as such.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from plugins.real_tools import RealTool

from labtools.channel import add_wheels, index_channel, init_channel
from labtools.channel.lab import make_wheel
from labtools.cli import cli
from labtools.envs.prefix import Prefix

pytestmark = pytest.mark.integration
THREE = pytest.mark.parametrize("real_tool", ["conda", "mamba", "micromamba"], indirect=True)
FOUR = pytest.mark.parametrize("real_tool", ["conda", "mamba", "micromamba", "conda-classic"],
                               indirect=True)
BROKEN = "raise ImportError('labbreak 2.0 is broken on purpose')\n"


@pytest.fixture(scope="module")
def extra_channel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``six`` 1.16.0 and ``labbreak`` 1.0 (fine) / 2.0 (its import fails), from wheels."""
    root = tmp_path_factory.mktemp("parity-extra")
    channel = root / "channel"
    init_channel(channel)
    wheels = root / "wheels"
    built = [
        make_wheel(wheels / "six", "six", "1.16.0", files={"six.py": "PY3 = True\n"}),
        make_wheel(wheels / "a", "labbreak", "1.0", files={"labbreak/__init__.py": "OK = 1\n"}),
        make_wheel(wheels / "b", "labbreak", "2.0", files={"labbreak/__init__.py": BROKEN}),
    ]
    add_wheels(channel, built)
    index_channel(channel)
    return channel


@pytest.fixture
def chans(lab_channel: Path, extra_channel: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    # the lab's profile names its channel: install and update add the profile's channels
    # to -c (the default, conda-forge, is unreachable here)
    monkeypatch.setenv("LABTOOLS_CHANNELS", str(lab_channel))
    return ["-c", str(lab_channel), "-c", str(extra_channel)]


def lt(*args: str, ok: bool = True) -> tuple[int, str, str]:
    """``labtools ARGS`` in-process; with *ok*, it must succeed."""
    done = CliRunner().invoke(cli, list(args))
    if ok:
        assert done.exit_code == 0, f"labtools {' '.join(args)}: {done.stderr} {done.output}"
    return done.exit_code, done.stdout, done.stderr


def lt_json(*args: str) -> Any:
    return json.loads(lt(*args, "--json")[1])


def tool_of(real_tool: RealTool) -> str:
    return "conda" if real_tool.name.startswith("conda") else real_tool.name


def create(real_tool: RealTool, root: Path, name: str, specs: list[str], chans: list[str],
           *extra: str) -> dict[str, Any]:
    data: dict[str, Any] = lt_json("env", "create", name, *specs, "--root", str(root),
                                   "--backend", tool_of(real_tool), "--force-name",
                                   "--no-compile", *chans, *extra)
    return data


def engine_keys(tmp_path: Path, specs: list[str], chans: list[str], cache: Path) -> set[str]:
    """The built-in engine's package set for *specs* (the reference)."""
    data = lt_json("env", "create", "reference", *specs, "--root", str(tmp_path / "ref"),
                   "--backend", "rattler", "--force-name", "--no-compile", "--dry-run", *chans)
    return {f"{p['name']}={p['version']}={p['build']}" for p in data["packages"]}


def keys(prefix: Path) -> set[str]:
    return set(Prefix(prefix).package_keys())


@FOUR
def test_parity_create(real_tool: RealTool, tmp_path: Path, chans: list[str],
                       lab_pkgs_cache: Path) -> None:
    created = create(real_tool, tmp_path / "envs", "py-six", ["python", "six"], chans)
    prefix = Path(created["prefix"])
    assert created["backend"] == tool_of(real_tool)
    assert keys(prefix) == engine_keys(tmp_path, ["python", "six"], chans, lab_pkgs_cache)
    assert {"python", "six", "pip"} <= {k.split("=")[0] for k in keys(prefix)}
    done = subprocess.run([str(prefix / "bin" / "python"), "-c",
                           "import six, sys; print(sys.prefix, six.PY3)"],
                          capture_output=True, text=True, check=True)
    assert done.stdout.split() == [str(prefix), "True"]
    listed = {e["name"]: e for e in lt_json("env", "list", "--root", str(tmp_path / "envs"))}
    assert listed["py-six"]["status"] == "ok" and listed["py-six"]["python_version"] == "3.11"


@FOUR
def test_parity_pip_when_python_is_only_pulled_in(real_tool: RealTool, tmp_path: Path,
                                                  chans: list[str],
                                                  lab_pkgs_cache: Path) -> None:
    """A real difference, asserted as such. conda's add_pip_as_python_dependency (on)
    says pip comes with every python: the built-in engine and conda's classic solver do
    so. libmamba (conda's default solver, mamba, micromamba) adds pip only inside the repo
    that holds python, and the lab channel (like conda-forge) keeps python in linux-64 and
    pip in noarch; mamba and micromamba also add pip when python is asked for by name,
    and labtools asks conda for it then, so naming python gives one set everywhere."""
    prefix = Path(create(real_tool, tmp_path / "envs", "py-pulled", ["labdemo"],
                         chans)["prefix"])
    names = {k.split("=")[0] for k in keys(prefix)}
    engine = {k.split("=")[0] for k in engine_keys(tmp_path, ["labdemo"], chans,
                                                   lab_pkgs_cache)}
    assert {"python", "labdemo"} <= names and "pip" in engine
    assert ("pip" in names) is (real_tool.name == "conda-classic"), names
    assert names | {"pip"} == engine


@THREE
def test_parity_create_with_pins(real_tool: RealTool, tmp_path: Path, chans: list[str],
                                 lab_pkgs_cache: Path) -> None:
    specs = ["python=3.11", "labdemo=1.0", "labbreak==1.0"]
    prefix = Path(create(real_tool, tmp_path / "envs", "py-pins", specs, chans)["prefix"])
    assert keys(prefix) == engine_keys(tmp_path, specs, chans, lab_pkgs_cache)
    assert "labbreak=1.0=pyh_lab_0" in keys(prefix)


@FOUR
def test_parity_dry_run(real_tool: RealTool, tmp_path: Path, chans: list[str],
                        lab_pkgs_cache: Path) -> None:
    root = tmp_path / "envs"
    dry = create(real_tool, root, "py-dry", ["python", "labdemo"], chans, "--dry-run")
    assert dry["dry_run"] and not (root / "py-dry").exists()
    planned = {f"{p['name']}={p['version']}={p['build']}" for p in dry["packages"]}
    assert planned == engine_keys(tmp_path, ["python", "labdemo"], chans, lab_pkgs_cache)


@THREE
def test_parity_install_into(real_tool: RealTool, tmp_path: Path, chans: list[str],
                             lab_pkgs_cache: Path) -> None:
    prefix = Path(create(real_tool, tmp_path / "envs", "py-inst", ["python"], chans)["prefix"])
    before = keys(prefix)
    done = lt_json("env", "install", str(prefix), "labdemo-extra", "--yes", *chans)
    assert done["backend"] == tool_of(real_tool) and done["applied"]
    assert done["backend_reason"] == f"{tool_of(real_tool)} made it"
    added = keys(prefix) - before
    assert {k.split("=")[0] for k in added} == {"labdemo", "labdemo-extra"}
    assert keys(prefix) == engine_keys(tmp_path, ["python", "labdemo-extra"], chans,
                                       lab_pkgs_cache)
    assert done["snapshot"]["id"]  # taken before the change


@THREE
def test_parity_remove_a_package(real_tool: RealTool, tmp_path: Path, chans: list[str]) -> None:
    """Every tool (and the built-in engine) also removes what only the package needed:
    labdemo came in for labdemo-extra alone (mamba's and micromamba's --prune-deps is on
    by default; conda's libmamba solver does the same)."""
    specs = ["python", "labdemo-extra"]
    prefix = Path(create(real_tool, tmp_path / "envs", "py-rm", specs, chans)["prefix"])
    done = lt_json("env", "uninstall", str(prefix), "labdemo-extra", "--yes", *chans)
    assert done["applied"] and done["backend"] == tool_of(real_tool)
    assert {(i["name"], i["kind"]) for i in done["plan"]["items"]} == {
        ("labdemo-extra", "removed"), ("labdemo", "removed")}
    assert {k.split("=")[0] for k in keys(prefix)} == {"python", "pip"}


@THREE
def test_parity_remove_the_env(real_tool: RealTool, tmp_path: Path, chans: list[str]) -> None:
    root = tmp_path / "envs"
    prefix = Path(create(real_tool, root, "py-gone", ["python"], chans)["prefix"])
    removed = lt_json("env", "remove", str(prefix), "--yes")
    assert removed["backend"] == tool_of(real_tool)  # through the tool that made it
    assert not prefix.exists() and sorted(p.name for p in root.iterdir()) == []
    txt = Path.home() / ".conda" / "environments.txt"
    assert str(prefix) not in (txt.read_text() if txt.exists() else "")


@THREE
def test_parity_export_recreate_round_trip(real_tool: RealTool, tmp_path: Path,
                                           chans: list[str]) -> None:
    root = tmp_path / "envs"
    prefix = Path(create(real_tool, root, "py-orig", ["python", "six"], chans)["prefix"])
    spec = tmp_path / "environment.yml"
    lt("spec", "export", str(prefix), "-o", str(spec))
    clone = Path(lt_json("env", "create", "py-clone", "--file", str(spec), "--root", str(root),
                         "--backend", tool_of(real_tool), "--force-name",
                         "--no-compile")["prefix"])
    assert keys(clone) == keys(prefix)
    code, out, _ = lt("spec", "diff", str(prefix), str(clone))
    assert code == 0 and out.startswith("no difference"), out


@THREE
def test_parity_from_history_export(real_tool: RealTool, tmp_path: Path,
                                    chans: list[str]) -> None:
    prefix = Path(create(real_tool, tmp_path / "envs", "py-hist", ["python", "labdemo"],
                         chans)["prefix"])
    history = Prefix(prefix).history()
    assert Prefix(prefix).owner() == tool_of(real_tool)  # its own history block, not ours
    assert history[0].cmd and Path(history[0].cmd.split()[0]).name == tool_of(real_tool)
    exported = lt_json("spec", "export", str(prefix), "--from-history")
    asked = {d.split("=")[0].split(" ")[0] for d in exported["dependencies"]
             if isinstance(d, str)}
    # real: conda (asked by labtools), mamba and micromamba record pip as requested
    assert asked == {"python", "labdemo", "pip"}
    own = json.loads(real_tool.run("env", "export", "--json", "--from-history", "-p",
                                   str(prefix)).stdout)
    assert {d.split("=")[0] for d in own["dependencies"]} == asked  # the tool agrees


@THREE
def test_parity_update_with_rollback(real_tool: RealTool, tmp_path: Path,
                                     chans: list[str]) -> None:
    prefix = Path(create(real_tool, tmp_path / "envs", "py-upd",
                         ["python", "labbreak==1.0"], chans)["prefix"])
    before = keys(prefix)
    code, out, err = lt("env", "update", str(prefix), "labbreak", "--yes", *chans, ok=False)
    assert code == 1 and "rolled back exactly" in out and "broken on purpose" in err
    assert keys(prefix) == before
    snaps = lt_json("env", "snapshots", str(prefix))
    assert len(snaps) == 1
    back = lt_json("env", "rollback", str(prefix), "--to", snaps[0]["id"])
    assert back["backend"] == tool_of(real_tool) and set(back["packages"]) == before


@THREE
def test_parity_clean_sees_the_tools_cache(real_tool: RealTool, tmp_path: Path,
                                           chans: list[str]) -> None:
    create(real_tool, tmp_path / "envs", "py-clean", ["python"], chans)
    report = lt_json("clean", "--dry-run")
    pkgs = Path(real_tool.env["CONDA_PKGS_DIRS"]).resolve()
    caches = {Path(c["path"]).resolve(): c for c in report["caches"]}
    assert pkgs in caches  # as the tool itself reports it (info --json)
    assert caches[pkgs]["exists"] and caches[pkgs]["in_use"] >= 1  # linked into the env


@FOUR
def test_parity_unsatisfiable_spec_is_one_line(real_tool: RealTool, tmp_path: Path,
                                               chans: list[str]) -> None:
    root = tmp_path / "envs"
    code, _, err = lt("env", "create", "py-unsat", "python", "labdemo=9", "--root", str(root),
                      "--backend", tool_of(real_tool), "--force-name", *chans, ok=False)
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"labtools: error: {tool_of(real_tool)} create failed: `")
    assert "labdemo" in err and "9" in err and "Traceback" not in err
    assert not root.exists() or sorted(p.name for p in root.iterdir()) == []


@THREE
def test_parity_missing_channel_is_one_line(real_tool: RealTool, tmp_path: Path) -> None:
    root = tmp_path / "envs"
    code, _, err = lt("env", "create", "py-nochan", "python", "--root", str(root),
                      "--backend", tool_of(real_tool), "--force-name", "-c",
                      "file:///nonexistent-channel", ok=False)
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert tool_of(real_tool) in err and "nonexistent-channel" in err
    assert "channel" in err.lower() and "Traceback" not in err
    assert not root.exists() or sorted(p.name for p in root.iterdir()) == []


@THREE
def test_parity_inspect_kernel_register_and_verify(real_tool: RealTool, tmp_path: Path,
                                                   chans: list[str],
                                                   lab_pkgs_cache: Path) -> None:
    prefix = Path(create(real_tool, tmp_path / "envs", "py-kern", ["python", "ipykernel"],
                         chans)["prefix"])
    assert keys(prefix) == engine_keys(tmp_path, ["python", "ipykernel"], chans,
                                       lab_pkgs_cache)
    report = lt_json("env", "inspect", str(prefix))
    assert {p["origin"] for p in report["packages"]} == {"conda"} and not report["warnings"]
    assert report["env"]["python_version"] == "3.11"
    name = f"parity-{real_tool.name}"
    registered = lt_json("kernel", "register", str(prefix), "--name", name)
    assert Path(registered["env_prefix"]) == prefix
    verified = lt_json("kernel", "verify", name, "--expect-prefix", str(prefix))
    assert Path(verified["prefix"]) == prefix and verified["matches"] is True


@FOUR
def test_parity_doctor_names_each_tools_version_and_conda_solver(real_tool: RealTool) -> None:
    _code, out, _ = lt("doctor", "--no-kernels", "--json", ok=False)
    tools = {t["name"]: t for t in json.loads(out)["facts"]["tools"]}
    for name in ("conda", "mamba", "micromamba"):
        said = subprocess.run([name, "--version"], capture_output=True, text=True,
                              check=True).stdout.split()[-1]
        assert tools[name]["version"] == said and tools[name]["error"] is None
    # conda's own --json says which solver it really uses (the kit installs libmamba)
    info = json.loads(subprocess.run(["conda", "info", "--json"], capture_output=True,
                                     text=True, check=True).stdout)
    assert tools["conda"]["solver"] == info["solver"]["name"]
    assert tools["conda"]["solver"] == ("classic" if real_tool.name == "conda-classic"
                                        else "libmamba")
    assert tools["rattler"]["version"] and tools["rattler"]["solver"] == "resolvo"
