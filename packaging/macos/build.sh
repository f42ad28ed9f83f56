#!/usr/bin/env bash
# Build "Mail Setup Wizard.app" and a .dmg for this Mac's architecture; sign and notarise both
# when credentials are given.
#
#   packaging/macos/build.sh [--reuse] [--clean]
#
# One native build per architecture (arm64 on Apple silicon, x86_64 on Intel), not universal2:
# a universal2 app needs a universal2 Python and every extension module fat, doubles the
# download for everyone, and can only be smoke-tested for the slice the build Mac runs.
#
# Environment (all optional; without them you get an ad-hoc signed app and an unsigned .dmg,
# fine for testing on the build Mac, blocked by Gatekeeper elsewhere):
#   MACOS_SIGN_IDENTITY     "Developer ID Application: Sepheo Ltd (TEAMID)", in the keychain.
#                           PyInstaller signs every binary with it, hardened runtime on, with
#                           packaging/macos/entitlements.plist; then the .app and the .dmg.
#   Notarisation, one of:
#     NOTARY_KEYCHAIN_PROFILE                     a profile made by `xcrun notarytool store-credentials`
#     APPLE_API_KEY_PATH + APPLE_API_KEY_ID + APPLE_API_ISSUER      App Store Connect API key (CI)
#     APPLE_ID + APPLE_TEAM_ID + APPLE_APP_PASSWORD                 app-specific password
#   WIZARD_REQUIRE_NOTARISATION=1   fail unless the app and .dmg end signed, notarised and
#                                   stapled (CI sets it for tagged releases)
#   WIZARD_BUNDLE_ID, WIZARD_BUILD_NUMBER, WIZARD_MACOS_MIN, WIZARD_TARGET_ARCH   (see the spec)
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-.venv/bin/python}
[ -x "$PYTHON" ] || PYTHON=python3

APP_NAME="Mail Setup Wizard"
DIST=dist
APP="$DIST/$APP_NAME.app"
VERSION=$("$PYTHON" -c 'import sys; sys.path.insert(0, "packaging"); import bundle_config as c; print(c.read_version())')
ARCH=${WIZARD_TARGET_ARCH:-$(uname -m)}
DMG="$DIST/MailSetupWizard-$VERSION-macos-$ARCH.dmg"
ENTITLEMENTS=packaging/macos/entitlements.plist
IDENTITY=${MACOS_SIGN_IDENTITY:-}
REQUIRE=${WIZARD_REQUIRE_NOTARISATION:-0}

step() { printf '\n== %s\n' "$*"; }

auth=()
if [ -n "${NOTARY_KEYCHAIN_PROFILE:-}" ]; then
  auth=(--keychain-profile "$NOTARY_KEYCHAIN_PROFILE")
elif [ -n "${APPLE_API_KEY_PATH:-}" ] && [ -n "${APPLE_API_KEY_ID:-}" ] && [ -n "${APPLE_API_ISSUER:-}" ]; then
  auth=(--key "$APPLE_API_KEY_PATH" --key-id "$APPLE_API_KEY_ID" --issuer "$APPLE_API_ISSUER")
