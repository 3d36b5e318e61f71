"""Image bytes for tests: a real PNG from the simulator's encoder, and JPEG/WebP headers."""

from __future__ import annotations

from cityops.simulate.png import snapshot


def png(grain: int = 1) -> bytes:
    return snapshot([0.25, 0.25, 0.5, 0.5], (200, 60, 40), grain)


JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\x00" * 64
    + (b"\xff\xd9")
)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + b"\x00" * 24
