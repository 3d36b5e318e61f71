"""Rows ↔ detections, the audit query, and dead letters for refused detections."""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa

from cityops.core.types import Source
from cityops.detections.model import Detection, Outcome
from cityops.store.schema import dead_letters, detections

DEAD_LETTER_RAW_CAP = 64 * 1024
"""A refused detection is kept with its first 64 KiB: the fields, maybe not the whole image."""


class DetectionFilter(msgspec.Struct, frozen=True, kw_only=True):
    camera_id: str | None = None
    vendor: str | None = None
    label: str | None = None
    outcome: Outcome | None = None
    event_id: str | None = None
    start: int | None = None
    end: int | None = None


def insert(conn: sa.Connection, detection: Detection) -> None:
    row = msgspec.structs.asdict(detection)
    row["outcome"] = detection.outcome.value
    conn.execute(detections.insert().values(row))


def find_same(conn: sa.Connection, candidate: Detection) -> Detection | None:
    """An earlier detection with the same vendor, camera, label, time and box: a resend."""
    t = detections.c
    stmt = sa.select(detections).where(
        t.camera_id == candidate.camera_id,
        t.ts == candidate.ts,
        t.label == candidate.label,
        t.vendor == candidate.vendor,
    )
    for row in conn.execute(stmt):
        found = from_row(row)
        if found.bbox == candidate.bbox:
            return found
    return None


def query(
    conn: sa.Connection, f: DetectionFilter, cursor: str | None, limit: int
) -> list[Detection]:
    """Newest first (ids are time-ordered); `cursor` is the last id of the previous page."""
    t = detections.c
    stmt = sa.select(detections).order_by(t.id.desc()).limit(limit)
    for column, value in (
        (t.camera_id, f.camera_id),
        (t.vendor, f.vendor),
        (t.label, f.label),
        (t.outcome, f.outcome.value if f.outcome else None),
        (t.event_id, f.event_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if f.start is not None:
        stmt = stmt.where(t.ts >= f.start)
    if f.end is not None:
        stmt = stmt.where(t.ts < f.end)
    if cursor:
        stmt = stmt.where(t.id < cursor)
    return [from_row(r) for r in conn.execute(stmt)]


def from_row(row: sa.Row[Any]) -> Detection:
    m = row._mapping
    return Detection(
        id=m["id"],
        vendor=m["vendor"],
        camera_id=m["camera_id"],
        label=m["label"],
        confidence=m["confidence"],
        bbox=None if m["bbox"] is None else [float(v) for v in m["bbox"]],
        ts=m["ts"],
        class_code=m["class_code"],
        evidence_id=m["evidence_id"],
        event_id=m["event_id"],
        outcome=Outcome(m["outcome"]),
        received_at=m["received_at"],
    )


def dead_letter(
    conn: sa.Connection, raw: bytes, reason: str, received_at: int, camera_id: str | None
) -> None:
    conn.execute(
        dead_letters.insert().values(
            received_at=received_at,
            source=Source.HTTP.value,
            device_id=camera_id[:64] if camera_id else None,
            reason=reason,
            raw=raw[:DEAD_LETTER_RAW_CAP],
        )
    )
