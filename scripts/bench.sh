#!/usr/bin/env bash
# Runs every benchmark program; each prints its numbers and rewrites its section of
# docs/benchmarks.md. Release builds; a throwaway PostgreSQL on loopback for the sync benchmark;
# Debian's Chromium for the browser figures.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ingia/target}"
bash scripts/setup.sh wasm trunk browser postgres npm bench
cargo run --locked --release -p ingia-core --example core_bench
cargo run --locked --release -p ingia-core --example wire_bench
# The frame decoder fuzzed from a new seed for 10 minutes (the test command replays a fixed one):
# a failure prints its seed; INGIA_DECODER_FUZZ_KEEP keeps its image for the regression test.
INGIA_DECODER_FUZZ_SECS=600 INGIA_DECODER_FUZZ_KEEP="$PWD/crates/ingia-core/tests/data/decoder-faults" \
  cargo test --locked --release -p ingia-core --test decoder_fuzz -- --nocapture
# A budget phone's camera: the generated frames, against zxing-cpp on the same frames.
cargo run --locked --release -p ingia-core --example decode_bench -- --poor-camera --write
pg_url=$(bash scripts/pg.sh start)
trap 'bash scripts/pg.sh stop' EXIT
INGIA_BENCH_PG_URL="$pg_url" cargo run --locked --release -p ingia-server --example sync_bench
# 500 gates for 10 minutes of doors with faults and two kills, on SQLite and on PostgreSQL with two instances.
cargo build --locked --release -p ingia-server
cargo run --locked --release -p ingia-server --example fleet_soak -- --secs 600 --postgres "$pg_url" --write
cargo run --locked --release -p ingia-server --example console_size
# The live stream against the release binary: 1,000 open sockets on each side.
cargo build --locked --release -p ingia-server
(ulimit -n 8192 && cargo run --locked --release -p ingia-server --example live_bench)
bash scripts/build_pwa.sh "$CARGO_TARGET_DIR/dist-bench"
python3 scripts/pwa_size.py "$CARGO_TARGET_DIR/dist-bench"
# The decoder worker per frame and QR-to-verdict, in Chromium against a real server.
cargo build --locked --release -p ingia-server
(cd tests/e2e && INGIA_SERVER_BIN="$CARGO_TARGET_DIR/release/ingia-server" INGIA_DIST="$CARGO_TARGET_DIR/dist-bench" node bench.mjs)
# A 100,000-ticket event at 4x and 6x CPU on Slow 4G (the DevTools protocol), and a gate's CPU idle and busy.
(cd tests/e2e && INGIA_SERVER_BIN="$CARGO_TARGET_DIR/release/ingia-server" INGIA_DIST="$CARGO_TARGET_DIR/dist-bench" node scale_bench.mjs)
