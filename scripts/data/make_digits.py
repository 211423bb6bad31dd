#!/usr/bin/env python3
"""Writes examples/data/digits.bin.gz: scikit-learn's copy of the UCI 8x8 handwritten digits.

Run with a Python that has scikit-learn (the data ships inside its package, nothing is
downloaded): `/work/tfenv/bin/python scripts/data/make_digits.py`. The output is byte-for-byte
reproducible (gzip without a file name or time stamp), so re-running it leaves the committed
file unchanged unless scikit-learn's copy of the data changes.

Layout before gzip (all integers little-endian), read by examples/demo/data.ts:
    bytes 0..8    magic b"SFDIGIT1"
    bytes 8..12   u32 image count n (1797)
    byte  12      u8 rows (8)
    byte  13      u8 columns (8)
    byte  14      u8 classes (10)
    byte  15      u8 largest pixel value (16)
    then n*rows*columns pixel bytes, row-major, image after image (values 0..16)
    then n label bytes (0..9), in the same order
The images keep scikit-learn's order; the demo makes its own seeded split.
"""

import gzip
import io
import struct
import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

MAGIC = b"SFDIGIT1"
OUT = Path(__file__).resolve().parents[2] / "examples" / "data" / "digits.bin.gz"


def encode(images: np.ndarray, labels: np.ndarray) -> bytes:
    n, rows, cols = images.shape
    pixels = images.astype(np.int64)
    # The source holds float64 counts of "on" pixels in 4x4 blocks: exact small integers.
    if not np.array_equal(pixels, images) or pixels.min() < 0 or pixels.max() > 16:
        raise ValueError("expected integer pixels in 0..16")
    if labels.min() < 0 or labels.max() > 9 or labels.shape != (n,):
        raise ValueError("expected one label in 0..9 per image")
    header = MAGIC + struct.pack("<IBBBB", n, rows, cols, 10, 16)
    return header + pixels.astype(np.uint8).tobytes() + labels.astype(np.uint8).tobytes()


def gzip_reproducibly(raw: bytes) -> bytes:
    buffer = io.BytesIO()
    # mtime=0 and no file name: the same input always gives the same bytes.
    with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=buffer, mtime=0) as f:
        f.write(raw)
    return buffer.getvalue()


def main() -> int:
    digits = load_digits()
    raw = encode(digits.images, digits.target)
    packed = gzip_reproducibly(raw)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(packed)
    counts = np.bincount(digits.target, minlength=10).tolist()
    print(f"wrote {OUT} ({len(packed)} bytes; {len(raw)} raw): {len(digits.target)} images, class counts {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
