"""The shell scripts labtools runs on the login node, and the batch script it submits (pure).

Each login-node script is sent on ssh's standard input to ``bash -l -s`` (whatever the
user's login shell is), so secrets such as the Jupyter token never appear on a command
line. Scripts answer in sections (``@@labtools NAME ARGS`` lines), so whatever a login
profile prints is ignored.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path

from labtools.envs.prefix import META
from labtools.jupyter import secure_settings
from labtools.slurm.request import JobRequest, job_name, sbatch_options

MARK = "@@labtools"
SESSIONS = ".labtools/slurm"  # under the user's home on the cluster
REMOTE_SHELL = "bash -l -s"
_PREAMBLE = f"lt() {{ printf '\\n{MARK} %s\\n' \"$*\"; }}\n"
ENV_DIRS = (
    '${CONDA_ENVS_PATH:+$(printf %s "$CONDA_ENVS_PATH" | tr : " ")}',
    '"$HOME/.conda/envs"',
    '${MAMBA_ROOT_PREFIX:+"$MAMBA_ROOT_PREFIX/envs"}',
    '${CONDA_EXE:+"$(dirname "$(dirname "$CONDA_EXE")")/envs"}',
    '"$HOME/miniforge3/envs" "$HOME/mambaforge/envs" "$HOME/miniconda3/envs"',
    '"$HOME/anaconda3/envs" "$HOME/micromamba/envs" "$HOME/.local/share/mamba/envs"',
    '${LABTOOLS_ENVS_ROOT:+"$LABTOOLS_ENVS_ROOT"}',
)


@dataclass(frozen=True)
class Section:
    args: tuple[str, ...]
    text: str


def sections(stdout: str) -> dict[str, Section]:
    """The ``@@labtools NAME ARGS`` sections of a script's output (the last of each name)."""
    found: dict[str, Section] = {}
    name: str | None = None
    args: tuple[str, ...] = ()
    body: list[str] = []
    for line in [*stdout.splitlines(), f"{MARK} __end__"]:
        if line.startswith(MARK + " "):
            if name is not None:
                found[name] = Section(args, "\n".join(body).strip("\n"))
            parts = line[len(MARK) + 1:].split()
            name, args, body = (parts[0] if parts else "", tuple(parts[1:]), [])
        elif name is not None:
            body.append(line)
    found.pop("__end__", None)
    return found


def session_dir(session: str) -> str:
    """The session's folder on the cluster, as a shell word (expands ``$HOME`` there)."""
    return f'"$HOME/{SESSIONS}/{session}"'


def _home_path(path: str) -> str:
    """A user-given remote path as a shell word: ``~/x`` and relative paths under $HOME."""
    if path.startswith("~/"):
        path = path[2:]
    if path.startswith("/"):
        return shlex.quote(path)
    return f'"$HOME"/{shlex.quote(path)}'


def config_json(token: str) -> str:
    """The Jupyter config the job reads: labtools's secure settings, on one line."""
    settings = secure_settings(token=token, hashed_password=None)
    return json.dumps(settings, separators=(",", ":"))


def node_launcher_source() -> str:
    return (Path(__file__).with_name("node.py")).read_text(encoding="utf-8")


def batch_script(session: str) -> str:
    """The batch script (arguments: python, prefix, config, port file, port, timeout, root)."""
    node = node_launcher_source()
    if "LABTOOLS_EOF_NODE" in node.splitlines():
        raise AssertionError("node.py must not contain its heredoc delimiter")
    return f"""#!/bin/bash
# Jupyter in a Slurm job, submitted by `labtools jupyter remote HOST --slurm` ({session}).
# The launcher below finds this node's cluster address, picks a free port, starts
# jupyter_server with the session's token config, and writes node and port to the port file.
umask 077
py=$1; prefix=$2
if [ -n "$prefix" ]; then
  export CONDA_PREFIX="$prefix" CONDA_DEFAULT_ENV="${{prefix##*/}}" PATH="$prefix/bin:$PATH"
  for f in "$prefix"/etc/conda/activate.d/*.sh; do [ -r "$f" ] && . "$f"; done
fi
root=""; [ "$7" = 1 ] && root="--allow-root"
exec "$py" - --config "$3" --port-file "$4" --port "$5" --startup-timeout "$6" $root \\
  <<'LABTOOLS_EOF_NODE'
{node}
LABTOOLS_EOF_NODE
"""


def _interpreter_lines(req: JobRequest) -> str:
    """Shell that sets ``prefix`` and ``py`` on the login node, or reports what is wrong."""
    if req.python:
        return f"prefix=''; py={_home_path(req.python)}\n"
    if req.env is None:
        return "prefix=''; py=$(command -v python3 || true)\n"
    if "/" in req.env:
        return (f"prefix={_home_path(req.env)}; py=\"$prefix/bin/python\"\n"
                '[ -d "$prefix" ] || { lt error env-missing; printf "%s\\n" "$prefix"; exit 0; }\n')
    env = shlex.quote(req.env)
    dirs = " ".join(ENV_DIRS)
    return f"""prefix=''; searched=''
for d in {dirs}; do
  searched="$searched ${{d/#$HOME/\\~}}"
  if [ -d "$d/"{env}"/{META}" ] || [ -x "$d/"{env}"/bin/python" ]; then
    prefix="$d/"{env}; break
  fi
done
if [ -z "$prefix" ] && command -v conda >/dev/null 2>&1; then
  prefix=$(conda env list 2>/dev/null | awk -v n={env} '$1 == n {{print $NF}}' | head -n 1)
fi
if [ -z "$prefix" ] || [ ! -d "$prefix" ]; then
  lt error env-missing; printf '%s\\n' "$searched"; exit 0
fi
py="$prefix/bin/python"
"""


