#!/usr/bin/env bash
# The PWA's layout rule (src/lib.rs, docs/ARCHITECTURE.md): the page (main thread) and the engine
# (worker) never import each other; they share only ingia_core::protocol and src/io/. Fails
# naming each import that crosses.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0
cross() { # folder, forbidden module
  local hits
  hits=$(grep -rnE "(crate|super)::$2\b|ingia::$2\b" "src/$1" || true)
  if [ -n "$hits" ]; then
    echo "layout: src/$1 must not import $2:"; echo "$hits"; bad=1
  fi
}
cross page engine
cross engine page
cross io page
cross io engine
[ $bad -eq 0 ] && echo "layout: page and engine meet only in ingia_core::protocol and src/io"
exit $bad
