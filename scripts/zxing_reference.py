#!/usr/bin/env python3
"""zxing-cpp's read rate on a directory of frames, as the reference for Ingia's decoder.

Usage: scripts/zxing_reference.py DIR   DIR holds CONDITION__N.pgm frames and CONDITION__N.txt
texts (examples/decode_bench.rs writes them). Prints one JSON object: condition -> [read, total].
A benchmark tool only (PyPI's zxing-cpp, installed by `scripts/setup.sh bench`); the product
never uses it.
"""
import json
import pathlib
import sys

import zxingcpp
from PIL import Image


def main() -> None:
    root = pathlib.Path(sys.argv[1])
    rates: dict[str, list[int]] = {}
    for frame in sorted(root.glob("*.pgm")):
        condition = frame.stem.split("__")[0].replace("_", " ")
        want = frame.with_suffix(".txt").read_text()
        got = [r.text for r in zxingcpp.read_barcodes(Image.open(frame), formats=zxingcpp.BarcodeFormat.QRCode)]
        rate = rates.setdefault(condition, [0, 0])
        rate[0] += int(want in got)
        rate[1] += 1
    print(json.dumps(rates))


if __name__ == "__main__":
    main()
