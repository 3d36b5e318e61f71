"""Query parameters shared by the read routes: times, buckets, cursors."""

from __future__ import annotations

import re
from datetime import datetime

from fastapi import HTTPException

_BUCKET = re.compile(r"^(\d+)([smhd]?)$")
_UNIT_MS = {"": 1000, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


def parse_time(value: str | None, default: int, name: str) -> int:
    """Epoch milliseconds, or ISO 8601 with an offset."""
    if value is None or value == "":
        return default
    if value.lstrip("-").isdigit():
        return int(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise HTTPException(400, f"{name}: expected epoch ms or ISO 8601, got {value!r}") from exc
    if moment.tzinfo is None:
        raise HTTPException(400, f"{name}: ISO 8601 time needs an offset (Z or +08:00)")
    return round(moment.timestamp() * 1000)


def parse_bucket(value: str) -> int:
    """'300', '5m', '1h', '1d' → milliseconds."""
    match = _BUCKET.match(value.strip())
    if not match or int(match.group(1)) == 0:
        raise HTTPException(400, f"bucket: expected e.g. 60s, 5m, 1h, 1d; got {value!r}")
    return int(match.group(1)) * _UNIT_MS[match.group(2)]
