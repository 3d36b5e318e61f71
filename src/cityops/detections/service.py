"""The detection service: a vendor's detection in, a stored detection (and maybe an event) out.

Every detection that passes the checks is stored with its outcome: `unmapped` and
`below_confidence` open nothing; the others keep their image as evidence and report a signal,
which joins an open event of the same class near enough and recent enough, or opens one.
Every refused detection is dead-lettered with its reason before the refusal is raised, so
nothing a vendor sent is lost silently.

Commit order for an event outcome: the image (file, then row), the event, the detection row;
the caller is answered after all three. A crash between the event and the detection row
leaves the event one count ahead when the vendor resends; a resend after the answer is
recognised (same vendor, camera, label, ts and box) and answered with the stored detection.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

import msgspec
import sqlalchemy as sa

from cityops.auth.tokens import Principal, PrincipalKind, Role
from cityops.core.clock import Clock
from cityops.detections import check, store
from cityops.detections.mapping import LabelMapping, Mappings, load_mappings
from cityops.detections.model import Code, Detection, Outcome, Rejected, WireDetection
from cityops.devices.registry import Device, DeviceRegistry
from cityops.events.model import EventSource, Signal
from cityops.events.service import EventService
from cityops.evidence.store import (
    BadReference,
    EvidenceInfo,
    EvidenceStore,
    TooLarge,
    UnsupportedType,
)
from cityops.ingest.parse import parse_ts
from cityops.ingest.reasons import Code as ReadingCode
from cityops.ingest.reasons import Invalid
from cityops.taxonomy.model import Taxonomy

CAMERA_MODEL = "camera"
EVIDENCE_SOURCE = "detection"


@dataclass(frozen=True)
class _Checked:
    wire: WireDetection
    camera: Device
    mapping: LabelMapping | None
    ts: int
    bbox: list[float] | None
    image: bytes | None
    image_type: str | None
    image_url: str | None


class DetectionService:
    def __init__(
        self,
        engine: sa.Engine,
        registry: DeviceRegistry,
        taxonomy: Taxonomy,
        events: EventService,
        evidence: EvidenceStore,
        clock: Clock,
        mappings_dir: Path | None = None,
        *,
        future_tolerance_s: int = 300,
    ) -> None:
        self._engine = engine
        self._registry = registry
        self._taxonomy = taxonomy
        self._events = events
        self._evidence = evidence
        self._clock = clock
        self._future_tolerance_ms = future_tolerance_s * 1000
        self.mappings: Mappings = load_mappings(mappings_dir, taxonomy)
        # One detection at a time: the resend check and the insert must not interleave.
        self._lock = threading.Lock()

    @property
    def max_body_bytes(self) -> int:
        """The largest request worth reading: a base64 image at the evidence limit, plus fields."""
        return self._evidence.max_bytes * 4 // 3 + 64 * 1024

    # --- edges ----------------------------------------------------------------------------

    def ingest_json(self, body: bytes, who: Principal) -> Detection:
        """A JSON detection (image inline as base64, or by URL)."""
        self._check_sender(who, body)
        try:
            wire = check.decode(body)
        except Rejected as exc:
            self.reject(body, exc)
            raise
        return self.ingest(wire, who, raw=body)

    def ingest_upload(
        self, metadata: bytes, image: bytes | None, image_type: str | None, who: Principal
    ) -> Detection:
        """A multipart upload: the `metadata` JSON part and the `image` file part."""
        self._check_sender(who, metadata)
        try:
            wire = check.decode(metadata, "metadata")
        except Rejected as exc:
            self.reject(metadata, exc)
            raise
        return self.ingest(wire, who, image=image, image_type=image_type, raw=metadata)

    def _check_sender(self, who: Principal, raw: bytes) -> None:
        """Who may post at all is decided before the body is read (403 before any 400)."""
        if who.kind is PrincipalKind.DEVICE or who.role in (Role.ADMIN, Role.INGEST):
            return
        refused = Rejected(Code.FORBIDDEN_DEVICE, _forbidden(who, ""))
        self.reject(raw, refused)
        raise refused

    def reject(self, raw: bytes, exc: Rejected, camera_id: str | None = None) -> None:
        """Dead-letter a refused detection with its reason."""
        now = self._clock.now_ms()
        with self._engine.begin() as conn:
            store.dead_letter(conn, raw, exc.reason, now, camera_id)

    # --- the service ----------------------------------------------------------------------

    def ingest(
        self,
        wire: WireDetection,
        who: Principal,
        *,
        image: bytes | None = None,
        image_type: str | None = None,
        raw: bytes = b"",
    ) -> Detection:
        """Check, store and act on one detection; Rejected (dead-lettered) when invalid."""
        try:
            checked = self._check(wire, who, image, image_type)
        except Rejected as exc:
            self.reject(raw or msgspec.json.encode(wire), exc, wire.camera_id)
            raise
        with self._lock:
            return self._accept(checked)

    def query(self, f: store.DetectionFilter, cursor: str | None, limit: int) -> list[Detection]:
        with self._engine.connect() as conn:
            return store.query(conn, f, cursor, limit)

    def _accept(self, c: _Checked) -> Detection:
        now = self._clock.now_ms()
        if c.mapping is None:
            outcome = Outcome.UNMAPPED
        elif c.wire.confidence < c.mapping.min_confidence:
            outcome = Outcome.BELOW_CONFIDENCE
        else:
            outcome = Outcome.EVENT
        detection = Detection(
            id=f"{now:012x}{secrets.token_hex(10)}",
            vendor=c.wire.vendor,
            camera_id=c.camera.id,
            label=c.wire.label,
            confidence=c.wire.confidence,
            bbox=c.bbox,
            ts=c.ts,
            class_code=c.mapping.class_code if c.mapping else None,
            evidence_id=None,
            event_id=None,
            outcome=outcome,
            received_at=now,
        )
        with self._engine.connect() as conn:
            earlier = store.find_same(conn, detection)
        if earlier is not None:
            return earlier
        if c.mapping is not None and outcome is Outcome.EVENT:
            kept = self._keep_image(c)
            event = self._events.report(
                self._signal(c, c.mapping, detection, kept),
                dedup_radius_m=c.mapping.dedup_radius_m,
                dedup_window_s=c.mapping.dedup_window_s,
            )
            detection = msgspec.structs.replace(
                detection, evidence_id=kept.id if kept else None, event_id=event.id
            )
        with self._engine.begin() as conn:
            store.insert(conn, detection)
        return detection

    def _keep_image(self, c: _Checked) -> EvidenceInfo | None:
        if c.image is not None:
            return self._evidence.save(c.image, c.image_type, EVIDENCE_SOURCE)
        if c.image_url is not None:
            return self._evidence.reference(c.image_url, EVIDENCE_SOURCE)
        return None

    def _signal(
        self, c: _Checked, mapping: LabelMapping, d: Detection, kept: EvidenceInfo | None
    ) -> Signal:
        cls = self._taxonomy.get(mapping.class_code)
        what = cls.name_zh if cls else mapping.name_zh or d.label
        seen = {"id": d.id, "vendor": d.vendor, "label": d.label, "confidence": d.confidence}
        return Signal(
            class_code=mapping.class_code,
            severity=mapping.severity,
            source=EventSource.DETECTION,
            ts=d.ts,
            title=f"视频AI识别：{what}（{c.camera.name}）",
            lon=c.camera.lon,
            lat=c.camera.lat,
            grid_code=c.camera.grid_code,
            device_id=c.camera.id,
            evidence={
                "images": [kept.api_path] if kept else [],
                "detections": [{**seen, "bbox": d.bbox, "ts": d.ts}],
            },
        )

    # --- checks ---------------------------------------------------------------------------

    def _check(
        self, wire: WireDetection, who: Principal, image: bytes | None, image_type: str | None
    ) -> _Checked:
        if not who.may_write_device(wire.camera_id):
            raise Rejected(Code.FORBIDDEN_DEVICE, _forbidden(who, wire.camera_id))
        camera = self._registry.get(wire.camera_id)
        if camera is None:
            raise Rejected(Code.UNKNOWN_DEVICE, f"no camera {wire.camera_id!r} is registered")
        if camera.model != CAMERA_MODEL:
            raise Rejected(
                Code.NOT_A_CAMERA, f"device {camera.id!r} is a {camera.model}, not a camera"
            )
        vendor = self.mappings.get(wire.vendor)
        if vendor is None:
            known = ", ".join(v.vendor for v in self.mappings.vendors()) or "none"
            raise Rejected(
                Code.UNKNOWN_VENDOR, f"no label mapping for vendor {wire.vendor!r}; known: {known}"
            )
        ts = self._ts(wire.ts)
        check.confidence(wire.confidence)
        bbox = check.bbox(wire.bbox)
        image = self._image(wire, image, image_type)
        return _Checked(
            wire=wire,
            camera=camera,
            mapping=vendor.labels.get(wire.label),
            ts=ts,
            bbox=bbox,
            image=image,
            image_type=image_type if wire.image_base64 is None else None,
            image_url=wire.image_url,
        )

    def _ts(self, ts: int | str) -> int:
        try:
            return parse_ts(ts, self._clock.now_ms(), self._future_tolerance_ms)
        except Invalid as exc:
            code = Code.FUTURE_TIMESTAMP
            if exc.code is not ReadingCode.FUTURE_TIMESTAMP:
                code = Code.BAD_TIMESTAMP
            raise Rejected(code, exc.reason.split(": ", 1)[-1]) from exc

    def _image(
        self, wire: WireDetection, image: bytes | None, declared: str | None
    ) -> bytes | None:
        given = [wire.image_base64 is not None, wire.image_url is not None, image is not None]
        if sum(given) > 1:
            raise Rejected(
                Code.BAD_IMAGE, "send one image: image_base64, image_url or an image file"
            )
        if wire.image_url is not None:
            try:
                self._evidence.check_reference(wire.image_url)
            except BadReference as exc:
                raise Rejected(Code.BAD_IMAGE, str(exc)) from exc
            return None
        if wire.image_base64 is not None:
            image = check.base64_image(wire.image_base64, self._evidence.max_bytes)
        if image is not None:
            try:
                self._evidence.check(image, declared)
            except TooLarge as exc:
                raise Rejected(Code.TOO_LARGE, str(exc)) from exc
            except UnsupportedType as exc:
                raise Rejected(Code.UNSUPPORTED_IMAGE, str(exc)) from exc
        return image


def _forbidden(who: Principal, camera_id: str) -> str:
    if who.kind is PrincipalKind.DEVICE:
        return f"device {who.id} may post only its own detections, not those of {camera_id!r}"
    role = who.role.value if who.role else "none"
    return f"an API key with role {role} may not post detections (admin or ingest may)"