def submit_script(req: JobRequest, *, session: str, token: str,
                  startup_timeout: float) -> str:
    """Check the interpreter, write the session folder, submit the job (one round trip)."""
    d = session_dir(session)
    port_file = _home_path(req.port_file) if req.port_file else f'{d}/server.json'
    options = " ".join(shlex.quote(o) for o in sbatch_options(req))
    config = config_json(token)
    return (
        "set -u\numask 077\n" + _PREAMBLE
        + 'cd "$HOME" || { lt error home; exit 0; }\n'
        + "command -v sbatch >/dev/null 2>&1 || { lt error no-sbatch; exit 0; }\n"
        + _interpreter_lines(req)
        + '[ -n "$py" ] && [ -x "$py" ] || { lt error no-python; printf "%s\\n" "$py"; exit 0; }\n'
        + '"$py" -c "import importlib.util as u, sys; '
          'sys.exit(u.find_spec(\'jupyter_server\') is None)" 2>/dev/null'
          ' || { lt error no-jupyter; printf "%s\\n" "$py"; exit 0; }\n'
        + f"d={d}\n"
        + 'mkdir -p "$d" && chmod 700 "$HOME/.labtools" "$HOME/.labtools/slurm" "$d" '
          '|| { lt error mkdir; exit 0; }\n'
        + f"pf={port_file}\n"
        + "cat > \"$d/config.json\" <<'LABTOOLS_EOF_CONFIG'\n" + config
        + "\nLABTOOLS_EOF_CONFIG\n"
        + "cat > \"$d/job.sh\" <<'LABTOOLS_EOF_JOB'\n" + batch_script(session)
        + "LABTOOLS_EOF_JOB\n"
        + 'printf "%s\\n" "$pf" > "$d/port-file"\n'
        + 'rm -f "$pf"\n'
        + f'out=$(sbatch --parsable --job-name={job_name(session)} --output="$d/job.log" '
          f'--chdir="$HOME" {options} "$d/job.sh" "$py" "$prefix" "$d/config.json" "$pf" '
          f'{req.node_port} {startup_timeout:g} {1 if req.allow_root else 0} '
          '2>"$d/sbatch.err")\n'
        + 'if [ $? -ne 0 ]; then lt error sbatch; cat "$d/sbatch.err"; rm -rf "$d"; exit 0; fi\n'
        + 'lt submitted; printf "%s\\n" "$out"\n'
    )


def poll_script(job_id: str, session: str, *, log_lines: int = 0) -> str:
    """The job's state and the port file's content (and the log's tail when asked)."""
    d = session_dir(session)
    tail = (f'lt log; tail -n {log_lines} "$d/job.log" 2>/dev/null || true\n'
            if log_lines else "")
    return (
        _PREAMBLE + f"d={d}\n"
        + f"out=$(scontrol show job -o {int(job_id)} 2>&1); rc=$?\n"
        + 'lt job $rc; printf "%s\\n" "$out"\n'
        + 'pf=$(cat "$d/port-file" 2>/dev/null)\n'
        + 'lt port; [ -n "$pf" ] && cat "$pf" 2>/dev/null || true\n'
        + tail
    )


def show_job_script(job_id: str) -> str:
    """What Slurm says about one job."""
    return (_PREAMBLE + f"out=$(scontrol show job -o {int(job_id)} 2>&1); rc=$?\n"
            + 'lt job $rc; printf "%s\\n" "$out"\n' + "lt user; id -un\n")


def read_session_script(session: str) -> str:
    """The session's config (with the token: for --attach) and port file path."""
    d = session_dir(session)
    return (_PREAMBLE + f"d={d}\n"
            + 'lt config; cat "$d/config.json" 2>/dev/null || true\n'
            + 'lt portfile; cat "$d/port-file" 2>/dev/null || true\n')


def cancel_script(job_id: str | None, session: str, *, keep_log: bool = False,
                  wait: float = 20.0) -> str:
    """Cancel the job (by id, or by its name when the id never came back), wait until its
    processes are gone, remove the session folder (keeping the log when asked)."""
    d = session_dir(session)
    if job_id is not None:
        cancel = f"scancel {int(job_id)} 2>&1\n"
        query = f"squeue -h -j {int(job_id)} -o %T 2>/dev/null"
    else:
        name = job_name(session)
        cancel = f'scancel --name={name} --user="$(id -un)" 2>&1\n'
        query = f'squeue -h --name={name} --user="$(id -un)" -o %T 2>/dev/null'
    keep = ""
    if keep_log and job_id is not None:
        keep = (f'[ -f "$d/job.log" ] && mv "$d/job.log" '
                f'"$HOME/{SESSIONS}/job-{int(job_id)}.log"\n')
    loops = max(1, int(wait / 0.25))
    return (
        _PREAMBLE + f"d={d}\n" + "lt scancel\n" + cancel
        + f"s=''; for i in $(seq 1 {loops}); do s=$({query}); [ -z \"$s\" ] && break; "
          "sleep 0.25; done\n"
        + keep + 'pf=$(cat "$d/port-file" 2>/dev/null); [ -n "$pf" ] && rm -f "$pf"\n'
        + 'rm -rf "$d"\n'
        + 'lt state; printf "%s\\n" "$s"\n'
    )


def list_script() -> str:
    """The user's name and their jobs, as JSON when squeue can (else squeue's text)."""
    return (
        _PREAMBLE + "lt user; id -un\n"
        + "out=$(squeue --json --me 2>/dev/null); rc=$?\n"
        + 'if [ $rc -eq 0 ] && [ -n "$out" ]; then lt squeue-json; printf "%s\\n" "$out"\n'
        + "else lt squeue-text; squeue --me -h -o '%i|%j|%T|%r|%N|%P|%u|%l|%M' 2>&1; fi\n"
    )
