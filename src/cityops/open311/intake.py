"""A POSTed form → a checked `Report`, or `Rejected` listing everything wrong with it at once.

Citizens' apps show the answer to a person; naming every problem in one reply saves them a
round trip per mistake.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import timezone
from typing import Any

import msgspec

from cityops.events.model import Severity
from cityops.open311.model import Attribute, Datatype, Rejected, Service, Submission
from cityops.open311.w3c import format_w3c, parse_w3c

MAX_TEXT = 4000
"""The spec's limit on description, also applied to free-text attributes."""

_FIELDS = frozenset(Submission.__struct_fields__) - {"attributes"}
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")
_CONTACT = ("email", "first_name", "last_name", "phone", "account_id")
_LIMITS = {"address_string": 500, "address_id": 100, "device_id": 100, "media_url": 2000}


class Report(msgspec.Struct, frozen=True, kw_only=True):
    lon: float | None
    lat: float | None
    address_string: str | None
    address_id: str | None
    description: str | None
    media_url: str | None
    device_id: str | None
    contact: dict[str, str]
    """Personal data: stored, never shown by GET."""
    attributes: dict[str, Any]
    severity: Severity


def submission_from_form(items: Iterable[tuple[str, str]]) -> Submission:
    """Known fields and ``attribute[CODE]`` / ``attribute[CODE][]`` pairs; others are ignored.

    An empty value counts as not sent, as the spec's "optional arguments" require.
    """
    fields: dict[str, Any] = {}
    attributes: dict[str, list[str]] = {}
    for key, raw in items:
        value = raw.strip()
        if not value:
            continue
        match = _ATTRIBUTE.fullmatch(key)
        if match:
            attributes.setdefault(match[1], []).append(value)
        elif key in _FIELDS:
            fields[key] = value
    return msgspec.convert({**fields, "attributes": attributes}, Submission)


def check(sub: Submission, service: Service, tz: timezone) -> Report:
    problems: list[str] = []
    point = _point(sub, problems)
    sent = (sub.lat, sub.long, sub.address_string, sub.address_id)
    if all(field is None for field in sent):  # a half-sent or wrong lat/long says so itself
        problems.append("a location is required: lat and long, address_string or address_id")
    if sub.description and len(sub.description) > MAX_TEXT:
        problems.append(f"description is longer than {MAX_TEXT} characters")
    for name, limit in _LIMITS.items():
        if len(getattr(sub, name) or "") > limit:
            problems.append(f"{name} is longer than {limit} characters")
    if sub.media_url and not sub.media_url.startswith(("http://", "https://")):
        problems.append("media_url must be an http(s) URL")
    attributes, severity = _attributes(service, sub.attributes, tz, problems)
    if problems:
        raise Rejected(problems)
    return Report(
        lon=point[0] if point else None,
        lat=point[1] if point else None,
        address_string=sub.address_string,
        address_id=sub.address_id,
        description=sub.description,
        media_url=sub.media_url,
        device_id=sub.device_id,
        contact={name: v for name in _CONTACT if (v := getattr(sub, name))},
        attributes=attributes,
        severity=severity,
    )


def _point(sub: Submission, problems: list[str]) -> tuple[float, float] | None:
    if sub.lat is None and sub.long is None:
        return None
    if sub.lat is None or sub.long is None:
        problems.append("lat and long must both be sent")
        return None
    try:
        lon, lat = float(sub.long), float(sub.lat)
    except ValueError:
        problems.append("lat and long must be numbers (WGS84 degrees)")
        return None
    if not (math.isfinite(lat) and -90 <= lat <= 90 and math.isfinite(lon) and -180 <= lon <= 180):
        problems.append("lat must lie within ±90 and long within ±180 degrees")
        return None
    return lon, lat


def _attributes(
    service: Service, given: dict[str, list[str]], tz: timezone, problems: list[str]
) -> tuple[dict[str, Any], Severity]:
    known = {a.code for a in service.attributes}
    for code in sorted(given.keys() - known):
        problems.append(f"attribute[{code}] is not an attribute of service {service.service_code}")
    values: dict[str, Any] = {}
    severity = service.severity
    for attribute in service.attributes:
        raw = given.get(attribute.code, [])
        try:
            if not raw:
                if attribute.variable and attribute.required:
                    raise ValueError(f"is required ({attribute.description})")
                continue
            values[attribute.code] = _value(attribute, raw, tz)
        except ValueError as exc:
            problems.append(f"attribute[{attribute.code}] {exc}")
            continue
        for value in attribute.values:
            chosen = value.key in raw
            if chosen and value.severity and value.severity.rank > severity.rank:
                severity = value.severity
    return values, severity


def _value(attribute: Attribute, raw: list[str], tz: timezone) -> Any:
    """The checked value of one attribute; ValueError says what is wrong."""
    if not attribute.variable:
        raise ValueError("is for information only and takes no value")
    if attribute.datatype is Datatype.MULTIVALUELIST:
        keys = {v.key for v in attribute.values}
        unknown = [r for r in raw if r not in keys]
        if unknown:
            raise ValueError(f"has no value {unknown[0]!r}; choose from {', '.join(sorted(keys))}")
        return list(dict.fromkeys(raw))
    if len(raw) > 1:
        raise ValueError("takes a single value")
    text = raw[0]
    match attribute.datatype:
        case Datatype.SINGLEVALUELIST:
            keys = {v.key for v in attribute.values}
            if text not in keys:
                raise ValueError(f"has no value {text!r}; choose from {', '.join(sorted(keys))}")
            return text
        case Datatype.NUMBER:
            return _number(attribute, text)
        case Datatype.DATETIME:
            return format_w3c(parse_w3c(text, tz), tz)
        case Datatype.STRING if "\n" in text or "\r" in text:
            raise ValueError("is a string and may not contain line breaks")
    if len(text) > MAX_TEXT:
        raise ValueError(f"is longer than {MAX_TEXT} characters")
    return text


def _number(attribute: Attribute, text: str) -> float:
    try:
        number = float(text)
    except ValueError as exc:
        raise ValueError(f"must be a number, got {text!r}") from exc
    if not math.isfinite(number):
        raise ValueError(f"must be a finite number, got {text!r}")
    if attribute.min is not None and number < attribute.min:
        raise ValueError(f"must be at least {attribute.min:g}")
    if attribute.max is not None and number > attribute.max:
        raise ValueError(f"must be at most {attribute.max:g}")
    return number
