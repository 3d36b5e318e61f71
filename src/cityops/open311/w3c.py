"""Datetimes as the GeoReport spec wants them: the W3C profile of ISO 8601, with an offset.

Out: seconds precision in the district's offset (``2026-01-01T08:00:00+08:00``).
In: any W3C form (``2026``, ``2026-01``, ``2026-01-01``, ``…Thh:mm[:ss[.s]]TZD``); a date
without a time is midnight in the district, since a citizen's "1 January" is local.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

_W3C = re.compile(
    r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?P<time>T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?)?)?$"
)


def format_w3c(ms: int, tz: timezone) -> str:
    return datetime.fromtimestamp(ms / 1000, tz).isoformat(timespec="seconds")


def parse_w3c(text: str, tz: timezone) -> int:
    """Epoch milliseconds; ValueError names what was expected."""
    match = _W3C.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"expected a W3C datetime such as 2026-01-01T00:00:00+08:00, got {text!r}")
    try:
        if match["time"]:
            moment = datetime.fromisoformat(match[0])
        else:
            year, month, day = int(match["year"]), int(match["month"] or 1), int(match["day"] or 1)
            moment = datetime(year, month, day, tzinfo=tz)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid datetime: {exc}") from exc
    return round(moment.timestamp() * 1000)
