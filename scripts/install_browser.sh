#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests (tests/ui) when anything is missing:
#   chromium            /usr/bin/chromium, driven by Playwright (never `playwright install`)
#   chromium-driver     chromedriver, the same version, for WebDriver tools
#   fonts-wqy-microhei  a CJK font (4 MB), so screenshots of the Chinese UI are not boxes
# Idempotent: when everything is there it only prints the version. Needs root or password-less
# sudo only when it has something to install. Exits non-zero, saying why, when it cannot.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
PACKAGES=(chromium chromium-driver fonts-wqy-microhei)

fail() {
  echo "install_browser: $*" >&2
  echo "install_browser: by hand: sudo apt-get install -y ${PACKAGES[*]}" >&2
  exit 1
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }

report() {
  local version
  version=$("$CHROMIUM" --version 2>/dev/null) || fail "$CHROMIUM does not run ($CHROMIUM --version)"
  echo "install_browser: $version at $CHROMIUM"
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ] && [ -x "$CHROMIUM" ]; then
  report
  exit 0
fi
[ ${#missing[@]} -gt 0 ] || missing=(chromium)  # the package is there but the binary is not

command -v apt-get >/dev/null 2>&1 \
  || fail "${missing[*]} missing and apt-get is not available (not a Debian-based system)"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  fail "${missing[*]} missing; installing needs root or password-less sudo"
fi
apt() { "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "$@"; }

echo "install_browser: installing ${missing[*]} from the Debian archive"
if ! apt install -y --no-install-recommends "${missing[@]}"; then
  echo "install_browser: install failed; refreshing the package lists (apt-get update) and retrying"
  apt update || fail "apt-get update failed"
  apt install -y --no-install-recommends "${missing[@]}" \
    || fail "apt-get install ${missing[*]} failed"
fi
[ -x "$CHROMIUM" ] || fail "the packages installed but $CHROMIUM is still missing"
report
