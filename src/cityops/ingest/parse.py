"""Turn a payload into items: one reading, a JSON array of readings, or NDJSON.

Each item keeps its own raw bytes, so a rejected item is dead-lettered exactly as it arrived
while its siblings in the same payload are still accepted.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from typing import Any

import msgspec

from cityops.ingest.reasons import Code, Invalid

EARLIEST_TS = 946_684_800_000  # 2000-01-01T00:00:00Z: anything earlier is a unit mistake


class WireReading(msgspec.Struct, forbid_unknown_fields=True):
    """A reading as devices send it; `values` is checked property by property later."""

    ts: int | str
    values: dict[str, Any]
    device_id: str | None = None


class Item(msgspec.Struct):
    index: int
    raw: bytes
    reading: WireReading | None = None
    error: Invalid | None = None


_NON_FINITE = re.compile(rb"(?<![A-Za-z\"])-?(NaN|Infinity)(?![A-Za-z\"])")
_decode_raw_list = msgspec.json.Decoder(list[msgspec.Raw])
_decode_reading = msgspec.json.Decoder(WireReading)


def split_items(body: bytes, ndjson: bool) -> list[Item]:
    """Split a payload into items; a payload that cannot be split is one failed item."""
    if ndjson:
        lines = [line for line in body.splitlines() if line.strip()]
        return [_decode_item(i, line) for i, line in enumerate(lines)]
    stripped = body.lstrip()
    if not stripped.startswith(b"["):
        return [_decode_item(0, body)]
    try:
        raws = _decode_raw_list.decode(body)
    except msgspec.DecodeError as exc:
        return _split_with_non_finite(body) or [Item(0, body, error=_malformed(body, exc))]
    except RecursionError:
        return [Item(0, body, error=_too_deep())]
    return [_decode_item(i, bytes(raw)) for i, raw in enumerate(raws)]


def _decode_item(index: int, raw: bytes) -> Item:
    try:
        return Item(index, raw, reading=_decode_reading.decode(raw))
    except msgspec.ValidationError as exc:
        return Item(index, raw, error=_shape_error(exc))
    except msgspec.DecodeError as exc:
        return Item(index, raw, error=_malformed(raw, exc))
    except RecursionError:
        return Item(index, raw, error=_too_deep())


def _too_deep() -> Invalid:
    """Hostile nesting (thousands of levels) must be a rejection, not a crash of the edge."""
    return Invalid(Code.BAD_SHAPE, "JSON nested too deeply")


def _split_with_non_finite(body: bytes) -> list[Item] | None:
    """A JSON array with NaN/Infinity in some items: keep the good items, name the bad ones.

    Strict JSON has no NaN, so the fast decoder refuses the whole array; the standard library
    accepts it, which lets us split the array (slow path, only for such payloads).
    """
    if not _NON_FINITE.search(body):
        return None
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(parsed, list):
        return None
    items = []
    for i, obj in enumerate(parsed):
        raw = json.dumps(obj, ensure_ascii=False).encode()
        items.append(
            _decode_item(i, raw) if _NON_FINITE.search(raw) is None else _non_finite(i, raw, obj)
        )
    return items


def _non_finite(index: int, raw: bytes, obj: Any) -> Item:
    names = []
    if isinstance(obj, dict) and isinstance(obj.get("values"), dict):
        names = [
            k for k, v in obj["values"].items() if isinstance(v, float) and not math.isfinite(v)
        ]
    where = f" in {', '.join(names)}" if names else ""
    return Item(
        index, raw, error=Invalid(Code.NOT_FINITE, f"NaN or Infinity{where} is not a finite number")
    )


def _malformed(raw: bytes, exc: msgspec.DecodeError) -> Invalid:
    if _NON_FINITE.search(raw):
        return Invalid(Code.NOT_FINITE, "NaN or Infinity is not a finite number (and not JSON)")
    return Invalid(Code.MALFORMED_JSON, str(exc))


def _shape_error(exc: msgspec.ValidationError) -> Invalid:
    message = str(exc)
    if message.startswith("Number out of range"):
        return Invalid(Code.NOT_FINITE, "a number overflows to infinity")
    return Invalid(Code.BAD_SHAPE, message)


def parse_ts(ts: int | str, now_ms: int, future_tolerance_ms: int) -> int:
    """Epoch milliseconds from an integer or an ISO 8601 string with a UTC offset."""
    if isinstance(ts, str):
        ms = _parse_iso(ts)
    else:
        ms = ts
        if ms < EARLIEST_TS:
            hint = " (epoch seconds? ts must be epoch milliseconds)" if ms > 9 * 10**8 else ""
            raise Invalid(Code.BAD_TIMESTAMP, f"ts {ts} is before 2000-01-01{hint}")
    if ms > now_ms + future_tolerance_ms:
        ahead = (ms - now_ms) / 1000
        raise Invalid(Code.FUTURE_TIMESTAMP, f"ts is {ahead:.0f} s in the future (device clock?)")
    return ms


def _parse_iso(text: str) -> int:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise Invalid(Code.BAD_TIMESTAMP, f"ts {text!r} is not ISO 8601") from exc
    if moment.tzinfo is None:
        raise Invalid(Code.BAD_TIMESTAMP, f"ts {text!r} has no UTC offset (add Z or +08:00)")
    ms = round(moment.timestamp() * 1000)
    if ms < EARLIEST_TS:
        raise Invalid(Code.BAD_TIMESTAMP, f"ts {text!r} is before 2000-01-01")
    return ms
