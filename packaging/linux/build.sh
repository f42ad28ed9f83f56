#!/usr/bin/env bash
# Build the Linux onedir into dist/mail-setup-wizard/, print build time, size and the largest
# files, smoke-run it, and pack dist/mail-setup-wizard-<version>-linux-<arch>.tar.gz.
#
#   packaging/linux/build.sh                      # from the repository, after:
#                                                 #   pip install -c packaging/constraints.txt -e '.[package]'
#   packaging/linux/build.sh --reuse              # skip the build when no input changed
#   packaging/linux/build.sh --dist D --work W    # elsewhere (CI: build/ci/dist, build/ci/work)
#
# Build on the oldest distribution you support: the bundle carries the build machine's
# libstdc++, xkbcommon and xcb-util libraries… and needs a glibc at least as new as the build
# machine's. The desktop must provide: glibc, libGL/libEGL (and behind libGL: libX11, libxcb,
# libXau, libXdmcp), GLib, libwayland-client, libfontconfig, libfreetype, libdbus-1 (see
# packaging/bundle_config.py, LINUX_SYSTEM_LIBRARY_PATTERNS, for why each).
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-.venv/bin/python}
[ -x "$PYTHON" ] || PYTHON=python3

DIST=dist
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  [ "${args[$i]}" = "--dist" ] && DIST=${args[$((i + 1))]}
done

"$PYTHON" packaging/build.py --archive --json "$DIST/build-report.json" "$@"

EXE="$DIST/mail-setup-wizard/mail-setup-wizard"
echo "== smoke test: $EXE"
start=$(date +%s%N)
"$EXE" --version
echo "   --version: $((($(date +%s%N) - start) / 1000000)) ms"
start=$(date +%s%N)
QT_QPA_PLATFORM=offscreen "$EXE" --selftest
echo "   --selftest: $((($(date +%s%N) - start) / 1000000)) ms"
start=$(date +%s%N)
QT_QPA_PLATFORM=offscreen WIZARD_BENCH_EXIT_AFTER_FIRST_PAGE=1 "$EXE"
echo "   GUI to first page (offscreen): $((($(date +%s%N) - start) / 1000000)) ms wall"
