#!/usr/bin/env python3
"""Trunk post-build hook: stamps the service worker with a hash of the build and the list of
files it must precache (index.html, the hashed files, the decoder worker, the snippets, the
icons), then writes `.br` (brotli -q 11, when the CLI is there) and `.gz` copies that the
server sends to browsers that accept them. A new build is a new sw.js, so phones install it, cache the new shell under a new name
and drop the old one; an unchanged build leaves sw.js byte-identical."""
import gzip
import hashlib
import os
import shutil
import subprocess
import pathlib
import sys

stage = pathlib.Path(os.environ.get("TRUNK_STAGING_DIR") or sys.argv[1])
sw = stage / "sw.js"
files = sorted(p for p in stage.rglob("*") if p.is_file() and p.name != "sw.js" and p.suffix not in (".br", ".gz"))
digest = hashlib.sha256()
for p in files:
    digest.update(str(p.relative_to(stage)).encode() + b"\0" + p.read_bytes())
version = digest.hexdigest()[:16]
shell = ["/"] + ["/" + str(p.relative_to(stage)) for p in files if p.name != "index.html"]
text = sw.read_text()
if "__BUILD_VERSION__" not in text or "__BUILD_FILES__" not in text:
    sys.exit("sw.js has no __BUILD_VERSION__/__BUILD_FILES__ placeholders")
text = text.replace("'__BUILD_VERSION__'", repr(version)).replace("'__BUILD_FILES__'", repr(shell))
sw.write_text(text)
print(f"sw.js: build {version}, {len(shell)} files to precache")

# Precompressed copies for the server (it serves `.br` or `.gz` when the browser accepts them).
brotli = shutil.which("brotli")
for p in files + [sw]:
    if p.suffix not in (".html", ".js", ".wasm", ".css", ".webmanifest"):
        continue
    data = p.read_bytes()
    p.with_name(p.name + ".gz").write_bytes(gzip.compress(data, 9, mtime=0))
    if brotli:
        subprocess.run([brotli, "-f", "-q", "11", "-o", str(p) + ".br", str(p)], check=True)
print(f"precompressed: gzip{' and brotli' if brotli else ' (no brotli CLI: gzip only)'}")