elif [ -n "${APPLE_ID:-}" ] && [ -n "${APPLE_TEAM_ID:-}" ] && [ -n "${APPLE_APP_PASSWORD:-}" ]; then
  auth=(--apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" --password "$APPLE_APP_PASSWORD")
fi
if [ "$REQUIRE" = 1 ] && { [ -z "$IDENTITY" ] || [ ${#auth[@]} -eq 0 ]; }; then
  echo "WIZARD_REQUIRE_NOTARISATION=1 but the signing identity or notary credentials are missing:" >&2
  echo "refusing to build a release that Gatekeeper would block." >&2
  exit 1
fi

# notarise FILE: submit (a .zip of an .app, or a .dmg), wait, fail with Apple's log unless accepted.
notarise() {
  local file=$1 name
  name=$(basename "$file")
  mkdir -p build
  xcrun notarytool submit "$file" "${auth[@]}" --wait --timeout 30m \
    --output-format json | tee "build/notary-$name.json"
  local status id
  status=$("$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["status"])' "build/notary-$name.json")
  if [ "$status" != "Accepted" ]; then
    id=$("$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' "build/notary-$name.json")
    xcrun notarytool log "$id" "${auth[@]}" "build/notary-log-$name.json" || true
    cat "build/notary-log-$name.json" >&2 || true
    echo "Notarisation of $name failed: $status" >&2
    exit 1
  fi
}

step "PyInstaller: $APP ($VERSION, $ARCH)"
"$PYTHON" packaging/build.py --dist "$DIST" --json "$DIST/build-report.json" "$@"

step "bundle check: Info.plist against every Mach-O file inside"
"$PYTHON" packaging/bundle_check.py macos "$APP"

step "smoke test: the binary inside the .app"
EXE="$APP/Contents/MacOS/mail-setup-wizard"
"$EXE" --version
QT_QPA_PLATFORM=offscreen "$EXE" --selftest

step "code signature"
if [ -n "$IDENTITY" ]; then
  # PyInstaller already signed each binary and the bundle with $IDENTITY; sign the outer
  # bundle once more so its seal carries the hardened runtime and entitlements, then check it.
  codesign --force --timestamp --options runtime --entitlements "$ENTITLEMENTS" \
    --sign "$IDENTITY" "$APP"
  codesign --verify --deep --strict --verbose=2 "$APP"
  codesign --display --entitlements - "$APP"
else
  echo "MACOS_SIGN_IDENTITY is not set: the app is only ad-hoc signed (PyInstaller's default)."
  echo "It runs on this Mac; other Macs' Gatekeeper will refuse it. Set the identity to sign."
fi

step "notarisation of the .app"
# Notarised and stapled before it goes into the .dmg: stapling dist/ later would not reach the
# copy inside the image, and a user who drags the app out of the image (then opens it
# offline) needs the ticket on the app itself.
if [ -n "$IDENTITY" ] && [ ${#auth[@]} -gt 0 ]; then
  mkdir -p build
  rm -f build/app-for-notary.zip
  ditto -c -k --keepParent "$APP" build/app-for-notary.zip
  notarise build/app-for-notary.zip
  xcrun stapler staple "$APP"
  xcrun stapler validate "$APP"
else
  echo "Skipped: needs MACOS_SIGN_IDENTITY and notary credentials (NOTARY_KEYCHAIN_PROFILE,"
  echo "APPLE_API_KEY_* or APPLE_ID + APPLE_TEAM_ID + APPLE_APP_PASSWORD)."
fi

step "disk image: $DMG"
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
ditto "$APP" "$staging/$APP_NAME.app" # ditto keeps symlinks, xattrs, signature and ticket
ln -s /Applications "$staging/Applications"
rm -f "$DMG"
# hdiutil create fails now and then with "Resource busy" on hosted Macs (a scanner still has
# the fresh image open): retry a few times with a growing pause before giving up.
for attempt in 1 2 3 4 5; do
  if hdiutil create -volname "$APP_NAME $VERSION" -srcfolder "$staging" -fs HFS+ \
    -format UDZO -imagekey zlib-level=9 -ov "$DMG"; then
    break
  fi
  if [ "$attempt" -eq 5 ]; then
    echo "hdiutil create failed 5 times" >&2
    exit 1
  fi
  echo "hdiutil create failed (attempt $attempt); retrying in $((attempt * 5)) s" >&2
  sleep $((attempt * 5))
done

if [ -n "$IDENTITY" ]; then
  codesign --force --timestamp --sign "$IDENTITY" "$DMG"
  codesign --verify --verbose=2 "$DMG"
fi

step "notarisation of the .dmg"
if [ -n "$IDENTITY" ] && [ ${#auth[@]} -gt 0 ]; then
  notarise "$DMG"
  xcrun stapler staple "$DMG"
  xcrun stapler validate "$DMG"
  spctl --assess --type open --context context:primary-signature --verbose=2 "$DMG"
else
  echo "Skipped (see above): the .dmg is not notarised."
fi

step "done"
ls -lh "$DMG"
du -sh "$APP"
