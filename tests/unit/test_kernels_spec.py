"""Pure kernelspec logic: names, kernel.json content, parsing, shadowing, diagnosis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labtools.errors import SpecError
from labtools.kernels import spec as ks
from labtools.kernels.check import diagnose_entry, diagnose_notebook
from labtools.kernels.launch import Launch, exit_kind, launch_module
from labtools.kernels.registry import KernelEntry, KernelListing
from labtools.kernels.verify import stderr_tail


def test_kernel_name_is_lowercase_and_valid() -> None:
    assert ks.kernel_name_for("Py311 Torch+CUDA") == "py311-torch-cuda"
    assert ks.kernel_name_for("py311-torch20-cuda118") == "py311-torch20-cuda118"
    with pytest.raises(SpecError, match="--name"):
        ks.kernel_name_for("+++")


def test_check_kernel_name_refuses_what_jupyter_refuses() -> None:
    assert ks.check_kernel_name("My.Kernel_1") == "my.kernel_1"
    with pytest.raises(SpecError, match="invalid kernel name"):
        ks.check_kernel_name("has space")


def test_display_name_shows_major_minor_and_env() -> None:
    assert ks.display_name_for("3.11.7", "py311-torch20-cuda118") == (
        "Python 3.11 (py311-torch20-cuda118)")
    assert ks.display_name_for(None, "x") == "Python (x)"


def test_package_hash_ignores_order_and_duplicates() -> None:
    a = ks.package_set_hash(["numpy-1.26-py311", "python-3.11.7-h1"])
    b = ks.package_set_hash(["python-3.11.7-h1", "numpy-1.26-py311", "numpy-1.26-py311"])
    assert a == b and a.startswith("sha256:")
    assert a != ks.package_set_hash(["numpy-1.25-py311", "python-3.11.7-h1"])


def test_kernelspec_runs_the_env_python_without_activation() -> None:
    spec = ks.kernelspec_for("/envs/py311", name="py311", display_name="Python 3.11 (py311)",
                             python_version="3.11.7", package_hash="sha256:abc")
    assert spec["argv"] == ["/envs/py311/bin/python", "-m", "ipykernel_launcher", "-f",
                            "{connection_file}"]
    assert spec["language"] == "python"
    assert spec["env"]["PATH"] == "/envs/py311/bin:${PATH}"
    assert spec["env"]["CONDA_PREFIX"] == "/envs/py311"
    assert spec["metadata"]["labtools"] == {
        "env": "/envs/py311", "kind": "conda", "kernel_name": "py311",
        "python_version": "3.11.7", "package_hash": "sha256:abc"}
    json.dumps(spec)  # serialisable as kernel.json


def test_kernelspec_for_venv_sets_virtual_env() -> None:
    spec = ks.kernelspec_for(Path("/v"), name="v", display_name="v", kind="venv",
                             python=Path("/v/bin/python3"))
    assert spec["argv"][0] == "/v/bin/python3"
    assert spec["env"]["VIRTUAL_ENV"] == "/v" and "CONDA_PREFIX" not in spec["env"]


@pytest.mark.parametrize(("text", "match"), [
    ("{not json", "not valid JSON"),
    ("[]", "not an object"),
    ('{"display_name": "x"}', "no argv"),
    ('{"argv": [], "display_name": "x"}', "no argv"),
    ('{"argv": ["p"], "display_name": 3}', "display_name"),
    ('{"argv": ["p"], "env": []}', "env block"),
])
def test_parse_kernel_json_rejects_malformed(text: str, match: str) -> None:
    with pytest.raises(SpecError, match=match):
        ks.parse_kernel_json(text)


def test_env_prefix_prefers_labtools_metadata_then_argv() -> None:
    assert ks.env_prefix_of({"argv": ["/x/bin/python"],
                             "metadata": {"labtools": {"env": "/e"}}}) == "/e"
    assert ks.env_prefix_of({"argv": ["/opt/env/bin/python3"]}) == "/opt/env"
    assert ks.env_prefix_of({"argv": ["python", "-m", "ipykernel"]}) is None


def test_expand_env_substitutes_like_jupyter_client() -> None:
    out = ks.expand_env({"PATH": "/e/bin:${PATH}", "X": "$UNSET"}, {"PATH": "/usr/bin"})
    assert out["PATH"] == "/e/bin:/usr/bin" and out["X"] == "$UNSET"


def test_bare_python_means_the_jupyter_interpreter() -> None:
    assert ks.launch_executable("python3", "/j/bin/python", (3, 11)) == "/j/bin/python"
    assert ks.launch_executable("python3.11", "/j/bin/python", (3, 11)) == "/j/bin/python"
    assert ks.launch_executable("python3.9", "/j/bin/python", (3, 11)) == "python3.9"
    assert ks.launch_executable("/e/bin/python", "/j/bin/python", (3, 11)) == "/e/bin/python"


def test_first_path_wins_and_later_ones_are_shadowed() -> None:
    assert ks.shadowed([("a", 0), ("b", 1), ("a", 2), ("a", 1)]) == {("a", 2): 0, ("a", 1): 0}
    assert ks.shadowed([("a", 1)]) == {}


def _entry(**kw: object) -> KernelEntry:
    base: dict[str, object] = {"name": "k", "resource_dir": Path("/k/kernels/k"),
                               "path_index": 0, "language": "python",
                               "argv": ("/e/bin/python", "-m", "ipykernel_launcher")}
    base.update(kw)
    return KernelEntry(**base)  # type: ignore[arg-type]


def _launch(code: str, message: str = "kernel 'k' failed") -> Launch:
    return Launch("k", code, message, 1.0)


def test_diagnose_healthy_kernel_has_no_problem() -> None:
    assert diagnose_entry(_entry(), _launch("ok")) == []
    assert diagnose_entry(_entry(), None) == []


@pytest.mark.parametrize(("entry", "launch", "code", "in_fix"), [
    (_entry(error="kernel.json is not valid JSON"), None, "malformed", "kernel remove k"),
    (_entry(shadowed_by=Path("/first/k")), None, "shadowed", "--name"),
    (_entry(env_prefix="/e", env_exists=False), _launch("interpreter-missing"), "orphan",
     "kernel remove k"),
    (_entry(env_prefix="/e", env_exists=True), _launch("interpreter-missing"),
     "interpreter-missing", "kernel register"),
    (_entry(env_prefix="/e"), _launch("no-ipykernel"), "no-ipykernel",
     "kernel register /e --name k --install-ipykernel"),
    (_entry(), _launch("launch-module-missing"), "launch-module-missing", "install"),
    (_entry(), _launch("exited"), "exited", "/e/bin/python"),
    (_entry(), _launch("no-reply"), "no-reply", "--timeout"),
    (_entry(), _launch("statement-failed"), "statement-failed", "kernel register"),
])
def test_diagnose_entry_problems(entry: KernelEntry, launch: Launch | None, code: str,
                                 in_fix: str) -> None:
    problems = diagnose_entry(entry, launch)
    assert [p.code for p in problems] == [code]
    assert in_fix in problems[0].fix


def test_exit_kind_names_the_missing_launch_module() -> None:
    argv = ("/e/bin/python", "-m", "ipykernel_launcher", "-f", "{connection_file}")
    said = "/e/bin/python: No module named ipykernel_launcher\n"
    assert launch_module(argv) == "ipykernel_launcher"
    assert exit_kind(argv, said) == ("no-ipykernel", "ipykernel_launcher")
    other = ("/e/bin/python", "-m", "xeus.kernel", "-f", "{connection_file}")
    assert exit_kind(other, "No module named 'xeus'") == ("launch-module-missing", "xeus")
    # a module the launcher imports is a crash of an installed kernel, not a missing one
    assert exit_kind(argv, "ModuleNotFoundError: No module named 'zmq'") == ("exited", None)
    assert exit_kind(("/bin/sh", "-c", "exit 3"), "") == ("exited", None)


def test_diagnose_notebook() -> None:
    listing = KernelListing(paths=(Path("/k"),), kernels=(_entry(),))
    nb = Path("a.ipynb")
    good = {"kernelspec": {"name": "k"}, "language_info": {"version": "3.11.2"}}
    assert diagnose_notebook(nb, good, listing, {"k": "3.11.7"}) == []
    old = {"kernelspec": {"name": "k"}, "language_info": {"version": "3.9.18"}}
    [problem] = diagnose_notebook(nb, old, listing, {"k": "3.11.7"})
    assert problem.code == "version-mismatch" and "3.9.18" in problem.message
    [missing] = diagnose_notebook(nb, {"kernelspec": {"name": "gone"}}, listing, {})
    assert missing.code == "notebook-kernel-missing"
    [none] = diagnose_notebook(nb, {}, listing, {})
    assert none.code == "notebook-no-kernel"


def test_stderr_tail_drops_the_tcp_warning() -> None:
    text = "boom\n[W 2026] Kernel is running over TCP without encryption. All communication\n"
    assert stderr_tail(text) == "boom"


def test_destination_choice() -> None:
    import sys

    from labtools.errors import UsageError
    from labtools.kernels.registry import destination_for

    assert destination_for(user=False, sys_prefix=False, prefix=None) == (True, None)
    assert destination_for(user=False, sys_prefix=True, prefix=None) == (False, Path(sys.prefix))
    assert destination_for(user=False, sys_prefix=False, prefix=Path("/p")) == (False, Path("/p"))
    with pytest.raises(UsageError, match="choose one of"):
        destination_for(user=True, sys_prefix=False, prefix=Path("/p"))
