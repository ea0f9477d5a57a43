"""``labtools spec ...`` in-process: output, exit codes, one-line errors, --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from labtools.cli import cli
from labtools.spec.synth import FakeDist, FakePackage, write_dist_info, write_prefix


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def prefix(tmp_path: Path) -> Path:
    return write_prefix(tmp_path / "proj", [
        FakePackage("python", "3.11.7", requested="python=3.11"),
        FakePackage("numpy", "1.26.4", "py311_0", depends=("python",), requested="numpy"),
        FakePackage("labdemo", "0.1", channel="file:///srv/lab", depends=("python",),
                    requested="labdemo"),
    ], [FakeDist("requests", "2.31.0")], style="rattler")


def test_export_to_stdout_and_file(prefix: Path, tmp_path: Path) -> None:
    code, out, err = run("spec", "export", "--prefix", str(prefix))
    assert code == 0, err
    assert out.startswith("name: proj\nchannels:\n  - file:///srv/lab\n  - conda-forge\n")
    assert "  - pip:\n      - requests==2.31.0\n" in out
    target = tmp_path / "out" / "environment.yml"
    code, _, _ = run("spec", "export", str(prefix), "--out", str(target))
    assert code == 0 and target.read_text() == out
    code, out, _ = run("spec", "export", str(prefix), "--json")
    assert json.loads(out)["channels"] == ["file:///srv/lab", "conda-forge"]


def test_export_from_history_and_explicit(prefix: Path) -> None:
    code, out, _ = run("spec", "export", str(prefix), "--from-history")
    assert code == 0
    assert "  - labdemo\n  - numpy\n  - python=3.11\n" in out
    code, out, _ = run("spec", "export", str(prefix), "--format", "explicit")
    assert code == 0 and "@EXPLICIT\n" in out
    assert "file:///srv/lab/linux-64/labdemo-0.1-h0_0.conda#" in out


def test_diff_identical_then_changed(prefix: Path, tmp_path: Path) -> None:
    exported = tmp_path / "env.yml"
    assert run("spec", "export", str(prefix), "-o", str(exported))[0] == 0
    code, out, _ = run("spec", "diff", str(prefix), str(exported))
    assert code == 0 and out.startswith("no difference")
    write_dist_info(prefix / "lib/python3.11/site-packages", FakeDist("tqdm", "4.66.1"))
    code, out, _ = run("spec", "diff", str(exported), str(prefix), "--json")
    doc = json.loads(out)
    assert code == 0 and doc["identical"] is False
    assert doc["pip"]["added"] == [{"name": "tqdm", "before": "", "after": "4.66.1"}]
    assert doc["conda"]["changed"] == []


def test_check_exit_status_follows_drift(prefix: Path, tmp_path: Path) -> None:
    exported = tmp_path / "env.yml"
    run("spec", "export", str(prefix), "-o", str(exported))
    code, out, _ = run("spec", "check", str(prefix), "--against", str(exported))
    assert code == 0 and "matches" in out
    exported.write_text(exported.read_text().replace("numpy=1.26.4", "numpy=1.25"))
    code, out, _ = run("spec", "check", str(prefix), "--against", str(exported))
    assert code == 1
    assert "mismatched  numpy=1.25 (installed 1.26.4)" in out
    code, out, _ = run("spec", "check", "--prefix", str(prefix), "--against", str(exported),
                       "--json")
    assert code == 1 and json.loads(out)["mismatched"][0]["name"] == "numpy"


def test_check_names_the_env_as_given_never_its_resolved_path(
        prefix: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exported = tmp_path / "env.yml"
    run("spec", "export", str(prefix), "-o", str(exported))
    monkeypatch.chdir(prefix.parent)
    code, out, _ = run("spec", "check", "proj", "--against", str(exported))
    assert code == 0 and out.startswith("proj matches "), out
    assert str(prefix) not in out
    exported.write_text(exported.read_text().replace("numpy=1.26.4", "numpy=1.25"))
    code, out, _ = run("spec", "check", "proj", "--against", str(exported))
    assert code == 1 and out.startswith("proj has drifted from "), out
    code, out, _ = run("spec", "check", "proj", "--against", str(exported), "--json")
    assert json.loads(out)["env"] == str(prefix)  # scripts still get the resolved prefix


def test_minimize_and_lock(prefix: Path, tmp_path: Path) -> None:
    code, out, _ = run("spec", "minimize", str(prefix), "--relax", "none")
    assert code == 0
    assert out.splitlines() == ["labdemo==0.1", "numpy==1.26.4", "python==3.11.7",
                                "pip: requests==2.31.0"]
    lock = tmp_path / "env.lock.txt"
    code, _, _ = run("spec", "lock", str(prefix), "-o", str(lock))
    assert code == 0 and lock.read_text().count(".conda#") == 3
    code, out, _ = run("spec", "lock", str(prefix), "--json")
    assert [p["name"] for p in json.loads(out)["packages"]] == ["labdemo", "numpy", "python"]


def test_errors_are_one_line_without_traceback(prefix: Path, tmp_path: Path) -> None:
    (prefix / "conda-meta" / "bad-1-0.json").write_text("{not json")
    code, out, err = run("spec", "export", str(prefix))
    assert code == 1 and "Traceback" not in err and out == ""
    assert err.count("\n") == 1 and "bad-1-0.json" in err and "corrupt" in err
    (tmp_path / "plain").mkdir()
    code, _, err = run("spec", "export", str(tmp_path / "plain"))
    assert code == 1 and "has no conda-meta" in err
    code, _, err = run("spec", "export")
    assert code == 1 and "--prefix" in err
    (prefix / "conda-meta" / "bad-1-0.json").unlink()
    code, _, err = run("spec", "check", str(prefix), "--against", str(tmp_path / "nope.yml"))
    assert code == 1 and "nope.yml" in err


def test_dist_info_without_record_and_bad_env_file(prefix: Path, tmp_path: Path) -> None:
    bad_yaml = tmp_path / "bad.yml"
    bad_yaml.write_text("dependencies: [numpy\n")
    code, _, err = run("spec", "diff", str(prefix), str(bad_yaml))
    assert code == 1 and "bad.yml is not valid YAML" in err and err.count("\n") == 1
    write_dist_info(prefix / "lib/python3.11/site-packages", FakeDist("broken", "1"), record=False)
    code, _, err = run("spec", "minimize", str(prefix))
    assert code == 1 and "broken-1.dist-info has no RECORD" in err
