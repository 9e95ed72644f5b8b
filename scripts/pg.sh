#!/usr/bin/env bash
# Starts a throwaway PostgreSQL (Debian's package) on loopback for the tests and prints its URL.
# Usage: scripts/pg.sh start | stop        Data lives in /tmp/ingia-pg (trust auth, 127.0.0.1 only).
# The port is INGIA_PG_PORT (55432) or, when something else holds it, the next free one; the
# socket lives in the data directory, so a stale lock of another cluster in /tmp cannot stop it.
# When the server will not start, its log is printed.
set -euo pipefail
DATA=/tmp/ingia-pg
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$BIN" ] || { echo "pg.sh: PostgreSQL is not installed (scripts/setup.sh postgres)" >&2; exit 1; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
running_port() { sed -n 4p "$DATA/postmaster.pid" 2>/dev/null; }
case "${1:-start}" in
  start)
    if as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      echo "postgres://postgres@127.0.0.1:$(running_port)/postgres"; exit 0
    fi
    if [ ! -f "$DATA/PG_VERSION" ]; then
      rm -rf "$DATA"; mkdir -p "$DATA"; [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$DATA"
      as_pg "$BIN/initdb" -D "$DATA" --auth=trust --username=postgres -E UTF8 >/dev/null
    fi
    port="${INGIA_PG_PORT:-55432}"
    for attempt in 1 2 3; do
      while ! port_free "$port"; do port=$((port + 1)); done
      opts="-p $port -k $DATA -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off"
      # A machine without a usable /dev/shm still runs it on the second try.
      [ "$attempt" -gt 1 ] && opts="$opts -c dynamic_shared_memory_type=mmap -c shared_buffers=32MB"
      if as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 -o "$opts" start >/dev/null; then
        echo "postgres://postgres@127.0.0.1:$port/postgres"; exit 0
      fi
      echo "pg.sh: PostgreSQL did not start on port $port (attempt $attempt); its log:" >&2
      tail -n 20 "$DATA/server.log" >&2 || true
      port=$((port + 1))
    done
    exit 1
    ;;
  stop)
    as_pg "$BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true
    # A server whose pg_ctl cannot reach it must not outlive its data directory.
    pid=$(sed -n 1p "$DATA/postmaster.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -INT "$pid" 2>/dev/null || true; sleep 1; fi
    ;;
  *) echo "usage: scripts/pg.sh start|stop" >&2; exit 2 ;;
esac
