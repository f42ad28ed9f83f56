#!/usr/bin/env bash
# Sets up everything the tests need on a fresh Debian/Ubuntu machine, then runs lint, types and
# the whole test suite. Used by the README and by CI (.ci/run). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# Real servers and tools the tests drive: Dovecot (IMAP, submission, ManageSieve, LMTP with
# Sieve at delivery), Thunderbird
# and NSS's certutil for the real-Thunderbird test, poppler for reading the handout PDF, GNOME
# Keyring on a private D-Bus bus (and libsecret's secret-tool) for the Secret Service password
# store, the AT-SPI accessibility bus (at-spi2-core) that screen readers use, on a private bus
# under Xvfb, and the shared libraries Qt's offscreen and xcb platforms load. Cyrus SASL's
# tools and modules (saslpasswd2, PLAIN, sasldb) and nss_wrapper serve the unpacked Cyrus and
# Exim below.
APT_PACKAGES=(
  dovecot-core dovecot-imapd dovecot-submissiond dovecot-managesieved dovecot-lmtpd dovecot-sieve
  sasl2-bin libsasl2-modules libsasl2-modules-db libnss-wrapper
  thunderbird libnss3-tools poppler-utils xvfb xauth binutils icu-devtools gcc
  dbus gnome-keyring libsecret-tools at-spi2-core
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libglib2.0-0 libdbus-1-3
  libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 fonts-dejavu-core
)
# dnsmasq: a DNS server on a loopback port for the blocklist look-ups (tests/support/dns_server.py).
APT_PACKAGES+=(dnsmasq-base)
# nginx: the web server that publishes autoconfig and Autodiscover over HTTPS for the discovery
# tests (tests/support/nginx_server.py) and serves the kit with its own snippets
# (tests/support/kit_nginx.py); Apache and Caddy serve the kit too (kit_webservers.py).
# nginx-light is the smallest build with TLS and proxying. The packaged services never start.
APT_PACKAGES+=(nginx-light apache2 caddy)
# unbound: a real validating resolver for the DNSSEC trust rule (tests/support/unbound_server.py).
APT_PACKAGES+=(unbound)
if command -v apt-get >/dev/null 2>&1; then
  missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "Installing Debian packages: ${missing[*]}"
    $SUDO apt-get update -qq
    # The packaged Dovecot service is never started here: the tests run their own instances.
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
      --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
else
  echo "apt-get not found: install Dovecot (imapd, submissiond, managesieved) yourself;" \
       "tests that need it will be skipped." >&2
fi

# A second IMAP + ManageSieve server (Cyrus) and a second SMTP submission server (Exim), unpacked
# under build/ and started by the tests on loopback, never installed: cyrus-imapd conflicts with
# dovecot-imapd, and installing exim4 would replace the machine's own mail server and start one
# on port 25. Their shared libraries are installed normally (every lib* package they depend on).
UNPACKED_DEBS=(cyrus-common cyrus-imapd exim4-daemon-light)
UNPACKED=build/test-servers
if command -v apt-get >/dev/null 2>&1 && [ ! -f "$UNPACKED/root/.complete" ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  rm -rf "$UNPACKED" && mkdir -p "$UNPACKED/debs" "$UNPACKED/root"
  if ! (cd "$UNPACKED/debs" && apt-get download -qq "${UNPACKED_DEBS[@]}" 2>/dev/null); then
    $SUDO apt-get update -qq
    (cd "$UNPACKED/debs" && apt-get download -qq "${UNPACKED_DEBS[@]}")
  fi
  libs=()
  for deb in "$UNPACKED"/debs/*.deb; do
    dpkg-deb -x "$deb" "$UNPACKED/root"
    # "libfoo1 (>= 1.2), liba | libb" -> the first choice of each, lib* packages only.
    for dep in $(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/:any//'); do
      case "$dep" in lib*) dpkg-query -W -f='${Status}' "$dep" 2>/dev/null \
        | grep -q "install ok installed" || libs+=("$dep") ;; esac
    done
  done
  if [ ${#libs[@]} -gt 0 ]; then
    echo "Installing libraries for the unpacked servers: ${libs[*]}"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
      --no-install-recommends "${libs[@]}" >/dev/null
  fi
  touch "$UNPACKED/root/.complete"
fi
# dpkg-deb keeps modes, and exim4 is set-uid root in its package: nothing unpacked may be.
[ -d "$UNPACKED/root" ] && find "$UNPACKED/root" -perm /6000 -type f -exec chmod ug-s {} +

# Haraka, the reference deployment's submission server, from npm at the versions pinned in
# tests/haraka/package-lock.json (its optional plugins are not needed). Node comes with the
# machine; without it the tests that need Haraka are skipped (and fail under CI=true).
if command -v npm >/dev/null 2>&1; then
  npm ci --prefix tests/haraka --omit=optional --no-audit --no-fund --loglevel=error >/dev/null
else
  echo "npm not found: tests that need Haraka will be skipped." >&2
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -c packaging/constraints.txt -e ".[test,package]"

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy (strict, all of wizard/ with the Qt pages)"
.venv/bin/mypy
echo "== pytest"
.venv/bin/python -m pytest "$@"
