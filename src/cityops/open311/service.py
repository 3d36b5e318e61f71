"""Citizen reports (Open311 GeoReport v2) in, events out; each request's status read back.

A valid report becomes a citizen `Signal`: the event service opens an event or, when an open
event of the same class lies within the service's radius and window, joins it (count + 1).
The event is committed first so the request row can reference it; a failure in between
leaves an event counted once more, never a request without its event.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa

from cityops.core.clock import Clock
from cityops.core.errors import NotFound
from cityops.events.model import EventSource, Signal
from cityops.events.service import EventService
from cityops.open311 import store
from cityops.open311.catalog import load_catalog
from cityops.open311.intake import Report, check
from cityops.open311.model import (
    Catalog,
    Receipt,
    Rejected,
    RequestView,
    Service,
    Submission,
    TokenView,
)
from cityops.open311.w3c import parse_w3c
from cityops.taxonomy.model import Taxonomy

MAX_RESULTS = 1000
"""The spec's default cap on GET requests."""
WINDOW_MS = 90 * 86_400_000
"""The spec's default (and widest) span of GET requests: 90 days."""
STATUSES = ("open", "closed")
JOINED_NOTE = (
    "同一位置已有相同问题的上报，已合并为同一事件处理。Merged with an earlier report nearby."
)


class Locator(Protocol):
    def locate_many(self, lons: Sequence[float], lats: Sequence[float]) -> list[str | None]: ...


class Open311Service:
    def __init__(
        self,
        engine: sa.Engine,
        taxonomy: Taxonomy,
        events: EventService,
        grids: Locator,
        clock: Clock,
        *,
        catalog: Catalog | None = None,
    ) -> None:
        self._engine = engine
        self._events = events
        self._grids = grids
        self._clock = clock
        self.catalog = catalog or load_catalog(taxonomy)

    def check_jurisdiction(self, jurisdiction_id: str | None) -> None:
        """One jurisdiction per endpoint: none given is fine, another one does not exist."""
        if jurisdiction_id and jurisdiction_id != self.catalog.jurisdiction_id:
            raise NotFound(
                f"jurisdiction_id {jurisdiction_id!r} not found; "
                f"this endpoint serves {self.catalog.jurisdiction_id!r}"
            )

    def service(self, service_code: str) -> Service:
        found = self.catalog.service(service_code)
        if found is None:
            raise NotFound(f"service_code {service_code!r} not found")
        return found

    # --- POST requests ------------------------------------------------------------------

    def submit(self, sub: Submission, *, api_key_id: str) -> Receipt:
        self.check_jurisdiction(sub.jurisdiction_id)
        if not sub.service_code:
            raise Rejected(["service_code was not provided"])
        service = self.service(sub.service_code)
        report = check(sub, service, self.catalog.tz)
        now = self._clock.now_ms()
        request_id = self._new_id(now)
        grid = None
        if report.lon is not None and report.lat is not None:
            grid = self._grids.locate_many([report.lon], [report.lat])[0]
        event = self._events.report(
            _signal(service, report, request_id, grid, now),
            dedup_radius_m=service.dedup_radius_m,
            dedup_window_s=service.dedup_window_s,
        )
        token = secrets.token_urlsafe(16)
        row = _row(service, report, request_id, token, now, event.id, api_key_id)
        if event.count > 1:  # it joined an event reported before: tell the citizen
            row["status_notes"] = JOINED_NOTE
        with self._engine.begin() as conn:
            store.insert(conn, row)
        return Receipt(
            service_request_id=request_id,
            token=token,
            type=service.type,
            service_notice=service.service_notice,
            account_id=report.contact.get("account_id"),
        )

    def follow_case(
        self,
        event_ids: Sequence[str],
        *,
        closed: bool,
        agency: str | None,
        notes: str | None,
        expected_at: int | None,
    ) -> int:
        """The requests behind a case follow it: open until the case closes, the responsible
        unit as `agency_responsible`, the latest note as `status_notes`. Returns rows changed."""
        if not event_ids:
            return 0
        values: dict[str, object] = {
            "status": "closed" if closed else "open",
            "agency_responsible": agency,
            "updated_at": self._clock.now_ms(),
            "expected_at": expected_at,
        }
        if notes:
            values["status_notes"] = notes[:2000]
        with self._engine.begin() as conn:
            return store.follow(conn, list(event_ids), values)

    def _new_id(self, now: int) -> str:
        """Local date + 48 random bits: short enough to read out on the phone, e.g.
        ``20260101-3f9a0c12ab34``; a clash needs ~10^7 reports on one day to become likely."""
        day = datetime.fromtimestamp(now / 1000, self.catalog.tz)
        return f"{day:%Y%m%d}-{secrets.token_hex(6)}"

    # --- GET requests ------------------------------------------------------------------

    def requests(
        self,
        *,
        service_request_id: str | None = None,
        service_code: str | None = None,
        start_date: str | None = None,
        end_date: str | None = None,
        status: str | None = None,
        jurisdiction_id: str | None = None,
    ) -> list[RequestView]:
        """The spec's query: ids override everything else; otherwise a window of at most 90
        days (the last 90 by default), newest first, at most 1000."""
        self.check_jurisdiction(jurisdiction_id)
        ids = _split(service_request_id)
        if ids:
            wanted = store.RequestFilter(ids=ids)
        else:
            problems: list[str] = []
            statuses = _split(status)
            problems += [
                f"status {s!r} is not one of open, closed" for s in statuses if s not in STATUSES
            ]
            start = self._time(start_date, "start_date", problems)
            end = self._time(end_date, "end_date", problems)
            if problems:
                raise Rejected(problems)
            start, end = _window(start, end, self._clock.now_ms())
            wanted = store.RequestFilter(
                service_codes=_split(service_code), statuses=statuses, start=start, end=end
            )
        with self._engine.connect() as conn:
            return store.query(conn, wanted, MAX_RESULTS)

    def request(self, service_request_id: str, jurisdiction_id: str | None = None) -> RequestView:
        self.check_jurisdiction(jurisdiction_id)
        with self._engine.connect() as conn:
            found = store.get(conn, service_request_id)
        if found is None:
            raise NotFound(f"service_request_id {service_request_id!r} not found")
        return found

    def token(self, token: str, jurisdiction_id: str | None = None) -> TokenView:
        self.check_jurisdiction(jurisdiction_id)
        with self._engine.connect() as conn:
            found = store.by_token(conn, token)
        if found is None:
            raise NotFound(f"token {token!r} not found")
        return found

    def _time(self, value: str | None, name: str, problems: list[str]) -> int | None:
        if not value:
            return None
        try:
            return parse_w3c(value, self.catalog.tz)
        except ValueError as exc:
            problems.append(f"{name}: {exc}")
            return None


