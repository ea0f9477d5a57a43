"""The doctor's pure checks on hand-made facts: each broken setup gives its finding."""

from __future__ import annotations

from dataclasses import replace

import pytest

from labtools.doctor import report_for
from labtools.doctor.checks import DoctorFacts, Interpreters, KernelIssue, NotebookKernel
from labtools.doctor.cuda import CudaBuild, cuda_builds, driver_cuda_version, driver_too_old

ENV = "/envs/py311"


def healthy(**changes: object) -> DoctorFacts:
    facts = DoctorFacts(
        interpreters=Interpreters(
            shell_python=f"{ENV}/bin/python", shell_prefix=ENV, conda_prefix=ENV,
            sys_prefix=ENV, in_kernel=False, target=ENV, target_source="CONDA_PREFIX"),
        python_version="3.11", conda_packages=(("numpy", "1.26.4", "py311h0"),),
        pip_packages=(("rich", "13.0"),), pythonpath=None, nousersite=False,
        user_site="/home/u/.local/lib/python3.11/site-packages", user_site_packages=(),
        kernel_issues=(), notebook=None, nvidia_smi=None, nvidia_smi_error=None,
        driver_cuda=None, cuda_builds=())
    return replace(facts, **changes)  # type: ignore[arg-type]


def codes(facts: DoctorFacts) -> dict[str, str]:
    return {f.code: f.severity for f in report_for(facts).findings}


def test_a_healthy_setup_is_ok_and_says_no_gpu_as_info() -> None:
    report = report_for(healthy())
    assert report.ok
    assert codes(healthy()) == {"no-gpu": "info"}


def test_python_on_path_outside_the_activated_env() -> None:
    py = replace(healthy().interpreters, shell_python="/usr/bin/python", shell_prefix="/usr")
    report = report_for(healthy(interpreters=py))
    assert not report.ok
    finding = next(f for f in report.findings if f.code == "python-not-activated")
    assert "/usr/bin/python" in finding.message and ENV in finding.message
    assert "hash -r" in finding.fix


def test_kernel_running_another_env_and_env_not_active() -> None:
    py = replace(healthy().interpreters, in_kernel=True, sys_prefix="/opt/other",
                 target_source="--env", shell_prefix="/usr", shell_python="/usr/bin/python",
                 conda_prefix=None)
    found = codes(healthy(interpreters=py))
    assert found["kernel-not-env"] == "error" and found["env-not-active"] == "info"


def test_notebook_kernel_in_another_interpreter_names_the_register_fix() -> None:
    nb = NotebookKernel("a.ipynb", "py311", "/opt/elsewhere", None)
    finding = next(f for f in report_for(healthy(notebook=nb)).findings
                   if f.code == "notebook-kernel-elsewhere")
    assert "/opt/elsewhere" in finding.message
    assert finding.fix.startswith(f"`labtools kernel register {ENV} --name py311`")
    broken = NotebookKernel("a.ipynb", "py311", None, "died at start")
    assert codes(healthy(notebook=broken))["notebook-kernel-broken"] == "error"
    same = NotebookKernel("a.ipynb", "py311", ENV, None)
    assert report_for(healthy(notebook=same)).ok


def test_pip_package_shadowing_a_conda_one() -> None:
    facts = healthy(pip_packages=(("NumPy", "2.0.0"), ("rich", "13.0")))
    finding = next(f for f in report_for(facts).findings if f.code == "pip-shadows-conda")
    assert "NumPy" in finding.message and "2.0.0" in finding.message and "1.26.4" in finding.message
    assert "pip uninstall -y NumPy" in finding.fix
    assert [f.code for f in report_for(facts).findings].count("pip-shadows-conda") == 1


def test_user_site_leaks_unless_pythonnousersite() -> None:
    leaky = healthy(user_site_packages=("requests", "six"))
    assert codes(leaky)["user-site-leak"] == "warning"
    assert not report_for(leaky).ok
    fixed = replace(leaky, nousersite=True)
    assert codes(fixed)["user-site-disabled"] == "info" and report_for(fixed).ok


