"""Every command, fed bad arguments and bad input files, says so in one line and does nothing.

For each case: exit status != 0, exactly one line on stderr (``labtools: error: ...``)
that names what was wrong, nothing on stdout, no traceback, no click usage dump, and no
file or folder created anywhere under the sandboxed HOME or the working folder.

The bad values: a missing file, an empty one, a binary one, a huge one (sparse, so the
test stays fast: a reader must refuse it by its size before reading it), a folder where a
file belongs, the wrong type (a word where a number goes, a number out of range), path
traversal (``../``) in names that become paths, and names with unicode and spaces.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from labtools.cli import cli

HUGE = 300 * 1024 * 1024  # bytes; sparse (no disk used), larger than any reader accepts
BINARY = bytes(range(256)) * 64


@pytest.fixture
def inputs(tmp_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[dict[str, str]]:
    work = tmp_path / "work"
    work.mkdir()
    files = tmp_path / "inputs"
    files.mkdir()
    (files / "empty.yml").write_text("")
    (files / "binary.yml").write_bytes(BINARY)
    with (files / "huge.yml").open("wb") as out:
        out.write(b"name: huge\ndependencies:\n  - python\n")
        out.truncate(HUGE)
    (files / "a folder").mkdir()
    (files / "ünïcödé spaced.yml").write_text("dependencies: [\n")  # unterminated
    monkeypatch.chdir(work)
    yield {
        "missing": str(files / "no-such-file.yml"),
        "empty": str(files / "empty.yml"),
        "binary": str(files / "binary.yml"),
        "huge": str(files / "huge.yml"),
        "dir": str(files / "a folder"),
        "unicode": str(files / "ünïcödé spaced.yml"),
        "outdir": str(tmp_path / "out"),
    }


def snapshot(*roots: Path) -> set[str]:
    found: set[str] = set()
    for root in roots:
        for path, dirs, names in os.walk(root):
            found.update(os.path.join(path, n) for n in [*dirs, *names])
    return found


FILE_KINDS = ("missing", "empty", "binary", "huge", "dir", "unicode")

# (case id, argv with {placeholders}); file cases are expanded over FILE_KINDS
FILE_CASES: list[tuple[str, str]] = [
    ("bench-file", "bench -f {f}"),
    ("channel-mirror", "channel mirror {f} {outdir}"),
    ("doctor-notebook", "doctor --no-kernels --notebook {f}"),
    ("env-create-file", "env create -f {f} --dry-run"),
    ("jupyter-audit", "jupyter audit {f}"),
    ("jupyter-audit-service", "jupyter audit --service {f}"),
    ("kernel-check-notebook", "kernel check --notebook {f}"),
    ("spec-check-against", "spec check -p {prefix} --against {f}"),
    ("spec-diff", "spec diff {f} {f}"),
]

VALUE_CASES: list[tuple[str, str, str]] = [
    # (case id, argv, what the error line must mention)
    ("bench-empty-spec", "bench -s ''", "--spec"),
    ("bench-blank-spec", "bench -s '   '", "--spec"),
    ("bench-repeats-word", "bench -n many", "--repeats"),
    ("bench-repeats-few", "bench -n 1", "--repeats"),
    ("bench-contestant", "bench --contestants nope", "nope"),
    ("bench-plot-suffix", "bench --plot {outdir}/x.txt", "--plot"),
    ("channel-serve-port", "channel serve {dir} --port 99999", "--port"),
    ("completion-shell", "completion tcsh", "tcsh"),
    ("env-create-traversal", "env create ../escape python --dry-run", "../escape"),
    ("env-create-slash", "env create a/b python --dry-run", "a/b"),
    ("env-create-spaces", "env create 'my env' python --dry-run", "my env"),
    ("env-create-unicode", "env create 'πλ\u200b' python --dry-run", "name"),
    ("env-create-empty-name", "env create '' python --dry-run", "name"),
    ("env-remove-traversal", "env remove ../escape --yes", "../escape"),
    ("env-rollback-traversal", "env rollback ../escape", "../escape"),
    ("env-snapshots-traversal", "env snapshots ../escape", "escape"),
    ("env-update-traversal", "env update ../escape python --dry-run", "escape"),
    ("env-inspect-missing", "env inspect {missing}", "no-such-file"),
    ("handbook-build-out-file", "handbook build --project {project} --out {empty}", "--out"),
    ("handbook-build-out-docs", "handbook build --project {project} --out docs", "--out"),
    ("handbook-build-out-root", "handbook build --project {project} --out .", "--out"),
    ("handbook-build-out-empty", "handbook build --project {project} --out ''", "--out"),
    ("handbook-build-jobs", "handbook build --project {project} --jobs 0", "--jobs"),
    ("handbook-build-kernel", "handbook build --project {project} --kernel python3", "--kernel"),
    ("handbook-new-file", "handbook new {empty}", "empty.yml"),
    ("jupyter-config-out-dir", "jupyter config --out {dir}", "a folder"),
    ("jupyter-remote-timeout", "jupyter remote gpu --timeout soon", "--timeout"),
    ("jupyter-remote-timeout-neg", "jupyter remote gpu --timeout -1", "--timeout"),
    ("jupyter-remote-port", "jupyter remote gpu --port 70000", "--port"),
    ("jupyter-remote-host-spaces", "jupyter remote 'gpu -oProxyCommand=x'", "host"),
    ("jupyter-remote-host-option", "jupyter remote -- -oProxyCommand=x", "host"),
    ("kernel-check-timeout", "kernel check --timeout 0", "--timeout"),
    ("kernel-check-traversal", "kernel check ../escape", "../escape"),
    ("kernel-register-traversal", "kernel register {prefix} --name ../escape", "../escape"),
    ("kernel-register-spaces", "kernel register {prefix} --name 'my kernel'", "my kernel"),
    ("kernel-remove-traversal", "kernel remove ../escape --yes", "../escape"),
    ("kernel-verify-traversal", "kernel verify ../escape", "../escape"),
    ("kernel-verify-timeout", "kernel verify python3 --timeout nan", "--timeout"),
    ("profile-init-exists", "profile init {empty}", "empty.yml"),
    ("profile-init-set", "profile init {outdir}/p.toml --set nonsense", "nonsense"),
    ("spec-check-platform", "spec check -p {prefix} --against {lock} --platform mars-64",
     "mars-64"),
    ("spec-check-no-prefix", "spec check -p {missing} --against {lock}", "no-such-file"),
    ("spec-export-format", "spec export -p {prefix} --format toml", "toml"),
    ("spec-export-out-dir", "spec export -p {prefix} -o {dir}", "a folder"),
    ("spec-lock-out-dir", "spec lock -p {prefix} -o {dir}", "a folder"),
    ("spec-minimize-relax", "spec minimize -p {prefix} --relax all", "all"),
    ("tunnel-close-traversal", "tunnel close ../escape", "../escape"),
    ("tunnel-keygen-dir", "tunnel keygen --file {dir}", "a folder"),
    ("tunnel-keygen-type", "tunnel keygen --type dsa --file {outdir}/k", "dsa"),
    ("tunnel-open-forward", "tunnel open gpu -L nonsense", "nonsense"),
    ("tunnel-open-forward-port", "tunnel open gpu -L 99999:127.0.0.1:80", "99999"),
    ("tunnel-open-timeout", "tunnel open gpu -L 0:127.0.0.1:80 --timeout soon", "--timeout"),
    ("tunnel-open-host-option", "tunnel open -L 0:127.0.0.1:80 -- -oProxyCommand=x", "host"),
    ("tunnel-ssh-config-alias", "tunnel ssh-config 'a b' --hostname h", "a b"),
    ("tunnel-ssh-config-port", "tunnel ssh-config gpu --hostname h -p port", "--port"),
    ("tunnel-ssh-config-forward", "tunnel ssh-config gpu --hostname h -L 1:2:3:4:5", "1:2:3:4:5"),
    ("tunnel-ssh-config-no-local", "tunnel ssh-config gpu --hostname h -L db:5432", "db:5432"),
    ("jupyter-remote-ssh-port", "jupyter remote gpu -p 0x16", "--ssh-port"),
    ("kernel-check-timeout-inf", "kernel check --timeout inf", "--timeout"),
    ("spec-export-out-under-file", "spec export -p {prefix} -o {empty}/env.yml", "empty.yml"),
]


def _prefix(root: Path) -> Path:
    """A tiny but real conda prefix (conda-meta with one record)."""
    prefix = root / "prefix"
    (prefix / "conda-meta").mkdir(parents=True)
    (prefix / "conda-meta" / "history").write_text("")
    (prefix / "conda-meta" / "zlib-1.3-h0_0.json").write_text(
        '{"name": "zlib", "version": "1.3", "build": "h0_0", "build_number": 0,'
        ' "channel": "https://conda.anaconda.org/conda-forge/linux-64",'
        ' "url": "https://conda.anaconda.org/conda-forge/linux-64/zlib-1.3-h0_0.conda",'
        ' "fn": "zlib-1.3-h0_0.conda",'
        ' "md5": "d41d8cd98f00b204e9800998ecf8427e", "subdir": "linux-64", "files": []}')
    return prefix


def _project(root: Path) -> Path:
    project = root / "project"
    (project / "docs").mkdir(parents=True)
    (project / "notebooks").mkdir()
    (project / "docs" / "index.md").write_text("# p\n")
    (project / "notebooks" / "a.py").write_text("# %%\nprint(1)\n")
    (project / "mkdocs.yml").write_text("site_name: p\nplugins:\n  - labtools\n")
    return project


def _lock(root: Path) -> Path:
    lock = root / "explicit.txt"
    lock.write_text("@EXPLICIT\nhttps://conda.anaconda.org/conda-forge/linux-64/"
                    "zlib-1.3-h0_0.conda#d41d8cd98f00b204e9800998ecf8427e\n")
    return lock


def run_case(argv_text: str, inputs: dict[str, str], tmp_path: Path, isolated_home: Path
             ) -> tuple[int, str, str, set[str]]:
    import shlex

    fixtures = tmp_path / "fixtures"
    fixtures.mkdir(exist_ok=True)
    values = {**inputs, "prefix": str(_prefix(fixtures)), "project": str(_project(fixtures)),
              "lock": str(_lock(fixtures))}
    argv = [part.format(**values) for part in shlex.split(argv_text)]
    before = snapshot(tmp_path, isolated_home)
    result = CliRunner().invoke(cli, argv)
    after = snapshot(tmp_path, isolated_home)
    return result.exit_code, result.stdout, result.stderr, after - before


def assert_refused(code: int, out: str, err: str, created: set[str]) -> str:
    assert code != 0, f"exit 0; stdout: {out!r}"
    assert out == "", f"stdout not empty: {out!r}"
    assert "Traceback" not in err, err
    assert "Usage:" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("labtools: error: "), lines[0]
    assert not created, f"created {sorted(created)}"
    return lines[0]


@pytest.mark.parametrize("kind", FILE_KINDS)
@pytest.mark.parametrize(("case", "argv"), FILE_CASES, ids=[c for c, _ in FILE_CASES])
def test_a_bad_input_file_is_one_line_naming_the_file(
        case: str, argv: str, kind: str, inputs: dict[str, str], tmp_path: Path,
        isolated_home: Path) -> None:
    code, out, err, created = run_case(argv.replace("{f}", "{" + kind + "}"), inputs, tmp_path,
                                       isolated_home)
    line = assert_refused(code, out, err, created)
    assert Path(inputs[kind]).name in line, line
    if kind == "huge":
        assert "MB" in line, line  # refused by its size, before it was read


@pytest.mark.parametrize(("case", "argv", "named"), VALUE_CASES,
                         ids=[c for c, _, _ in VALUE_CASES])
def test_a_bad_value_is_one_line_naming_it(case: str, argv: str, named: str,
                                           inputs: dict[str, str], tmp_path: Path,
                                           isolated_home: Path) -> None:
    code, out, err, created = run_case(argv, inputs, tmp_path, isolated_home)
    line = assert_refused(code, out, err, created)
    assert named in line, line