def _signal(
    service: Service, report: Report, request_id: str, grid: str | None, now: int
) -> Signal:
    where = report.address_string or report.address_id
    evidence: dict[str, Any] = {
        "open311_requests": [request_id],
        "service_code": service.service_code,
    }
    if report.media_url:
        evidence["media_urls"] = [report.media_url]
    if report.description:
        evidence["description"] = report.description
    if service.component_code:
        evidence["component_code"] = service.component_code
    return Signal(
        class_code=service.class_code,
        severity=report.severity,
        source=EventSource.CITIZEN,
        ts=now,
        title=f"市民上报：{service.service_name}" + (f"（{where}）" if where else ""),
        lon=report.lon,
        lat=report.lat,
        grid_code=grid,
        evidence=evidence,
    )


def _row(
    service: Service,
    report: Report,
    request_id: str,
    token: str,
    now: int,
    event_id: str,
    api_key_id: str,
) -> dict[str, Any]:
    return {
        "id": request_id,
        "token": token,
        "service_code": service.service_code,
        "status": "open",
        "description": report.description,
        "lat": report.lat,
        "lon": report.lon,
        "address_string": report.address_string,
        "address_id": report.address_id,
        "device_id": report.device_id,
        "media_url": report.media_url,
        "attributes": report.attributes,
        "contact": report.contact,
        "status_notes": None,
        "agency_responsible": None,  # set when a case is dispatched
        "service_notice": service.service_notice,
        "requested_at": now,
        "updated_at": now,
        "expected_at": None,
        "event_id": event_id,
        "api_key_id": api_key_id,
    }


def _split(value: str | None) -> list[str]:
    """A comma-delimited argument (the spec's way of declaring one several times)."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _window(start: int | None, end: int | None, now: int) -> tuple[int, int]:
    """A missing bound lies 90 days from the other; both missing: the last 90 days."""
    if end is None:
        end = now if start is None else start + WINDOW_MS
    if start is None:
        start = end - WINDOW_MS
    if end < start:
        raise Rejected(["end_date is earlier than start_date"])
    if end - start > WINDOW_MS:
        raise Rejected(["start_date and end_date may not span more than 90 days"])
    return start, end
