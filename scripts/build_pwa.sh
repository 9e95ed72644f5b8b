#!/usr/bin/env bash
# Builds the PWA (release) into DIST (default: dist): three pages, one Trunk run each, merged
# into one directory: index.html (the scanner, with the decoder worker), wallet.html and
# kiosk.html (the kiosk uses the scanner's decoder worker from the same directory). Then
# scripts/minify_js.mjs minifies the JavaScript (terser) and fixes the html's integrity hashes, and
# scripts/sw_version.py stamps the service worker with each page's files and writes the
# precompressed copies the server sends. Trunk downloads nothing (Trunk.toml: offline).
# Usage: scripts/build_pwa.sh [DIST]
set -euo pipefail
cd "$(dirname "$0")/.."
# Trunk takes wasm-opt from PATH: npm's binaryen (tools/), never Debian's v108 (scripts/setup.sh).
export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
dist="${1:-dist}"
pages="${CARGO_TARGET_DIR:-target}/pages"
# The build's name, which each gate phone reports (the console's device list): a hash of what
# the app is built from, so it changes only when the app does (and so does no extra rebuild).
INGIA_BUILD=$(find src crates/ingia-core/src crates/ingia-decoder/src public style Cargo.lock Cargo.toml index.html \
  wallet.html kiosk.html -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-10)
export INGIA_BUILD
trunk build --offline --release --dist "$dist"
for page in wallet kiosk; do
  rm -rf "$pages/$page"
  trunk build "$page.html" --offline --release --html-output "$page.html" --dist "$pages/$page"
  cp -R "$pages/$page/." "$dist/"
done
node scripts/minify_js.mjs "$dist"
python3 scripts/sw_version.py "$dist"
