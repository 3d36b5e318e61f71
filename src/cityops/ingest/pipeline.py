"""The ingest service shared by every edge: parse → validate → rate-limit → hand to the writer.

`prepare` is pure CPU work (it may run in any thread); `submit` queues the result for the next
group commit. An edge acknowledges its client only when the returned future has resolved.
"""

from __future__ import annotations

from concurrent.futures import Future

import msgspec

from cityops.auth.tokens import Principal
from cityops.core.clock import Clock
from cityops.core.types import DeadLetter, Reading, Rejection, Source
from cityops.devices.registry import DeviceRegistry
from cityops.ingest.parse import split_items
from cityops.ingest.ratelimit import RateLimiter
from cityops.ingest.reasons import Code, Invalid
from cityops.ingest.stats import IngestStats
from cityops.ingest.validate import validate
from cityops.ingest.writer import Writer

DEAD_LETTER_RAW_CAP = 64 * 1024
"""An oversized payload is dead-lettered with its first 64 KiB, enough to see who sent it."""


class Prepared(msgspec.Struct):
    readings: list[Reading]
    letters: list[DeadLetter]
    errors: list[Rejection]

    @property
    def accepted(self) -> int:
        return len(self.readings)


class IngestService:
    def __init__(
        self,
        registry: DeviceRegistry,
        writer: Writer,
        clock: Clock,
        *,
        future_tolerance_s: int = 300,
        stats: IngestStats | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self._registry = registry
        self._writer = writer
        self._clock = clock
        self._future_tolerance_ms = future_tolerance_s * 1000
        self.stats = stats or IngestStats()
        self.limiter = limiter if limiter is not None else RateLimiter()

    def prepare(
        self,
        body: bytes,
        *,
        source: Source,
        principal: Principal,
        ndjson: bool = False,
        topic_device: str | None = None,
    ) -> Prepared:
        """Parse and validate a payload; never raises for bad input."""
        now = self._clock.now_ms()
        out = Prepared([], [], [])
        check_budget, scale = self.limiter.check, self.limiter.scale_for(principal)
        check_sent = self.limiter.check_sent
        # HTTP is budgeted by arrival; MQTT by the readings' own timestamps, because a backlog
        # the broker redelivers after an outage arrives all at once but was sent over hours.
        by_arrival = source is Source.HTTP
        for item in split_items(body, ndjson):
            error = item.error
            if item.reading is not None:
                try:
                    reading = validate(
                        item.reading,
                        registry=self._registry,
                        principal=principal,
                        topic_device=topic_device,
                        now_ms=now,
                        future_tolerance_ms=self._future_tolerance_ms,
                    )
                    if by_arrival:  # valid readings only spend budget
                        check_budget(reading.device_id, now, scale)
                    else:
                        check_sent(reading.device_id, reading.ts, now, scale)
                    out.readings.append(reading)
                    continue
                except Invalid as exc:
                    error = exc
            assert error is not None
            device = topic_device or (item.reading.device_id if item.reading else None)
            out.errors.append(Rejection(item.index, error.reason))
            out.letters.append(DeadLetter(now, source, error.reason, item.raw, device))
        self.stats.count(source, len(out.readings), [e.reason.split(":", 1)[0] for e in out.errors])
        return out

    def oversized(
        self, body_head: bytes, size: int, limit: int, *, source: Source, device: str | None = None
    ) -> Prepared:
        """A payload over the size limit: one rejection, its head kept as a dead letter."""
        reason = Invalid(Code.TOO_LARGE, f"payload of {size} bytes exceeds the {limit}-byte limit")
        now = self._clock.now_ms()
        letter = DeadLetter(now, source, reason.reason, body_head[:DEAD_LETTER_RAW_CAP], device)
        self.stats.count(source, 0, [Code.TOO_LARGE.value])
        return Prepared([], [letter], [Rejection(0, reason.reason)])

    def submit(self, prepared: Prepared) -> Future[int]:
        """Queue for the next commit (raises `Overloaded` when the writer is saturated)."""
        return self._writer.submit(prepared.readings, prepared.letters)
