#!/usr/bin/env python3
"""Benchmark: the first load of each page of the PWA, compressed. Prints a table of the files
each page loads (scripts/sw_version.py finds them), raw, gzip -9 and brotli -q 11: the scanner's
interactive shell (against the 100 KB brotli budget), the gate engine worker it fetches once the
shell is up (needed for the first verdict), the decoder worker it fetches when the camera starts,
the wallet, the kiosk; and writes it to docs/benchmarks.md.
Usage: scripts/pwa_size.py DIST   (scripts/bench.sh builds DIST with scripts/build_pwa.sh)"""
import datetime
import gzip
import os
import pathlib
import platform
import re
import subprocess
import sys

from sw_version import PAGES, WORKERS, follow, pages

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


def sizes(data: bytes) -> tuple[int, int, int]:
    return len(data), len(gzip.compress(data, 9)), brotli_size(data)


def language_rows(root: pathlib.Path) -> list[str]:
    """Each catalogue's string literals: how many, raw and brotli bytes; the five beside English."""
    rows, extra = [], [0, 0]
    for tag in ["en", "fr", "sw", "pt", "ar", "am"]:
        src = (root / "crates/ingia-core/src/i18n" / f"{tag}.rs").read_text()
        strings = [m.encode().decode("unicode_escape").encode("latin-1").decode()
                   for m in re.findall(r'"((?:[^"\\]|\\.)*)"', src)]
        data = "\n".join(strings).encode()
        raw, br = len(data), brotli_size(data)
        if tag != "en":
            extra = [extra[0] + raw, extra[1] + br]
        rows.append(f"| {tag} | {len(strings)} | {raw:,} | {br:,} |")
    rows.append(f"| **the five beside English** | | {extra[0]:,} | **{extra[1]:,}** |")
    return rows


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    dist = pathlib.Path(sys.argv[1])
    kept = pages(dist)
    root = dist.resolve()

    def worker_files(loader: str) -> list[str]:
        return sorted("/" + str(p.relative_to(root)) for p in follow(dist, [loader]))

    engine, decoder = worker_files(WORKERS[0]), worker_files(WORKERS[1])
    measured: dict[str, tuple[int, int, int]] = {}

    def group(label: str, files: list[str]) -> tuple[list[str], list[int]]:
        rows, total = [], [0, 0, 0]
        for f in files:
            if f not in measured:
                measured[f] = sizes((dist / f.lstrip("/")).read_bytes())
            total = [a + b for a, b in zip(total, measured[f])]
            name = re.sub(r"-[0-9a-f]{16}", "", f.lstrip("/"))
            rows.append(f"| {label} | {name} | {measured[f][0]:,} | {measured[f][1]:,} | {measured[f][2]:,} |")
        return rows, total

    rows: list[str] = []
    totals: dict[str, list[int]] = {}
    for path, (html, _) in PAGES.items():
        if path not in kept:
            continue
        label = {"/": "scanner", "/wallet": "wallet", "/kiosk": "kiosk"}[path]
        # The icons and the web manifest come after the page is up (the browser asks for them).
        later = [f for f in kept[path] if f.endswith((".png", ".webmanifest"))]
        first = [f"/{html}"] + [f for f in kept[path] if f not in decoder + engine and f not in later]
        r, totals[label] = group(label, first)
        rows += r + group(f"{label}, after load", later)[0]
    for label, files in (("engine worker", engine), ("decoder worker", decoder)):
        r, totals[label] = group(label, files)
        rows += r

    def plus(*labels: str) -> list[int]:
        return [sum(t) for t in zip(*(totals[label] for label in labels))]

    scanner = totals["scanner"]
    verdict = "within" if scanner[2] <= BUDGET else "OVER"
    summary = [
        ("**scanner: interactive shell**", scanner, f"**{scanner[2]:,}** ({verdict} the 100 KB brotli budget)"),
        ("**scanner + engine worker** (to the first verdict by PIN)", plus("scanner", "engine worker"), None),
        ("**scanner + both workers** (to the first camera verdict; what a gate phone keeps)",
         plus("scanner", "engine worker", "decoder worker"), None),
        ("**wallet page** (what an attendee's phone loads and keeps)", totals.get("wallet", [0, 0, 0]), None),
        ("**kiosk page** (the workers come on top)", totals.get("kiosk", [0, 0, 0]), None),
    ]
    for name, t, brotli in summary:
        rows.append(f"| {name} | | {t[0]:,} | {t[1]:,} | {brotli or f'**{t[2]:,}**'} |")
    print("\n".join(rows))
    root = pathlib.Path(__file__).resolve().parent.parent
    langs = language_rows(root)
    print("\n".join(langs))
    doc_path = root / "docs" / "benchmarks.md"
    doc = doc_path.read_text() if doc_path.exists() else "# Benchmarks\n"
    start, end = "<!-- bench:pwa-size:start -->", "<!-- bench:pwa-size:end -->"
    body = (
        f"{start}\n## First load of each page, compressed\n\n"
        f"Command: `bash scripts/bench.sh` (runs `scripts/build_pwa.sh`, then `scripts/pwa_size.py DIST`)  \n"
        f"Measured: {datetime.date.today()} on {machine()} ({platform.machine()}). Each page is its own wasm\n"
        "module. The scanner's interactive shell is everything its html loads: the screens, the camera, the PIN\n"
        "form and the link to the workers. The gate engine worker (pairing, storage, verification, sync) is fetched\n"
        "as soon as the shell runs and is needed for the first verdict; the decoder worker when the camera starts.\n"
        "Each page's files are then kept by the service worker for offline starts (a gate phone keeps the scanner\n"
        "and both workers, an attendee's phone only the wallet). The icons and the web manifest (\"after load\")\n"
        "are not counted in the page totals.\n\n"
        "| page | file | raw | gzip -9 | brotli -q 11 |\n|---|---|---|---|---|\n" + "\n".join(rows) + "\n\n"
        "### The six languages in it\n\n"
        "Each page carries its own tables of the catalogue (crates/ingia-core/src/i18n/) in all six languages: the\n"
        "scanner the gate labels, the kiosk those and its own, the wallet its own, the engine worker its sentences;\n"
        "no page carries the SMS texts. Before the six languages (2026-12-02) the scanner's shell was 86,564 bytes\n"
        "brotli. What each language's sentences weigh, every sentence of the catalogue counted (SMS texts included:\n"
        "an upper bound), each compressed on its own (inside a page they compress together, so less):\n\n"
        "| language | sentences | raw UTF-8 | brotli -q 11 |\n|---|---|---|---|\n" + "\n".join(langs) + f"\n{end}"
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
