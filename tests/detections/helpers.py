"""Builders for detection tests: a detection body and inline images."""

from __future__ import annotations

import base64
from typing import Any

from cityops.simulate.png import snapshot

GARBAGE = {"vendor": "hk-vision", "label": "garbage_exposed", "confidence": 0.9}


def png(grain: int = 1) -> bytes:
    return snapshot([0.3, 0.4, 0.2, 0.2], (120, 90, 40), grain)


def detection(
    camera_id: str, ts: int | str, grain: int | None = 1, **fields: Any
) -> dict[str, Any]:
    """A valid exposed-garbage detection with an inline PNG (none when `grain` is None)."""
    body: dict[str, Any] = {**GARBAGE, "camera_id": camera_id, "ts": ts}
    body["bbox"] = [0.3, 0.4, 0.2, 0.2]
    if grain is not None:
        body["image_base64"] = base64.b64encode(png(grain)).decode()
    body.update(fields)
    return body
