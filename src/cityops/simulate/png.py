"""Tiny PNG snapshots for simulated detections, encoded with zlib and struct (no imaging library).

A snapshot is a small RGB picture: a gradient street scene with the detected thing drawn as a
coloured box where the bounding box says. It only has to be a real PNG that differs from one
detection to the next, so that each one is kept as evidence of its own.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def encode_png(width: int, height: int, rgb_rows: Sequence[bytes]) -> bytes:
    """An 8-bit RGB PNG from `height` rows of `3 * width` bytes each."""
    if len(rgb_rows) != height or any(len(row) != 3 * width for row in rgb_rows):
        raise ValueError(f"need {height} rows of {3 * width} bytes")
    raw = b"".join(b"\x00" + row for row in rgb_rows)  # filter type 0 (none) on every row
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data)
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def snapshot(
    box: Sequence[float], colour: tuple[int, int, int], grain: int, size: tuple[int, int] = (48, 32)
) -> bytes:
    """A `size` picture with a normalised `box` ``[x, y, w, h]`` filled with `colour`;
    `grain` (any integer) varies the background, so two snapshots rarely share bytes."""
    width, height = size
    x0, y0 = round(box[0] * width), round(box[1] * height)
    x1, y1 = (
        max(round((box[0] + box[2]) * width), x0 + 1),
        max(round((box[1] + box[3]) * height), y0 + 1),
    )
    rows: list[bytes] = []
    for y in range(height):
        row = bytearray()
        for x in range(width):
            if x0 <= x < x1 and y0 <= y < y1:
                row += bytes(colour)
            else:
                shade = (90 + y * 3 + ((grain >> ((x + y) % 24)) & 7)) % 256
                row += bytes((shade, shade, min(shade + 20, 255)))
        rows.append(bytes(row))
    return encode_png(width, height, rows)
