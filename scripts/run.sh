#!/usr/bin/env bash
# Runs the Ingia product locally: builds the scanner PWA and serves it on http://127.0.0.1:8080.
# (The sync server with its demo event joins this command when crates/ingia-server lands.)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ingia/target}"
bash scripts/setup.sh wasm trunk
trunk build --offline --release
echo "Ingia scanner shell: http://127.0.0.1:${PORT:-8080}/  (Ctrl-C to stop)"
exec python3 -m http.server "${PORT:-8080}" --bind 127.0.0.1 --directory dist
