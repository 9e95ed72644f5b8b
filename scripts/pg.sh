#!/usr/bin/env bash
# Starts a throwaway PostgreSQL (Debian's package) on loopback for the tests and prints its URL.
# Usage: scripts/pg.sh start | stop        Data lives in /tmp/ingia-pg (trust auth, 127.0.0.1 only).
set -euo pipefail
PORT="${INGIA_PG_PORT:-55432}"
DATA=/tmp/ingia-pg
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$BIN" ] || { echo "pg.sh: PostgreSQL is not installed (scripts/setup.sh postgres)" >&2; exit 1; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "${1:-start}" in
  start)
    if ! as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      if [ ! -f "$DATA/PG_VERSION" ]; then
        mkdir -p "$DATA"; [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$DATA"
        as_pg "$BIN/initdb" -D "$DATA" --auth=trust --username=postgres -E UTF8 >/dev/null
      fi
      as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
        -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" start >/dev/null
    fi
    echo "postgres://postgres@127.0.0.1:$PORT/postgres"
    ;;
  stop) as_pg "$BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true ;;
  *) echo "usage: scripts/pg.sh start|stop" >&2; exit 2 ;;
esac
