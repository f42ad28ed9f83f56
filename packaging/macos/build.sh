#!/usr/bin/env bash
# Build "Mail Setup Wizard.app" and a .dmg; sign and notarise them when credentials are given.
#
#   packaging/macos/build.sh [--reuse] [--clean]
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

step() { printf '\n== %s\n' "$*"; }

step "PyInstaller: $APP ($VERSION, $ARCH)"
"$PYTHON" packaging/build.py --dist "$DIST" --json "$DIST/build-report.json" "$@"

step "smoke test: the binary inside the .app"
EXE="$APP/Contents/MacOS/mail-setup-wizard"
"$EXE" --version
QT_QPA_PLATFORM=offscreen "$EXE" --selftest
/usr/libexec/PlistBuddy -c 'Print :CFBundleIdentifier' "$APP/Contents/Info.plist"

step "code signature"
if [ -n "$IDENTITY" ]; then
  # PyInstaller already signed each binary and the bundle (deep) with $IDENTITY; sign the
  # outer bundle once more so its seal carries the entitlements, then check it strictly.
  codesign --force --timestamp --options runtime --entitlements "$ENTITLEMENTS" \
    --sign "$IDENTITY" "$APP"
  codesign --verify --deep --strict --verbose=2 "$APP"
  codesign --display --entitlements - "$APP"
else
  echo "MACOS_SIGN_IDENTITY is not set: the app is only ad-hoc signed (PyInstaller's default)."
  echo "It runs on this Mac; other Macs' Gatekeeper will refuse it. Set the identity to sign."
fi

step "disk image: $DMG"
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
ditto "$APP" "$staging/$APP_NAME.app"   # ditto keeps symlinks, xattrs and signatures intact
ln -s /Applications "$staging/Applications"
rm -f "$DMG"
hdiutil create -volname "$APP_NAME $VERSION" -srcfolder "$staging" -fs HFS+ \
  -format UDZO -imagekey zlib-level=9 -ov "$DMG"
if [ -n "$IDENTITY" ]; then
  codesign --force --timestamp --sign "$IDENTITY" "$DMG"
fi

step "notarisation"
auth=()
if [ -n "${NOTARY_KEYCHAIN_PROFILE:-}" ]; then
  auth=(--keychain-profile "$NOTARY_KEYCHAIN_PROFILE")
elif [ -n "${APPLE_API_KEY_PATH:-}" ] && [ -n "${APPLE_API_KEY_ID:-}" ] && [ -n "${APPLE_API_ISSUER:-}" ]; then
  auth=(--key "$APPLE_API_KEY_PATH" --key-id "$APPLE_API_KEY_ID" --issuer "$APPLE_API_ISSUER")
elif [ -n "${APPLE_ID:-}" ] && [ -n "${APPLE_TEAM_ID:-}" ] && [ -n "${APPLE_APP_PASSWORD:-}" ]; then
  auth=(--apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" --password "$APPLE_APP_PASSWORD")
fi
if [ -z "$IDENTITY" ]; then
  echo "Skipped: notarisation needs a Developer ID signature (MACOS_SIGN_IDENTITY)."
elif [ ${#auth[@]} -eq 0 ]; then
  echo "Skipped: no notary credentials (NOTARY_KEYCHAIN_PROFILE, APPLE_API_KEY_* or"
  echo "APPLE_ID + APPLE_TEAM_ID + APPLE_APP_PASSWORD). The .dmg is signed but not notarised."
else
  mkdir -p build
  xcrun notarytool submit "$DMG" "${auth[@]}" --wait --timeout 30m \
    --output-format json | tee build/notary-submit.json
  status=$("$PYTHON" -c 'import json; print(json.load(open("build/notary-submit.json"))["status"])')
  if [ "$status" != "Accepted" ]; then
    id=$("$PYTHON" -c 'import json; print(json.load(open("build/notary-submit.json"))["id"])')
    xcrun notarytool log "$id" "${auth[@]}" build/notary-log.json || true
    cat build/notary-log.json >&2 || true
    echo "Notarisation failed: $status (log in build/notary-log.json)" >&2
    exit 1
  fi
  # The ticket covers the .dmg and the signed .app inside it: staple both so Gatekeeper
  # needs no network on first launch. (The .app in dist/ is stapled for direct copies too.)
  xcrun stapler staple "$DMG"
  xcrun stapler staple "$APP" || echo "note: the .app in dist/ could not be stapled"
  xcrun stapler validate "$DMG"
  spctl --assess --type open --context context:primary-signature --verbose=2 "$DMG"
fi

step "done"
ls -lh "$DMG"
du -sh "$APP"
