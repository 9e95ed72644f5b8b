#!/usr/bin/env python3
"""Finishes a built PWA (scripts/build_pwa.sh runs it on the merged dist): stamps the service
worker with a hash of the build and, for each page (`/` index.html, `/wallet` wallet.html,
`/kiosk` kiosk.html), the files that page loads (found by following what its html and scripts
load: the wasm and its js, the snippets, css, icons, web manifest; the gate engine and decoder
workers for the pages that scan), then writes `.br`
(brotli -q 11, when the CLI is there) and `.gz` copies that the server sends to browsers that
accept them. A new build is a new sw.js, so phones install it, cache again the pages they keep
under a new name and drop the old one; an unchanged build leaves sw.js byte-identical.
Usage: scripts/sw_version.py DIST"""
import gzip
import hashlib
import pathlib
import re
import shutil
import subprocess
import sys

# Each page of the app: its path, its html file, and whether it scans (then the workers, which
# link.js and camera.js start and Trunk writes beside index.html, are among its files).
PAGES = {"/": ("index.html", True), "/wallet": ("wallet.html", False), "/kiosk": ("kiosk.html", True)}
WORKERS = ["engine-loader.js", "ingia-decoder_loader.js"]
# What a file loads: html links, scripts and module imports; js imports and worker scripts (a
# string that merely looks like a path is not followed); css urls; web manifest icons.
LOADS = {
    ".html": re.compile(r"""(?:href|src)="([^"]+)"|\bfrom\s*['"]([^'"]+)['"]|module_or_path:\s*['"]([^'"]+)['"]"""),
    ".js": re.compile(r"""(?:\bfrom\s*|\bimport\s*\(\s*|importScripts\(\s*|wasm_bindgen\(\s*)['"]([^'"]+)['"]"""),
    ".css": re.compile(r"""url\(\s*['"]?([^'")]+)"""),
    ".webmanifest": re.compile(r""""src"\s*:\s*"([^"]+)\""""),
}
COMPRESSED = (".html", ".js", ".wasm", ".css", ".webmanifest")


def follow(dist: pathlib.Path, starts: list[str]) -> set[pathlib.Path]:
    """The files `starts` (relative to DIST) are and load, directly or through what they load."""
    root = dist.resolve()
    seen = {root / s for s in starts}
    todo = list(seen)
    while todo:
        at = todo.pop()
        pattern = LOADS.get(at.suffix)
        if pattern is None:
            continue
        for found in pattern.findall(at.read_text(errors="replace")):
            ref = next(g for g in found if g) if isinstance(found, tuple) else found
            if ref.startswith(("http:", "https:", "data:", "#")):
                continue
            path = ((root / ref.lstrip("/")) if ref.startswith("/") else (at.parent / ref)).resolve()
            if path.is_file() and path not in seen and path.is_relative_to(root) and path.name != "sw.js":
                seen.add(path)
                todo.append(path)
    return seen


def page_files(dist: pathlib.Path, html: str, scans: bool) -> list[str]:
    """The files `html` loads, and the workers' files for a page that scans (absolute paths, sorted)."""
    root = dist.resolve()
    files = follow(dist, [html] + (WORKERS if scans else [])) - {root / html}
    return sorted("/" + str(p.relative_to(root)) for p in files)


def pages(dist: pathlib.Path) -> dict[str, list[str]]:
    """Each built page's path and the files it loads."""
    return {path: page_files(dist, html, scans) for path, (html, scans) in PAGES.items() if (dist / html).is_file()}


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    dist = pathlib.Path(sys.argv[1])
    sw = dist / "sw.js"
    files = sorted(p for p in dist.rglob("*") if p.is_file() and p.name != "sw.js" and p.suffix not in (".br", ".gz"))
    digest = hashlib.sha256()
    for p in files:
        digest.update(str(p.relative_to(dist)).encode() + b"\0" + p.read_bytes())
    version = digest.hexdigest()[:16]
    kept = pages(dist)
    text = sw.read_text()
    if "'__BUILD_VERSION__'" not in text or "'__BUILD_PAGES__'" not in text:
        sys.exit("sw.js has no __BUILD_VERSION__/__BUILD_PAGES__ placeholders")
    text = text.replace("'__BUILD_VERSION__'", repr(version)).replace("'__BUILD_PAGES__'", repr(kept))
    sw.write_text(text)
    print(f"sw.js: build {version}; " + ", ".join(f"{p} {len(f)} files" for p, f in kept.items()))

    # Precompressed copies for the server (it serves `.br` or `.gz` when the browser accepts them).
    brotli = shutil.which("brotli")
    for p in files + [sw]:
        if p.suffix not in COMPRESSED:
            continue
        data = p.read_bytes()
        p.with_name(p.name + ".gz").write_bytes(gzip.compress(data, 9, mtime=0))
        if brotli:
            subprocess.run([brotli, "-f", "-q", "11", "-o", str(p) + ".br", str(p)], check=True)
    print(f"precompressed: gzip{' and brotli' if brotli else ' (no brotli CLI: gzip only)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