def test_pythonpath_set() -> None:
    finding = next(f for f in report_for(healthy(pythonpath="/home/u/code")).findings
                   if f.code == "pythonpath-set")
    assert "/home/u/code" in finding.message and "unset PYTHONPATH" in finding.fix


def test_kernel_issues_become_findings_with_their_fix() -> None:
    issues = (KernelIssue("orphan", "old", "kernel 'old' points at /gone", "`labtools kernel "
                          "remove old`"),
              KernelIssue("no-ipykernel", "bare", "no ipykernel", "--install-ipykernel"),
              KernelIssue("shadowed", "dup", "hidden", "remove one"))
    found = codes(healthy(kernel_issues=issues))
    assert found["kernel-orphan"] == "error" and found["kernel-no-ipykernel"] == "error"
    assert found["kernel-shadowed"] == "warning"
    first = report_for(healthy(kernel_issues=issues)).findings[0]
    assert first.severity == "error"


@pytest.mark.parametrize(("driver", "build", "code", "severity"), [
    ("11.4", "11.8", "cuda-mismatch", "warning"),
    ("11.8", "12.1", "cuda-mismatch", "error"),
    ("12.2", "11.8", "cuda-ok", "info"),
    ("12.2", "12.2", "cuda-ok", "info"),
])
def test_cuda_driver_against_builds(driver: str, build: str, code: str, severity: str) -> None:
    facts = healthy(nvidia_smi="/usr/bin/nvidia-smi", driver_cuda=driver,
                    cuda_builds=(CudaBuild("pytorch", build, "conda"),))
    assert codes(facts)[code] == severity


def test_cuda_driver_that_does_not_answer_and_no_gpu_with_cuda_packages() -> None:
    broken = healthy(nvidia_smi="/usr/bin/nvidia-smi", nvidia_smi_error="couldn't communicate")
    assert codes(broken)["gpu-driver-broken"] == "warning"
    nogpu = healthy(cuda_builds=(CudaBuild("torch", "11.8", "pip"),))
    finding = report_for(nogpu).findings[0]
    assert finding.code == "no-gpu" and finding.severity == "info" and "torch" in finding.message


def test_cuda_builds_from_build_strings_pip_versions_and_names() -> None:
    conda = [("pytorch", "2.1.0", "cuda118_py311h1234_0"),
             ("tensorflow", "2.15", "cuda120py311hab_0"),
             ("pytorch-cpu", "2.1.0", "cpu_py311"),
             ("cupy", "13.0", "py311h5678_0"), ("cuda-version", "12.2", "h4"),
             ("jaxlib", "0.4.23", "cpu_py311h0")]
    pip = [("torch", "2.1.0+cu121"), ("cupy-cuda11x", "12.3"), ("cupy-cuda102", "9.0"),
           ("nvidia-cuda-runtime-cu12", "12.3.101"), ("requests", "2.31+cu1")]
    found = {(b.package, b.version, b.origin) for b in cuda_builds(conda, pip)}
    assert found == {("pytorch", "11.8", "conda"), ("tensorflow", "12.0", "conda"),
                     ("cupy", "12.2", "conda"), ("torch", "12.1", "pip"),
                     ("cupy-cuda11x", "11", "pip"), ("cupy-cuda102", "10.2", "pip"),
                     ("nvidia-cuda-runtime-cu12", "12.3", "pip")}
    pytorch_channel = cuda_builds([("pytorch", "2.0.1", "py3.11_cuda11.8_cudnn8.7.0_0")], [])
    assert [b.version for b in pytorch_channel] == ["11.8"]


def test_driver_version_from_nvidia_smi_and_comparison() -> None:
    header = "| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2     |"
    assert driver_cuda_version(header) == "12.2"
    assert driver_cuda_version("No devices were found") is None
    assert driver_too_old("12.2", "11") is None
    assert driver_too_old("11.8", "12") == "major"
