#!/usr/bin/env bash
# Install the real conda, mamba and micromamba from the kits in ../shared/tools into a cache
# outside the clone, keyed by the kits' content, and print the folder whose bin/ holds them.
#
#   tools/real-tools.sh            install (or reuse) and print DIR; DIR/bin/{conda,mamba,micromamba}
#   tools/real-tools.sh --print    print DIR only if it is complete, else exit 3 (no install)
#
# Env: LABTOOLS_KITS       the kits folder (default: <repo>/../shared/tools)
#      LABTOOLS_TOOLS_CACHE the cache root (default: ${XDG_CACHE_HOME:-~/.cache}/labtools/real-tools)
# The tests find the tools through this script (tests/plugins/real_tools.py); a second run with
# the same kits does nothing but check the stamp (well under a second).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The kits: LABTOOLS_KITS, else shared/tools beside an ancestor of this checkout, else beside an
# ancestor of the repository it was cloned from (a clean CI clone of a local checkout).
find_kits() {
  local start dir
  for start in "$HERE/.." "$(git -C "$HERE" config --get remote.origin.url 2>/dev/null || true)"; do
    [ -n "$start" ] && [ -d "$start" ] || continue
    dir="$(cd "$start" && pwd)"
    while [ "$dir" != "/" ]; do
      [ -f "$dir/../shared/tools/real-conda/install.sh" ] && { echo "$dir/../shared/tools"; return; }
      dir="$(dirname "$dir")"
    done
  done
  echo "$HERE/../../shared/tools"
}
KITS="${LABTOOLS_KITS:-$(find_kits)}"
if [ ! -f "$KITS/real-conda/install.sh" ] || [ ! -f "$KITS/real-mamba/install.sh" ]; then
  echo "real-tools: no kits at $KITS (set LABTOOLS_KITS to the folder with real-conda/ and real-mamba/)" >&2
  exit 2
fi
KITS="$(cd "$KITS" && pwd)"
CACHE_ROOT="${LABTOOLS_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/labtools/real-tools}"

# Key: every file of the kits (path + content), python's version (the conda venv and the
# libmambapy wheel are built for it) and LAYOUT, bumped when this script installs differently.
# (Not this file's hash: checkouts with different versions of it must share one install.)
LAYOUT=1
KEY="$( { cd "$KITS" && find . -type f -not -name '*.pyc' -not -path '*/__pycache__/*' | LC_ALL=C sort \
          | while read -r f; do printf '%s ' "$f"; sha256sum < "$f"; done;
          echo "layout $LAYOUT"; python3 -c 'import sys; print(sys.version)'; } \
        | sha256sum | cut -c1-16)"
DIR="$CACHE_ROOT/$KEY"

complete() {
  [ -f "$DIR/.complete" ] && [ -x "$DIR/bin/conda" ] && [ -x "$DIR/bin/mamba" ] && [ -x "$DIR/bin/micromamba" ]
}

if [ "${1:-}" = "--print" ]; then
  complete && { echo "$DIR"; exit 0; }
  exit 3
fi

mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/.lock"
flock 9                                    # one installer at a time (several checkouts share it)
if complete; then
  touch "$DIR/.complete"
  echo "real-tools: up to date in $DIR ($(cat "$DIR/.complete"))" >&2
  echo "$DIR"
  exit 0
fi

T0=$(date +%s.%N)
rm -rf "$DIR"
mkdir -p "$DIR/bin"
# pip's "Location ... is ignored" lines (a machine-wide find-links that does not exist) are noise
quiet() { "$@" 2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2 || true) >&2; }
quiet env PYTHON="${PYTHON:-python3}" "$KITS/real-conda/install.sh" "$DIR/conda"
quiet "$KITS/real-mamba/install.sh" "$DIR/mamba"
quiet "$KITS/real-mamba/install-libmambapy.sh" "$DIR/conda" "$DIR/mamba"
ln -sf ../conda/bin/conda "$DIR/bin/conda"
ln -sf ../mamba/bin/mamba "$DIR/bin/mamba"
ln -sf ../mamba/bin/micromamba "$DIR/bin/micromamba"
versions="$("$DIR/bin/conda" --version) mamba $("$DIR/bin/mamba" --version) micromamba $("$DIR/bin/micromamba" --version)"
T1=$(date +%s.%N)
printf '%s (installed in %.1f s)\n' "$versions" "$(echo "$T1 - $T0" | bc)" > "$DIR/.complete"
# drop installs of other keys unused for two weeks (another checkout may still use a recent one)
find "$CACHE_ROOT" -mindepth 2 -maxdepth 2 -name .complete -mtime +14 -printf '%h\n' 2>/dev/null \
  | while read -r old; do [ "$old" = "$DIR" ] || rm -rf "$old"; done
echo "real-tools: $(cat "$DIR/.complete") in $DIR" >&2
echo "$DIR"
