#!/usr/bin/env bash
# Runs every benchmark against the project's venv and the real Dovecot (Debian's
# dovecot-imapd, -submissiond, -managesieved; tests/run_all.sh installs them). Loopback only.
#
#   bench/run_all.sh            # 5 runs per cell, about 10 minutes (hostile.py's baseline: 5)
#   bench/run_all.sh --quick    # 2 runs per cell, no two-address case, no hostile baseline
#   bench/run_all.sh --runs 9
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m bench "$@"
