"""The event service: signals in, events out, one open event per key.

Open (active or acknowledged) events live in memory, indexed by key and by class, so deciding
"new or update" costs no query. `apply` handles a batch in one transaction, writes each touched
event once, and publishes the changed events on the bus only after the commit.
"""

from __future__ import annotations

import math
import secrets
import threading
from collections.abc import Sequence
from typing import Any

import msgspec
import sqlalchemy as sa

from cityops.bus.local import LocalBus
from cityops.core.clock import Clock
from cityops.core.errors import Conflict, NotFound
from cityops.events import store
from cityops.events.model import Clear, Event, EventStatus, Outcome, SeverityChange, Signal

EVENTS_CHANGED = "events.changed"
"""Bus topic; payload: `list[Event]` after each commit that changed them."""

MAX_EVIDENCE_ITEMS = 20


def new_event_id(ts: int) -> str:
    """Time-ordered ids (hex milliseconds + randomness), so newest-first is ORDER BY id DESC."""
    return f"{ts:012x}{secrets.token_hex(10)}"


class EventService:
    def __init__(self, engine: sa.Engine, bus: LocalBus, clock: Clock) -> None:
        self._engine = engine
        self._bus = bus
        self._clock = clock
        self._lock = threading.RLock()
        self._by_key: dict[str, Event] = {}
        self._by_id: dict[str, Event] = {}

    def load(self) -> int:
        with self._engine.connect() as conn:
            open_events = store.load_open(conn)
        with self._lock:
            self._by_id = {e.id: e for e in open_events}
            self._by_key = {e.key: e for e in open_events if e.key}
        return len(open_events)

    def open_events(self) -> list[Event]:
        with self._lock:
            return [snapshot(e) for e in self._by_id.values()]

    def active_for_key(self, key: str) -> Event | None:
        with self._lock:
            found = self._by_key.get(key)
            return None if found is None else snapshot(found)

    # --- detectors ------------------------------------------------------------------------

    def apply(self, outcomes: Sequence[Outcome]) -> list[Event]:
        """Apply keyed signals and clears from the rule engine; returns the changed events."""
        if not outcomes:
            return []
        with self._lock:
            batch = _Batch()
            for outcome in outcomes:
                if isinstance(outcome, Clear):
                    self._clear(outcome, batch)
                elif outcome.key is None:
                    raise ValueError("apply() takes keyed signals; use report() for others")
                else:
                    existing = self._by_key.get(outcome.key)
                    if existing is None:
                        self._open(outcome, batch)
                    else:
                        _merge(existing, outcome, batch)
            self._commit(batch)
            return batch.changed()

    def report(
        self,
        signal: Signal,
        *,
        dedup_radius_m: float | None = None,
        dedup_window_s: int | None = None,
    ) -> Event:
        """An external signal (camera AI, citizen, patrol): joins an open event of the same
        class within `dedup_radius_m` seen in the last `dedup_window_s`, or opens a new one."""
        with self._lock:
            batch = _Batch()
            if signal.key is not None and signal.key in self._by_key:
                event = self._by_key[signal.key]
                _merge(event, signal, batch)
            else:
                near = self._nearby(signal, dedup_radius_m, dedup_window_s)
                if near is None:
                    event = self._open(signal, batch)
                else:
                    event = near
                    _merge(event, signal, batch, join=True)
            self._commit(batch)
            return snapshot(event)

    def clear_event(self, event_id: str, reason: str, actor: str | None = None) -> Event | None:
        """Clear an open event by id (the way to close events no detector will clear, such as
        citizen reports, once their case is closed). Returns None if it was not open."""
        with self._lock:
            event = self._by_id.pop(event_id, None)
            if event is None:
                return None
            if event.key:
                self._by_key.pop(event.key, None)
            batch = _Batch()
            now = self._clock.now_ms()
            event.status = EventStatus.CLEARED
            event.cleared_at = now
            event.clear_reason = reason
            batch.touch(event, "cleared", now, actor=actor, note=reason)
            self._commit(batch)
            return snapshot(event)

    def ack(self, event_id: str, actor: str, note: str | None = None) -> Event:
        with self._lock:
            event = self._by_id.get(event_id)
            if event is None:
                with self._engine.connect() as conn:
                    found = store.get(conn, event_id)
                if found is None:
                    raise NotFound(f"no event {event_id!r}")
                raise Conflict(
                    f"event {event_id} is {found.status.value}; it cannot be acknowledged"
                )
            if event.status is EventStatus.ACKNOWLEDGED:
                return snapshot(event)
            batch = _Batch()
            now = self._clock.now_ms()
            event.status = EventStatus.ACKNOWLEDGED
            event.acknowledged_at = now
            event.acknowledged_by = actor
            batch.touch(event, "acknowledged", now, actor=actor, note=note)
            self._commit(batch)
            return snapshot(event)

    # --- internals --------------------------------------------------------------------------

    def _open(self, signal: Signal, batch: _Batch) -> Event:
        event = Event(
            id=new_event_id(signal.ts),
            class_code=signal.class_code,
            severity=signal.severity,
            source=signal.source,
            status=EventStatus.ACTIVE,
            title=signal.title,
            key=signal.key,
            lon=signal.lon,
            lat=signal.lat,
            grid_code=signal.grid_code,
            device_id=signal.device_id,
            rule_id=signal.rule_id,
            first_seen=signal.ts,
            last_seen=signal.ts,
            count=1,
            evidence=dict(signal.evidence),
            severity_history=[SeverityChange(signal.ts, None, signal.severity)],
        )
        self._by_id[event.id] = event
        if event.key:
            self._by_key[event.key] = event
        batch.created.append(event)
        batch.touch(event, "opened", signal.ts, severity_to=signal.severity.value)
        return event

    def _clear(self, clear: Clear, batch: _Batch) -> None:
        event = self._by_key.pop(clear.key, None)
        if event is None:
            return  # nothing open under that key: a clear after a restart or a duplicate clear
        self._by_id.pop(event.id, None)
        event.status = EventStatus.CLEARED
        event.cleared_at = clear.ts
        event.clear_reason = clear.reason
        if clear.evidence:
            event.evidence = {**event.evidence, "cleared_with": clear.evidence}
        batch.touch(event, "cleared", clear.ts, note=clear.reason)

    def _nearby(self, signal: Signal, radius_m: float | None, window_s: int | None) -> Event | None:
        if radius_m is None or signal.lon is None or signal.lat is None:
            return None
        oldest = signal.ts - (window_s or 0) * 1000
        best: tuple[float, Event] | None = None
        for event in self._by_id.values():
            if event.class_code != signal.class_code or event.lon is None or event.lat is None:
                continue
            if window_s is not None and event.last_seen < oldest:
                continue
            distance = metres_between(signal.lon, signal.lat, event.lon, event.lat)
            if distance <= radius_m and (best is None or distance < best[0]):
                best = (distance, event)
        return None if best is None else best[1]

    def _commit(self, batch: _Batch) -> None:
        if not batch.touched:
            return
        created_ids = {e.id for e in batch.created}
        with self._engine.begin() as conn:
            store.insert(conn, batch.created)
            store.update(conn, [e for e in batch.touched.values() if e.id not in created_ids])
            store.record_changes(conn, batch.changes)
        self._bus.publish(EVENTS_CHANGED, batch.changed())


