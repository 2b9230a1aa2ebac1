#!/usr/bin/env python3
"""Boundary inputs for the image decoders (Tests/SegmentationTests/Fixtures/fuzz/), each named for what
must happen to it: `decodes-*` decodes to an image within the limits, `refused-*` is refused by both
decoders with a one-line error. The fuzz test decodes every file here first; an input a fuzzing run
(AUXSWEEP_FUZZ_SECONDS) finds a problem with is kept here too, under the name of its expected outcome.
Only the standard library: PNG chunks are written by hand. Run:

    python3 tools/reference/make_decoder_corpus.py
"""
import os
import struct
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "SegmentationTests", "Fixtures", "fuzz")
SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunk(kind, data, crc=None):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) if crc is None else crc)


def png(width, height, rows, colour=0, depth=8, palette=None, ihdr_crc=None, cut=None, end=True):
    """A PNG of raw scanlines (each already starting with its filter byte)."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    idat = zlib.compress(b"".join(rows))
    if cut is not None:
        idat = idat[:cut]
    parts = [SIGNATURE, chunk(b"IHDR", ihdr, ihdr_crc)]
    if palette is not None:
        parts.append(chunk(b"PLTE", palette))
    parts.append(chunk(b"IDAT", idat))
    if end:
        parts.append(chunk(b"IEND", b""))
    return b"".join(parts)


def grey_rows(width, height, filter_byte=0):
    return [bytes([filter_byte]) + bytes((x * 16 + y) % 256 for x in range(width)) for y in range(height)]


def main():
    palette = bytes(c for k in range(4) for c in (k * 60, 255 - k * 60, 128))
    files = {
        "decodes-grey-8x8.png": png(8, 8, grey_rows(8, 8)),
        "decodes-palette-8x8.png": png(8, 8, [b"\x00" + bytes(x % 4 for x in range(8))] * 8, colour=3, palette=palette),
        "refused-narrow-7x8.png": png(7, 8, grey_rows(7, 8)),
        "refused-area-6001x6000.png": png(6001, 6000, grey_rows(8, 8)),
        "refused-header-2147483647-square.png": png(2**31 - 1, 2**31 - 1, grey_rows(8, 8)),
        "refused-truncated-pixels.png": png(16, 16, grey_rows(16, 16), cut=20, end=False),
        "refused-bad-filter-byte.png": png(8, 8, grey_rows(8, 8, filter_byte=7)),
        "refused-header-crc.png": png(8, 8, grey_rows(8, 8), ihdr_crc=0),
        "refused-png-signature-only.png": SIGNATURE,
        "refused-jpeg-signature-then-noise.jpg": b"\xff\xd8\xff\xe0" + bytes((k * 37) % 256 for k in range(200)),
        "refused-gif.gif": b"GIF89a" + bytes(32),
        "refused-empty.png": b"",
    }
    os.makedirs(OUT, exist_ok=True)
    for name, data in sorted(files.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(files)} files to {OUT}")


if __name__ == "__main__":
    main()
