"""POST /api/v1/telemetry: one reading, a JSON array, or NDJSON."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from cityops.auth.tokens import PrincipalKind, Role
from cityops.core.errors import Overloaded
from cityops.core.types import Source
from cityops.ingest.pipeline import DEAD_LETTER_RAW_CAP, Prepared
from cityops.web.auth import PrincipalDep, RuntimeDep

router = APIRouter(tags=["telemetry 遥测"])

_EXAMPLE = {"device_id": "UWL-UP-001", "ts": 1767225600000, "values": {"water_level_cm": 12.5}}


@router.post(
    "/api/v1/telemetry",
    summary="Ingest readings 上报遥测数据",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object"}, "example": [_EXAMPLE]},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        }
    },
    responses={
        200: {"description": "Accepted (possibly with some items rejected)"},
        400: {"description": "Every item was rejected"},
        413: {"description": "Body larger than the limit"},
        503: {"description": "Write queue full; retry after the given seconds"},
    },
)
async def post_telemetry(request: Request, rt: RuntimeDep, who: PrincipalDep) -> JSONResponse:
    """Validate and store readings; answers only after they are committed (durable)."""
    if who.kind is not PrincipalKind.DEVICE and who.role not in (Role.ADMIN, Role.INGEST):
        return JSONResponse({"detail": "this credential may not write telemetry"}, 403)
    limit = rt.settings.max_body_bytes
    body, size = await _read_capped(request, limit)
    if size > limit:
        prepared = rt.ingest.oversized(body, size, limit, source=Source.HTTP)
        status = 413
    else:
        ndjson = "ndjson" in request.headers.get("content-type", "")
        prepared = await run_in_threadpool(
            rt.ingest.prepare, body, source=Source.HTTP, principal=who, ndjson=ndjson
        )
        status = 200 if prepared.accepted or not prepared.errors else 400
    try:
        future = rt.ingest.submit(prepared)
    except Overloaded as exc:
        return JSONResponse({"detail": str(exc)}, 503, headers={"Retry-After": "1"})
    try:
        await asyncio.wrap_future(future)
    except Exception:
        return JSONResponse({"detail": "store unavailable; nothing was stored"}, 503)
    return JSONResponse(_answer(prepared), status)


def _answer(prepared: Prepared) -> dict[str, Any]:
    return {
        "accepted": prepared.accepted,
        "rejected": len(prepared.errors),
        "errors": [{"index": e.index, "reason": e.reason} for e in prepared.errors],
    }


async def _read_capped(request: Request, limit: int) -> tuple[bytes, int]:
    """The body, or its head once it passes `limit` (with the size seen so far)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        head = bytearray()
        async for chunk in request.stream():  # keep the head for the dead letter, drop the rest
            head += chunk
            if len(head) >= DEAD_LETTER_RAW_CAP:
                break
        return bytes(head), int(declared)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return b"".join(chunks), size
        chunks.append(chunk)
    return b"".join(chunks), size
