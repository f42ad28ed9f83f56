#!/usr/bin/env bash
# Runs every benchmark against the project's venv and the real Dovecot (Debian's
# dovecot-imapd, -submissiond, -managesieved; tests/run_all.sh installs them). Loopback only.
#
#   bench/run_all.sh            # 5 runs per cell, about 4 minutes
#   bench/run_all.sh --quick    # 2 runs per cell, skips the 20 s two-address case
#   bench/run_all.sh --runs 9
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m bench "$@"
