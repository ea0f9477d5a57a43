#!/usr/bin/env bash
# The handbook's execution environment, made the way a lab member makes it: environment.yml,
# created by the real micromamba (the kit's, tools/real-tools.sh), from a local mirror of it.
#
#   tools/handbook-env.sh [DIR]     (default DIR: build/handbook-env)
#
#   1. labtools channel mirror environment.yml DIR/mirror/conda-forge (cached outside the clone)
#   2. micromamba create -n labtools-dev -f environment.yml --override-channels -c file://...
#      in a sealed sandbox under DIR (its own rc, root prefix, package cache, HOME); the rc maps
#      the file's channel, conda-forge, to the mirror (custom_channels), and the pip: section
#      installs offline from the mirror's wheels/ (PIP_NO_INDEX, PIP_FIND_LINKS)
#   3. labtools kernel register: kernel "labtools-dev" under DIR/jupyter/share/jupyter/kernels
#
# Prints one line: the env's prefix. A second run with the same environment.yml, pyproject.toml
# and mirror reuses the env (it is an editable install: source changes need no new env).
# Env: LABTOOLS (default .venv/bin/labtools), HANDBOOK_ENV_NAME (default labtools-dev).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$(pwd)"
DIR="$(mkdir -p "${1:-build/handbook-env}" && cd "${1:-build/handbook-env}" && pwd)"
LABTOOLS="${LABTOOLS:-$REPO/.venv/bin/labtools}"
NAME="${HANDBOOK_ENV_NAME:-labtools-dev}"
case "$DIR/" in */t/*) echo "handbook-env: $DIR has a folder named 't' (conda reads it as a token)" >&2; exit 2;; esac
say() { echo "handbook-env: $*" >&2; }

t0=$(date +%s.%N)
TOOLS="$(bash tools/real-tools.sh)"
MICROMAMBA="$TOOLS/bin/micromamba"

# 1. the mirror
MIRROR="$DIR/mirror/conda-forge"
"$LABTOOLS" channel mirror environment.yml "$MIRROR" --json > "$DIR/mirror.json.new"
mv "$DIR/mirror.json.new" "$DIR/mirror.json"
t1=$(date +%s.%N)
say "mirror ready in $(printf '%.1f' "$(echo "$t1 - $t0" | bc)") s ($MIRROR)"

# 2. the sandbox and the env
SB="$DIR/sandbox"
mkdir -p "$SB/home" "$SB/xdg/cache" "$SB/root/pkgs" "$SB/root/envs"
cat > "$SB/condarc" <<EOF
channels: []
default_channels: []
custom_channels: {conda-forge: "file://$DIR/mirror"}
custom_multichannels: {}
channel_alias: file:///nonexistent-channel-alias
offline: false
always_yes: true
auto_activate_base: false
pkgs_dirs: [$SB/root/pkgs]
envs_dirs: [$SB/root/envs]
EOF
ENV=(env -i PATH=/usr/bin:/bin LANG=C.UTF-8 HOME="$SB/home" XDG_CONFIG_HOME="$SB/xdg"
     XDG_CACHE_HOME="$SB/xdg/cache" CONDARC="$SB/condarc" MAMBARC="$SB/condarc"
     CONDA_PKGS_DIRS="$SB/root/pkgs" CONDA_ENVS_DIRS="$SB/root/envs" MAMBA_ROOT_PREFIX="$SB/root"
     CONDA_OVERRIDE_CUDA= PIP_NO_INDEX=1 PIP_FIND_LINKS="$MIRROR/wheels"
     PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore)
PREFIX="$SB/root/envs/$NAME"
KEY="$( { cat environment.yml pyproject.toml; python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cache_key"])' "$DIR/mirror.json"; "$MICROMAMBA" --version; } | sha256sum | cut -c1-16)"
if [ -f "$PREFIX/.labtools-handbook-env" ] && [ "$(cat "$PREFIX/.labtools-handbook-env")" = "$KEY" ] \
   && [ -x "$PREFIX/bin/labtools" ]; then
  say "$NAME is up to date ($PREFIX)"
else
  rm -rf "$PREFIX"
  if ! "${ENV[@]}" "$MICROMAMBA" create -y -n "$NAME" -f environment.yml --override-channels \
        -c "file://$MIRROR" > "$DIR/create.log" 2>&1; then
    rm -rf "$PREFIX"            # nothing half-made
    say "micromamba create failed; the end of $DIR/create.log:"
    tail -n 15 "$DIR/create.log" >&2
    exit 1
  fi
  echo "$KEY" > "$PREFIX/.labtools-handbook-env"
  t2=$(date +%s.%N)
  say "$NAME created by micromamba $("$MICROMAMBA" --version) in $(printf '%.1f' "$(echo "$t2 - $t1" | bc)") s"
fi
"$PREFIX/bin/labtools" --version > /dev/null

# 3. its kernel, where the handbook build looks (JUPYTER_PATH=$DIR/jupyter/share/jupyter)
JUPYTER_PATH="$DIR/jupyter/share/jupyter" "$LABTOOLS" kernel register "$PREFIX" --name "$NAME" --display-name "Python ($NAME)" \
  --prefix "$DIR/jupyter" --json > /dev/null
echo "$PREFIX"
