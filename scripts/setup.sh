#!/usr/bin/env bash
# Installs what Ingia's commands need, pinned, and skips what is already there.
# Usage: scripts/setup.sh [wasm] [trunk] [python] [browser] [postgres] [smtp] [npm] [bench]   (no argument = all)
# Safe to run again: every step checks first. Needs no stdin (CI=true, apt non-interactive).
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
AIOSMTPD_VERSION=1.4.6
ZXING_CPP_VERSION=3.1.1
PILLOW_VERSION=13.0.0
# The wasm-bindgen CLI must equal the wasm-bindgen crate in Cargo.lock, or the JS glue mismatches.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }
export PATH="$HOME/.cargo/bin:$PATH"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
apt_updated=0
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ $apt_updated -eq 0 ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
}

# npm packages of DIR, as its package-lock.json pins them; installed again whenever the lock file
# changed since the last install.
npm_ci() {
  (cd "$1" && { cmp -s package-lock.json node_modules/.ingia-installed-lock \
    || { log "npm ci in $1"; npm ci --no-audit --no-fund --silent && cp package-lock.json node_modules/.ingia-installed-lock; }; })
}

parts=("$@"); [ ${#parts[@]} -eq 0 ] && parts=(wasm trunk python browser postgres smtp npm)

for part in "${parts[@]}"; do
  case "$part" in
    wasm)
      rustup target list --installed | grep -qx wasm32-unknown-unknown \
        || { log "rustup target add wasm32-unknown-unknown"; rustup target add wasm32-unknown-unknown; }
      ;;
    trunk)
      if ! trunk --version 2>/dev/null | grep -qx "trunk $TRUNK_VERSION"; then
        log "cargo install trunk@$TRUNK_VERSION (about 25 CPU-minutes, once)"
        cargo install --locked --quiet "trunk@$TRUNK_VERSION"
      fi
      if ! wasm-bindgen --version 2>/dev/null | grep -q "^wasm-bindgen $WASM_BINDGEN_VERSION\b"; then
        log "cargo install wasm-bindgen-cli@$WASM_BINDGEN_VERSION (about 10 CPU-minutes, once)"
        # Not --locked: the registry lacks one dependency pinned by its lock file.
        cargo install --quiet --force "wasm-bindgen-cli@$WASM_BINDGEN_VERSION"
      fi
      # wasm-opt from npm's binaryen and terser (tools/package.json); the scripts put
      # tools/node_modules/.bin first on PATH for Trunk. Debian's binaryen 108 breaks the
      # reference-types tables.
      npm_ci tools
      # The build's post-build hook writes brotli copies of the shell for the server to send.
      apt_install brotli
      ;;
    python)
      # The token vectors are cross-checked with an independent Ed25519 implementation.
      python3 -c 'import cryptography' 2>/dev/null \
        || { log "pip install cryptography"; python3 -m pip install --quiet --disable-pip-version-check cryptography; }
      ;;
    # Chromium, and the fonts its screenshots of the six languages need: DejaVu (Latin, Arabic)
    # comes with it; SIL Abyssinica draws Amharic's Ethiopic (Android phones ship their own).
    browser) apt_install chromium chromium-driver brotli fonts-dejavu-core fonts-sil-abyssinica libnss3-tools openssl ;;
    postgres) apt_install postgresql ;;
    # The decoder benchmark's reference (scripts/zxing_reference.py): zxing-cpp from PyPI, never
    # in the product.
    bench)
      python3 -c 'import zxingcpp, PIL' 2>/dev/null \
        || { log "pip install zxing-cpp==$ZXING_CPP_VERSION pillow==$PILLOW_VERSION"; python3 -m pip install --quiet --disable-pip-version-check "zxing-cpp==$ZXING_CPP_VERSION" "pillow==$PILLOW_VERSION"; }
      ;;
    # A real SMTP server on loopback for the ticket-mail tests: aiosmtpd, into the python3 on PATH.
    smtp)
      python3 -c 'import aiosmtpd' 2>/dev/null \
        || { log "pip install aiosmtpd==$AIOSMTPD_VERSION"; python3 -m pip install --quiet --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION"; }
      ;;
    npm)
      if [ -f tests/e2e/package.json ]; then npm_ci tests/e2e; fi
      ;;
    *) echo "setup: unknown part '$part'" >&2; exit 2 ;;
  esac
done
