#!/usr/bin/env bash
# Runs the Ingia product: builds the scanner PWA, then starts the sync server with a fresh demo
# event (a few hundred attendees, SQLite in ./ingia-demo) and serves both on
# http://127.0.0.1:8080. It prints the pairing links, some wallet links and the dashboard.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ingia/target}"
bash scripts/setup.sh wasm trunk
bash scripts/build_pwa.sh dist
cargo build --locked --release -p ingia-server
exec "$CARGO_TARGET_DIR/release/ingia-server" --data-dir ingia-demo demo \
  --listen "127.0.0.1:${PORT:-8080}" --static-dir dist "$@"
