#!/usr/bin/env bash
# Install the system packages a make target needs, when missing (Debian/Ubuntu, apt-get).
#   tools/system-deps.sh handbook   -> the OpenSSH client (tunnels); sshd is optional there,
#                                      except as the login node of a single-node Slurm (munge,
#                                      slurmctld, slurmd, slurm-client), for tutorial 08
#   tools/system-deps.sh test       -> all of that, Debian chromium (browser tests),
#                                      R with IRkernel (a second notebook kernel, beside bash_kernel)
# Without root or apt-get it only reports what is missing: the tests that need a part
# skip with a stated reason, and the handbook falls back to an in-process SSH server.
set -euo pipefail
need=()
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
if [ "${1:-test}" = "test" ]; then
  command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || need+=(openssh-server)
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  [ -d /usr/lib/R/site-library/IRkernel ] || need+=(r-cran-irkernel)
fi
# the Slurm test cluster (issue 20: its tests and tutorial 08) and its login node's sshd
# (OpenSSH: labtools multiplexes one ssh connection, which the embedded server cannot serve)
for pair in munged:munge slurmctld:slurmctld slurmd:slurmd sbatch:slurm-client sshd:openssh-server
do
  command -v "${pair%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${pair%%:*}" ] \
    || [[ " ${need[*]} " == *" ${pair#*:} "* ]] || need+=("${pair#*:}")
done
# Debian's IRkernel also registers itself system-wide; every sandbox would list it then.
# Tests use its kernelspec from R's library instead (tests/integration/test_handbook_build.py).
drop_ir_spec() { [ ! -f /usr/share/jupyter/kernels/ir/kernel.json ] || ${SUDO:-} rm -rf /usr/share/jupyter/kernels/ir; }
[ ${#need[@]} -eq 0 ] && { [ "$(id -u)" -ne 0 ] || drop_ir_spec; exit 0; }
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
fi
if ! command -v apt-get >/dev/null 2>&1 || { [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ]; }; then
  echo "system-deps: missing ${need[*]}; install them with your package manager" >&2
  exit 0
fi
echo "system-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" > /dev/null
drop_ir_spec
