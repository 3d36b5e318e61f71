"""OpenAPI docs served entirely from this server (no CDN): Swagger UI 5 (it renders OpenAPI 3.1,
which 4.x does not) from the `fastapi-offline` wheel, started by a static script instead of an
inline one so the CSP needs no 'unsafe-inline'."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>CityOps API 接口文档</title>
<link rel="stylesheet" href="/static/swagger/swagger-ui.css">
</head><body><div id="swagger-ui"></div>
<script src="/static/swagger/swagger-ui-bundle.js"></script>
<script src="/static/docs-init.js"></script>
</body></html>"""


def mount_docs(app: FastAPI) -> None:
    assets = Path(fastapi_offline.__file__).parent / "static"
    app.mount("/static/swagger", StaticFiles(directory=assets), "swagger")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(_PAGE)
