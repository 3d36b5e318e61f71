"""What a video-analytics vendor sends, what we keep of it, and why we refuse some of it."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import msgspec

from cityops.core.errors import CityOpsError

Text64 = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Text100 = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class WireDetection(msgspec.Struct, forbid_unknown_fields=True):
    """A detection as vendors post it (JSON, or the `metadata` part of a multipart upload).

    `ts` is epoch milliseconds or ISO 8601 with an offset; `bbox` is ``[x, y, w, h]`` in pixels
    or normalised to the frame (every value within 0..1); the image is at most one of
    `image_base64`, `image_url` or a multipart `image` file.
    """

    vendor: Text64
    camera_id: Text64
    label: Text100
    confidence: float
    ts: int | str
    bbox: list[float] | None = None
    image_url: str | None = None
    image_base64: str | None = None


class Outcome(StrEnum):
    EVENT = "event"
    """Mapped and confident enough: it opened an event or joined an open one."""
    BELOW_CONFIDENCE = "below_confidence"
    UNMAPPED = "unmapped"
    """The vendor's label has no mapping; kept so an operator can see what to map."""


class Detection(msgspec.Struct, frozen=True, kw_only=True):
    """A stored detection: every accepted one is kept, whatever its outcome."""

    id: str
    vendor: str
    camera_id: str
    label: str
    confidence: float
    bbox: list[float] | None
    ts: int
    class_code: str | None
    evidence_id: str | None
    event_id: str | None
    outcome: Outcome
    received_at: int


class Code(StrEnum):
    """Why a detection was refused; the first word of every reason, as in dead letters."""

    MALFORMED = "malformed"
    BAD_SHAPE = "bad_shape"
    TOO_LARGE = "too_large"
    UNSUPPORTED_MEDIA = "unsupported_media"
    FORBIDDEN_DEVICE = "forbidden_device"
    UNKNOWN_DEVICE = "unknown_device"
    NOT_A_CAMERA = "not_a_camera"
    UNKNOWN_VENDOR = "unknown_vendor"
    BAD_TIMESTAMP = "bad_timestamp"
    FUTURE_TIMESTAMP = "future_timestamp"
    BAD_CONFIDENCE = "bad_confidence"
    BAD_BBOX = "bad_bbox"
    BAD_IMAGE = "bad_image"
    UNSUPPORTED_IMAGE = "unsupported_image"


class Rejected(CityOpsError):
    """A detection that cannot be accepted, with the reason both its sender and its dead letter
    get (``<code>: <message>``)."""

    def __init__(self, code: Code, message: str) -> None:
        super().__init__(f"{code.value}: {message}")
        self.code = code
        self.reason = f"{code.value}: {message}"
