"""Liveness and the ingest counters."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from cityops import __version__
from cityops.web.auth import ReaderDep, RuntimeDep

router = APIRouter(tags=["health 运行状态"])


@router.get("/api/v1/health", summary="Health 健康检查")
def health(rt: RuntimeDep) -> JSONResponse:
    """No credential needed: what a load balancer or a watchdog asks."""
    try:
        with rt.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        store_ok = True
    except sa.exc.SQLAlchemyError:
        store_ok = False
    mqtt = None if rt.mqtt is None else rt.mqtt.connected.is_set()
    ok = store_ok and mqtt is not False
    body = {
        "status": "ok" if ok else "degraded",
        "version": __version__,
        "store": {"engine": rt.engine.dialect.name, "ok": store_ok},
        "mqtt": {"configured": rt.mqtt is not None, "connected": mqtt},
        "devices": len(rt.registry),
    }
    return JSONResponse(body, 200 if ok else 503)


@router.get("/api/v1/stats/ingest", summary="Ingest counters 接入统计")
def ingest_stats(rt: RuntimeDep, _who: ReaderDep) -> dict[str, Any]:
    return {
        **rt.ingest.stats.snapshot(),
        "writer": {
            "queued_rows": rt.writer.queued_rows,
            "commits": rt.writer.commits,
            "rows_written": rt.writer.rows_written,
        },
        "mqtt_acked": rt.mqtt.acked if rt.mqtt else None,
        "detector": {
            "evaluated": rt.detector.evaluated,
            "open_events": len(rt.events.open_events()),
        },
    }
