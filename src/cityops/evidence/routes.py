"""GET /api/v1/evidence/{id}: the stored image, or the vendor's URL for a reference.

Served so a browser cannot be talked into treating it as anything else: the sniffed type,
``nosniff``, inline under our own file name, and a sandbox should someone open it directly.
A reference answers JSON rather than a redirect, so the API is never an open redirect.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response

from cityops.auth.tokens import Role
from cityops.evidence.store import EvidenceRejected, TooLarge, UnsupportedType
from cityops.runtime import Runtime
from cityops.web.auth import ReaderDep, RuntimeDep

router = APIRouter(tags=["evidence 证据"])
log = logging.getLogger(__name__)

CACHE_CONTROL = "private, max-age=86400"
"""Evidence never changes once stored; `private` because it is behind credentials."""


@router.post(
    "/api/v1/evidence",
    status_code=201,
    summary="Upload a photo before its case exists 上传现场照片",
    responses={413: {"description": "Too large"}, 415: {"description": "Not a JPEG/PNG/WebP"}},
)
async def upload(rt: RuntimeDep, who: ReaderDep, file: UploadFile) -> dict[str, str]:
    """A patrol report's photo is taken before the case is created: store it first, then pass
    its id in the new case's `evidence`."""
    if who.role is Role.VIEWER:
        raise HTTPException(403, "a viewer may not add evidence")
    return await store_upload(rt, file, f"{who.kind.value}:{who.id}")


async def store_upload(rt: Runtime, file: UploadFile, source: str) -> dict[str, str]:
    """An uploaded photo kept as evidence (read up to the size cap, type sniffed), for this
    endpoint and a case's; refusals say why: 413 too large, 415 not an image."""
    data = await file.read(rt.evidence.max_bytes + 1)
    try:
        info = rt.evidence.save(data, file.content_type, source)
    except EvidenceRejected as exc:
        status = (
            413 if isinstance(exc, TooLarge) else 415 if isinstance(exc, UnsupportedType) else 400
        )
        raise HTTPException(status, str(exc)) from exc
    return {"id": info.id, "url": f"/api/v1/evidence/{info.id}"}


@router.get(
    "/api/v1/evidence/{evidence_id}",
    summary="Evidence image 证据图片",
    response_model=None,
    responses={
        200: {
            "description": "The image bytes, or `{id, url}` for an image kept by a vendor",
            "content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}},
        },
        404: {"description": "No such evidence"},
    },
)
def get_evidence(evidence_id: str, rt: RuntimeDep, _who: ReaderDep) -> Response:
    info = rt.evidence.get(evidence_id)
    if info is None:
        raise HTTPException(404, f"no evidence {evidence_id!r}")
    headers = {"Cache-Control": CACHE_CONTROL, "X-Content-Type-Options": "nosniff"}
    if info.url is not None:
        return JSONResponse({"id": info.id, "url": info.url}, headers=headers)
    path = rt.evidence.path_of(info)
    try:
        stat = path.stat()
    except FileNotFoundError:
        log.error("evidence %s: file %s is missing", info.id, path)
        raise HTTPException(404, f"the file of evidence {evidence_id!r} is missing") from None
    return FileResponse(
        path,
        media_type=info.content_type,
        filename=info.filename,
        content_disposition_type="inline",
        stat_result=stat,
        headers={**headers, "Content-Security-Policy": "sandbox"},
    )
