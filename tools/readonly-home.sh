#!/usr/bin/env bash
# Run a command (the test suite) with the real HOME read-only, and prove nothing under it
# changed.
#
#   tools/readonly-home.sh make test
#
# In a private mount namespace (unshare), $HOME is bind-mounted read-only, so a test that
# writes to the real HOME fails with EROFS instead of passing quietly. Writable again
# inside it: the checkout itself when it lies under HOME, and the shared machine caches
# that labtools' test fixtures fill on purpose (keyed by content, outside the clone):
# ~/.cache/labtools/real-tools and ~/.cache/labtools/mirror; extra ones in
# LABTOOLS_WRITABLE_IN_HOME (colon-separated). Before and after, a manifest of HOME (path,
# type, size, mode, mtime) is taken, minus those folders; any difference fails the run.
# On a machine shared with other users of the same HOME (whose writes this cannot stop),
# LABTOOLS_HOME_MANIFEST_IGNORE (colon-separated) leaves paths out of the manifest only.
# Where unshare is not allowed, the command runs with the manifest check only, and says so.
set -euo pipefail

[ $# -gt 0 ] || { echo "usage: tools/readonly-home.sh COMMAND [ARGS...]" >&2; exit 2; }
HOME_DIR="$(cd "$HOME" && pwd -P)"
REPO="$(cd "$(dirname "$0")/.." && pwd -P)"
CACHE="${XDG_CACHE_HOME:-$HOME_DIR/.cache}"
writable=("$CACHE/labtools/real-tools" "$CACHE/labtools/mirror")
case "$REPO/" in "$HOME_DIR"/*) writable+=("$REPO") ;; esac
IFS=':' read -r -a extra <<< "${LABTOOLS_WRITABLE_IN_HOME:-}"
for path in "${extra[@]}"; do [ -n "$path" ] && writable+=("$path"); done

IFS=':' read -r -a ignored <<< "${LABTOOLS_HOME_MANIFEST_IGNORE:-}"

manifest() {
  local prune=() path
  for path in "${writable[@]}" "${ignored[@]}"; do
    [ -n "$path" ] && prune+=(-path "$path" -prune -o)
  done
  find "$HOME_DIR" -xdev "${prune[@]}" -printf '%p\t%y\t%s\t%m\t%T@\n' 2>/dev/null | LC_ALL=C sort
}

for path in "${writable[@]}"; do mkdir -p "$path" 2>/dev/null || true; done
before="$(mktemp)"; after="$(mktemp)"
trap 'rm -f "$before" "$after"' EXIT
manifest > "$before"
echo "readonly-home: $(wc -l < "$before") entries under $HOME_DIR recorded" >&2

inner='set -e
mount --make-rprivate / 2>/dev/null || true
mount --bind "$HOME_DIR" "$HOME_DIR"
mount -o remount,bind,ro "$HOME_DIR"
for path in "$@"; do
  [ -d "$path" ] && mount --bind "$path" "$path" && mount -o remount,bind,rw "$path"
done
if touch "$HOME_DIR/.labtools-readonly-probe" 2>/dev/null; then
  rm -f "$HOME_DIR/.labtools-readonly-probe"
  echo "readonly-home: $HOME_DIR is still writable" >&2
  exit 97
fi
exec "${COMMAND[@]}"'

status=0
if unshare --mount true 2>/dev/null; then
  echo "readonly-home: $HOME_DIR is read-only for: $*" >&2
  export HOME_DIR
  COMMAND_QUOTED="$(printf '%q ' "$@")"
  unshare --mount bash -c "COMMAND=($COMMAND_QUOTED); $inner" readonly-home "${writable[@]}" \
    || status=$?
else
  echo "readonly-home: unshare is not permitted here; HOME stays writable, checking the" \
       "manifest only" >&2
  "$@" || status=$?
fi

manifest > "$after"
if ! diff -u "$before" "$after" > /dev/null; then
  echo "readonly-home: these entries under $HOME_DIR changed during the run:" >&2
  { diff "$before" "$after" || true; } | grep '^[<>]' | head -50 >&2 || true
  [ "$status" -ne 0 ] || status=98
else
  echo "readonly-home: nothing under $HOME_DIR changed" >&2
fi
exit "$status"