class _Batch:
    def __init__(self) -> None:
        self.created: list[Event] = []
        self.touched: dict[str, Event] = {}
        self.changes: list[dict[str, Any]] = []

    def touch(self, event: Event, kind: str, ts: int, **extra: Any) -> None:
        self.touched[event.id] = event
        if kind:
            self.changes.append({"event_id": event.id, "ts": ts, "kind": kind, **extra})

    def changed(self) -> list[Event]:
        """Snapshots: listeners on other threads must not see later changes to these."""
        return [snapshot(e) for e in self.touched.values()]


def snapshot(event: Event) -> Event:
    return msgspec.structs.replace(
        event, evidence=dict(event.evidence), severity_history=list(event.severity_history)
    )


def _merge(event: Event, signal: Signal, batch: _Batch, *, join: bool = False) -> None:
    """A repeated trigger: count it, move last_seen, follow the severity up or down.

    A `join` (another reporter's signal joining by place and class) may raise the severity
    but never lowers it, and keeps the first title: a citizen's "blue" report must not
    downgrade an orange sensor event it happens to match.
    """
    event.count += 1
    event.last_seen = max(event.last_seen, signal.ts)
    event.evidence = _merge_evidence(event.evidence, signal.evidence)
    if join and signal.severity.rank <= event.severity.rank:
        batch.touch(event, "", signal.ts)
        return
    if not join:
        event.title = signal.title
    if signal.severity is not event.severity:
        change = SeverityChange(signal.ts, event.severity, signal.severity)
        event.severity_history.append(change)
        batch.touch(
            event,
            "severity",
            signal.ts,
            severity_from=event.severity.value,
            severity_to=signal.severity.value,
        )
        event.severity = signal.severity
    else:
        batch.touch(event, "", signal.ts)


def _merge_evidence(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Lists (images, detections) accumulate, capped; everything else shows the latest."""
    merged = dict(old)
    for key, value in new.items():
        if isinstance(value, list) and isinstance(merged.get(key), list):
            merged[key] = (merged[key] + value)[-MAX_EVIDENCE_ITEMS:]
        else:
            merged[key] = value
    return merged


def metres_between(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine); plenty for de-duplicating within a district."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))
