"""Why a reading was rejected: a stable code (for counting and filtering) and a precise message."""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    MALFORMED_JSON = "malformed_json"
    BAD_SHAPE = "bad_shape"
    TOO_LARGE = "too_large"
    UNKNOWN_DEVICE = "unknown_device"
    FORBIDDEN_DEVICE = "forbidden_device"
    DEVICE_MISMATCH = "device_mismatch"
    BAD_TIMESTAMP = "bad_timestamp"
    FUTURE_TIMESTAMP = "future_timestamp"
    UNKNOWN_PROPERTY = "unknown_property"
    MISSING_PROPERTY = "missing_property"
    WRONG_TYPE = "wrong_type"
    OUT_OF_RANGE = "out_of_range"
    NOT_FINITE = "not_finite"
    RATE_LIMITED = "rate_limited"


class Invalid(Exception):
    """Raised inside parsing/validation of one item; carries the code and message."""

    def __init__(self, code: Code, message: str) -> None:
        super().__init__(f"{code.value}: {message}")
        self.code = code
        self.reason = f"{code.value}: {message}"
