"""POST /api/v1/detections (JSON or multipart), GET /api/v1/detections, the vendor mappings."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from cityops.auth.tokens import Principal
from cityops.detections.model import Code, Detection, Outcome, Rejected
from cityops.detections.service import DetectionService
from cityops.detections.store import DetectionFilter
from cityops.web.auth import PrincipalDep, ReaderDep, RuntimeDep
from cityops.web.params import parse_time

router = APIRouter(tags=["detections AI识别"])

STATUS = {
    Code.FORBIDDEN_DEVICE: 403,
    Code.TOO_LARGE: 413,
    Code.UNSUPPORTED_MEDIA: 415,
    Code.UNSUPPORTED_IMAGE: 415,
}
"""Every other refusal is 400; the body is ``{"detail": "<code>: <message>", "code": ...}``."""

_EXAMPLE = {
    "vendor": "hk-vision",
    "camera_id": "CAM-000001",
    "label": "garbage_exposed",
    "confidence": 0.91,
    "bbox": [0.42, 0.55, 0.18, 0.2],
    "ts": "2026-01-01T08:00:00+08:00",
    "image_base64": "iVBORw0KGgo…",
}


@router.post(
    "/api/v1/detections",
    summary="Report an AI detection 上报视频AI识别结果",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object"}, "example": _EXAMPLE},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "metadata": {"type": "string", "description": "the detection JSON"},
                            "image": {"type": "string", "format": "binary"},
                        },
                        "required": ["metadata"],
                    }
                },
            },
        }
    },
    responses={
        200: {"description": "Stored; unmapped label or below the vendor's confidence"},
        201: {"description": "Stored; opened an event or joined an open one"},
        400: {"description": "Invalid detection; `detail` says why (it is dead-lettered)"},
        403: {"description": "A camera may post only its own detections"},
        413: {"description": "Body or image over the limit"},
        415: {"description": "Neither JSON nor multipart, or an image not JPEG/PNG/WebP"},
    },
)
async def post_detection(request: Request, rt: RuntimeDep, who: PrincipalDep) -> JSONResponse:
    """Admin or ingest API keys may post for any camera; a camera's token only for itself."""
    try:
        detection = await _ingest(request, rt.detections, who)
    except Rejected as exc:
        body = {"detail": exc.reason, "code": exc.code.value}
        return JSONResponse(body, STATUS.get(exc.code, 400))
    answer = {
        "id": detection.id,
        "outcome": detection.outcome.value,
        "event_id": detection.event_id,
        "class_code": detection.class_code,
        "evidence_id": detection.evidence_id,
    }
    return JSONResponse(answer, 201 if detection.outcome is Outcome.EVENT else 200)


async def _ingest(request: Request, service: DetectionService, who: Principal) -> Detection:
    limit = service.max_body_bytes
    body, size = await _read_capped(request, limit)
    try:
        upload = await _unpack(request.headers, body, size, limit)
    except Rejected as exc:  # refused before the service saw it: dead-letter it here
        await run_in_threadpool(service.reject, body, exc)
        raise
    if upload is None:
        return await run_in_threadpool(service.ingest_json, body, who)
    metadata, image, image_type = upload
    return await run_in_threadpool(service.ingest_upload, metadata, image, image_type, who)


async def _unpack(
    headers: Headers, body: bytes, size: int, limit: int
) -> tuple[bytes, bytes | None, str | None] | None:
    """None for a JSON body, the parts of a multipart one; Rejected for anything else."""
    if size > limit:
        raise Rejected(Code.TOO_LARGE, f"body is {size:,} bytes or more; the limit is {limit:,}")
    media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media == "multipart/form-data":
        return await _parts(headers, body)
    if media in ("", "application/json") or media.endswith("+json"):
        return None
    raise Rejected(
        Code.UNSUPPORTED_MEDIA, f"send application/json or multipart/form-data, not {media}"
    )


async def _parts(headers: Headers, body: bytes) -> tuple[bytes, bytes | None, str | None]:
    """The `metadata` field and the `image` file of a multipart body."""

    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    parser = MultiPartParser(headers, stream(), max_files=2, max_fields=4, max_part_size=64 * 1024)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise Rejected(Code.MALFORMED, f"multipart body: {exc.message}") from exc
    try:
        metadata = form.get("metadata")
        if metadata is None:
            raise Rejected(Code.BAD_SHAPE, "multipart body needs a `metadata` field (JSON)")
        raw = await metadata.read() if isinstance(metadata, UploadFile) else metadata.encode()
        image = form.get("image")
        if image is None:
            return raw, None, None
        if not isinstance(image, UploadFile):
            raise Rejected(Code.BAD_IMAGE, "`image` must be a file part, not a text field")
        return raw, await image.read(), image.content_type
    finally:
        await form.close()


async def _read_capped(request: Request, limit: int) -> tuple[bytes, int]:
    """The body, or its head once it passes `limit` (with the size seen so far)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return b"", int(declared)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return b"".join(chunks), size
        chunks.append(chunk)
    return b"".join(chunks), size


@router.get("/api/v1/detections", summary="Detections (audit) AI识别记录")
def list_detections(
    rt: RuntimeDep,
    _who: ReaderDep,
    camera_id: str | None = None,
    vendor: str | None = None,
    label: str | None = None,
    outcome: Outcome | None = None,
    event_id: str | None = None,
    from_: Annotated[str | None, Query(alias="from", description="ts, epoch ms or ISO")] = None,
    to: str | None = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    f = DetectionFilter(
        camera_id=camera_id,
        vendor=vendor,
        label=label,
        outcome=outcome,
        event_id=event_id,
        start=parse_time(from_, 0, "from") if from_ else None,
        end=parse_time(to, 0, "to") if to else None,
    )
    page = rt.detections.query(f, cursor, limit + 1)
    items = page[:limit]
    return {
        "items": [_render(d) for d in items],
        "next_cursor": items[-1].id if len(page) > limit else None,
    }


def _render(d: Detection) -> dict[str, Any]:
    return {
        "id": d.id,
        "vendor": d.vendor,
        "camera_id": d.camera_id,
        "label": d.label,
        "confidence": d.confidence,
        "bbox": d.bbox,
        "ts": d.ts,
        "outcome": d.outcome.value,
        "class_code": d.class_code,
        "event_id": d.event_id,
        "evidence_id": d.evidence_id,
        "evidence_url": f"/api/v1/evidence/{d.evidence_id}" if d.evidence_id else None,
        "received_at": d.received_at,
    }


@router.get("/api/v1/detections/vendors", summary="Vendor label mappings 厂商标签映射")
def list_vendors(rt: RuntimeDep, _who: ReaderDep) -> dict[str, Any]:
    """Which vendor labels open which event classes, and with what thresholds."""
    return {
        "items": [v.model_dump(mode="json") for v in rt.detections.mappings.vendors()],
    }
