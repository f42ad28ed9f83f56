#!/usr/bin/env bash
# Runs a benchmark (or any command) against a scratch copy of wizard/ with patches applied,
# leaving the working tree alone. Used to measure bench/proposals/*.patch before proposing them.
#
#   bench/with_patches.sh bench/proposals/smtp-quit-pipelined-with-auth.patch -- \
#       .venv/bin/python -m bench.verify_latency --runs 5
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
patches=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  patches+=("$(cd "$(dirname "$1")" && pwd)/$(basename "$1")")
  shift
done
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "usage: $0 PATCH... -- COMMAND..." >&2; exit 2; }

scratch="$(mktemp -d -t wizard-patched-XXXXXX)"
trap 'rm -rf "$scratch"' EXIT
cp -r "$REPO/wizard" "$scratch/wizard"
for p in "${patches[@]}"; do
  (cd "$scratch" && git apply "$p")
  echo "applied $(basename "$p")" >&2
done
# The scratch copy comes first on sys.path (it is the working directory), bench/ and tests/
# come from the repository.
cmd=("$@")
[ "${cmd[0]}" = ".venv/bin/python" ] && cmd[0]="$REPO/.venv/bin/python"
cd "$scratch" && PYTHONPATH="$scratch:$REPO${PYTHONPATH:+:$PYTHONPATH}" "${cmd[@]}"
