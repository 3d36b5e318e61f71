"""Checks of a detection's fields; each failure is a `Rejected` saying exactly what is wrong."""

from __future__ import annotations

import base64
import binascii
import math

import msgspec

from cityops.detections.model import Code, Rejected, WireDetection

MAX_PIXELS = 100_000
"""No camera frame is this wide; a bigger box is a unit mistake."""

_decode = msgspec.json.Decoder(WireDetection)


def decode(raw: bytes, what: str = "body") -> WireDetection:
    """The detection in a JSON document, or Rejected (malformed JSON or a wrong shape)."""
    try:
        return _decode.decode(raw)
    except msgspec.ValidationError as exc:
        raise Rejected(Code.BAD_SHAPE, f"{what}: {exc}") from exc
    except msgspec.DecodeError as exc:
        raise Rejected(Code.MALFORMED, f"{what} is not a JSON object: {exc}") from exc


def confidence(value: float) -> float:
    if math.isfinite(value) and 0.0 <= value <= 1.0:
        return value
    hint = " (a percentage? send 0..1)" if 1.0 < value <= 100.0 else ""
    raise Rejected(Code.BAD_CONFIDENCE, f"confidence {value} is outside [0, 1]{hint}")


def bbox(box: list[float] | None) -> list[float] | None:
    """``[x, y, w, h]``: normalised when every value is within 0..1, else pixels.

    A normalised box must stay inside the frame; a pixel box only needs to be plausible, since
    we do not know the frame size.
    """
    if box is None:
        return None
    if len(box) != 4:
        raise Rejected(Code.BAD_BBOX, f"bbox must be [x, y, w, h], got {len(box)} numbers")
    x, y, w, h = box
    if not all(math.isfinite(v) for v in box):
        raise Rejected(Code.BAD_BBOX, "bbox values must be finite numbers")
    if x < 0 or y < 0:
        raise Rejected(Code.BAD_BBOX, f"bbox x and y must not be negative, got {x}, {y}")
    if w <= 0 or h <= 0:
        raise Rejected(Code.BAD_BBOX, f"bbox width and height must be positive, got {w}, {h}")
    if max(box) <= 1.0:
        if x + w > 1.0 + 1e-6 or y + h > 1.0 + 1e-6:
            raise Rejected(Code.BAD_BBOX, f"normalised bbox {box} reaches outside the frame")
    elif max(x + w, y + h) > MAX_PIXELS:
        raise Rejected(Code.BAD_BBOX, f"bbox {box} reaches beyond {MAX_PIXELS:,} pixels")
    return list(box)


def base64_image(text: str, max_bytes: int) -> bytes:
    """The bytes of `image_base64` (a data: URL prefix and line breaks are tolerated)."""
    if text.startswith("data:") and ";base64," in text[:100]:
        text = text.split(",", 1)[1]
    text = "".join(text.split())
    if len(text) // 4 * 3 > max_bytes + 2:
        size = len(text) // 4 * 3
        raise Rejected(Code.TOO_LARGE, f"image is about {size:,} bytes; the limit is {max_bytes:,}")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Rejected(Code.BAD_IMAGE, f"image_base64 is not valid base64: {exc}") from exc
