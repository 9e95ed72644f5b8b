#!/usr/bin/env python3
"""Benchmark: the scanner's first load, compressed. Prints a table of the built PWA's files raw,
gzip -9 and brotli -q 11 in three groups (the interactive shell: html, the page's js and wasm,
its js snippets, css; the decoder worker, fetched when the camera starts; the rest the service
worker precaches), and writes it to docs/benchmarks.md.
Usage: scripts/pwa_size.py DIST   (scripts/bench.sh builds DIST with `trunk build --release`)"""
import datetime
import gzip
import os
import pathlib
import platform
import re
import subprocess
import sys

BUDGET = 100 * 1024


def brotli_size(data: bytes) -> int:
    return len(subprocess.run(["brotli", "-c", "-q", "11"], input=data, capture_output=True, check=True).stdout)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}"


def group(path: pathlib.Path) -> str:
    if path.name.startswith("ingia-decoder"):
        return "decoder worker"
    if path.suffix in (".html", ".js", ".wasm", ".css") and path.name != "sw.js":
        return "interactive shell"
    return "precached too"


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    dist = pathlib.Path(sys.argv[1])
    files = sorted(
        (p for p in dist.rglob("*") if p.is_file() and p.suffix not in (".br", ".gz")), key=lambda p: (group(p), str(p))
    )
    rows, sums = [], {}
    for p in files:
        data = p.read_bytes()
        sizes = (len(data), len(gzip.compress(data, 9)), brotli_size(data))
        g = group(p)
        sums[g] = [a + b for a, b in zip(sums.get(g, [0, 0, 0]), sizes)]
        name = re.sub(r"-[0-9a-f]{16}", "", str(p.relative_to(dist)))
        rows.append(f"| {g} | {name} | {sizes[0]:,} | {sizes[1]:,} | {sizes[2]:,} |")
    shell = sums["interactive shell"]
    verdict = "within" if shell[2] <= BUDGET else "OVER"
    rows.append(f"| **interactive shell** | | {shell[0]:,} | {shell[1]:,} | **{shell[2]:,}** ({verdict} the 100 KB brotli budget) |")
    with_worker = [a + b for a, b in zip(shell, sums.get("decoder worker", [0, 0, 0]))]
    rows.append(f"| **shell + decoder worker** | | {with_worker[0]:,} | {with_worker[1]:,} | **{with_worker[2]:,}** |")
    everything = [sum(v[i] for v in sums.values()) for i in range(3)]
    rows.append(f"| **everything the first visit caches** | | {everything[0]:,} | {everything[1]:,} | {everything[2]:,} |")
    print("\n".join(rows))
    root = pathlib.Path(__file__).resolve().parent.parent
    doc_path = root / "docs" / "benchmarks.md"
    doc = doc_path.read_text() if doc_path.exists() else "# Benchmarks\n"
    start, end = "<!-- bench:pwa-size:start -->", "<!-- bench:pwa-size:end -->"
    body = (
        f"{start}\n## Scanner first load, compressed\n\n"
        f"Command: `bash scripts/bench.sh` (runs `trunk build --release`, then `scripts/pwa_size.py DIST`)  \n"
        f"Measured: {datetime.date.today()} on {machine()} ({platform.machine()}). The interactive shell is what\n"
        "the page needs before it can pair, show the gate and take a PIN; the decoder worker is fetched when the\n"
        "camera starts; the service worker then caches everything for offline starts.\n\n"
        "| group | file | raw | gzip -9 | brotli -q 11 |\n|---|---|---|---|---|\n" + "\n".join(rows) + f"\n{end}"
    )
    if start in doc and end in doc:
        doc = doc[: doc.index(start)] + body + doc[doc.index(end) + len(end):]
    else:
        doc = doc.rstrip() + "\n\n" + body + "\n"
    doc_path.write_text(doc)
    print(f"wrote section 'pwa-size' of {doc_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
