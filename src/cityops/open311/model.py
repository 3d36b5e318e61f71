"""The Open311 GeoReport v2 vocabulary: services and their attributes, requests, receipts.

Services are data (``data/open311/services.yaml``); each maps citizen reports onto one event
class of the taxonomy, so a report becomes, or joins, an event like any other detector's.
"""

from __future__ import annotations

from datetime import timedelta, timezone
from enum import StrEnum

import msgspec

from cityops.core.errors import CityOpsError
from cityops.events.model import Severity


class Rejected(CityOpsError):
    """The request cannot be fulfilled as sent (HTTP 400); lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class Format(StrEnum):
    JSON = "json"
    XML = "xml"


class ServiceType(StrEnum):
    REALTIME = "realtime"  # the answer carries the service_request_id
    BATCH = "batch"  # the answer carries a token; GET tokens/{token} gives the id
    BLACKBOX = "blackbox"  # the answer carries neither


class Datatype(StrEnum):
    STRING = "string"
    NUMBER = "number"
    DATETIME = "datetime"
    TEXT = "text"
    SINGLEVALUELIST = "singlevaluelist"
    MULTIVALUELIST = "multivaluelist"


class AttributeValue(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    name: str
    severity: Severity | None = None
    """Choosing this value raises the event's severity to at least this (not published)."""


class Attribute(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    datatype: Datatype
    description: str
    order: int
    required: bool = False
    variable: bool = True
    datatype_description: str | None = None
    values: tuple[AttributeValue, ...] = ()
    min: float | None = None
    max: float | None = None


class Service(msgspec.Struct, frozen=True, kw_only=True):
    service_code: str
    service_name: str
    description: str
    group: str
    keywords: tuple[str, ...]
    type: ServiceType
    class_code: str
    """The event class a report becomes (taxonomy code, kind event)."""
    component_code: str | None
    """The component class concerned, if any (a dark street light: C0111)."""
    severity: Severity
    dedup_radius_m: float
    dedup_window_s: int
    service_notice: str | None
    attributes: tuple[Attribute, ...]

    @property
    def metadata(self) -> bool:
        return bool(self.attributes)


class Catalog(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the discovery and services endpoints publish, loaded once."""

    jurisdiction_id: str
    utc_offset_min: int
    changeset: str
    contact: str
    key_service: str
    services: tuple[Service, ...]

    @property
    def tz(self) -> timezone:
        return timezone(timedelta(minutes=self.utc_offset_min))

    def service(self, code: str) -> Service | None:
        return next((s for s in self.services if s.service_code == code), None)


class Submission(msgspec.Struct, frozen=True, kw_only=True):
    """A POSTed request as sent: every field a string (or absent), attributes as lists."""

    service_code: str | None = None
    jurisdiction_id: str | None = None
    lat: str | None = None
    long: str | None = None
    address_string: str | None = None
    address_id: str | None = None
    email: str | None = None
    device_id: str | None = None
    account_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    description: str | None = None
    media_url: str | None = None
    attributes: dict[str, list[str]] = msgspec.field(default_factory=dict)


class Receipt(msgspec.Struct, frozen=True, kw_only=True):
    """The answer to a POST; which id it shows depends on the service's `type`."""

    service_request_id: str
    token: str
    type: ServiceType
    service_notice: str | None
    account_id: str | None


class RequestView(msgspec.Struct, frozen=True, kw_only=True):
    """A request as GET shows it: no contact details, ever."""

    service_request_id: str
    status: str
    status_notes: str | None
    service_code: str
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_at: int
    updated_at: int
    expected_at: int | None
    address: str | None
    address_id: str | None
    lat: float | None
    lon: float | None
    media_url: str | None


class TokenView(msgspec.Struct, frozen=True):
    service_request_id: str
    token: str
