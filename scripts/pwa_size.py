#!/usr/bin/env python3
"""Benchmark: the scanner's first load, compressed. Prints a table of the built PWA's files
(html, js, wasm, css) raw, gzip -9 and brotli -q 11, and writes it to docs/benchmarks.md.
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


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    dist = pathlib.Path(sys.argv[1])
    files = sorted(p for p in dist.iterdir() if p.suffix in (".html", ".js", ".wasm", ".css"))
    rows, total = [], [0, 0, 0]
    for p in files:
        data = p.read_bytes()
        sizes = (len(data), len(gzip.compress(data, 9)), brotli_size(data))
        total = [a + b for a, b in zip(total, sizes)]
        name = re.sub(r"-[0-9a-f]{16}", "", p.name)
        rows.append(f"| {name} | {sizes[0]:,} | {sizes[1]:,} | {sizes[2]:,} |")
    verdict = "within" if total[2] <= BUDGET else "OVER"
    rows.append(f"| **first load** | {total[0]:,} | {total[1]:,} | {total[2]:,} ({verdict} the 100 KB brotli budget) |")
    print("\n".join(rows))
    root = pathlib.Path(__file__).resolve().parent.parent
    doc_path = root / "docs" / "benchmarks.md"
    doc = doc_path.read_text() if doc_path.exists() else "# Benchmarks\n"
    start, end = "<!-- bench:pwa-size:start -->", "<!-- bench:pwa-size:end -->"
    body = (
        f"{start}\n## Scanner first load, compressed\n\n"
        f"Command: `bash scripts/bench.sh` (runs `trunk build --release`, then `scripts/pwa_size.py DIST`)  \n"
        f"Measured: {datetime.date.today()} on {machine()} ({platform.machine()}). Bytes of the files the first visit\n"
        f"downloads (the decoder worker is not built yet).\n\n"
        "| file | raw | gzip -9 | brotli -q 11 |\n|---|---|---|---|\n" + "\n".join(rows) + f"\n{end}"
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
