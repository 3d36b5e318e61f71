"""The ASGI application: every route of the API, assembled in one visible place."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from cityops import __version__
from cityops.audit import routes as audit
from cityops.auth import routes as auth
from cityops.auth import user_routes as users
from cityops.cases import routes as cases
from cityops.cases import stats_routes as case_stats
from cityops.detections import routes as detections
from cityops.evidence import routes as evidence
from cityops.open311 import routes as open311
from cityops.rules import routes as rules
from cityops.runtime import Runtime
from cityops.screen import routes as screen
from cityops.taxonomy import routes as taxonomy
from cityops.web.docs import STATIC, mount_docs
from cityops.web.routes import dead_letters, devices, district, events, health, telemetry
from cityops.web.security import install_security
from cityops.web.sse import Broadcaster


def create_app(rt: Runtime, *, manage_runtime: bool = True) -> FastAPI:
    """Build the app over a runtime; with `manage_runtime` the app starts and stops it."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if manage_runtime and not rt.started:
            rt.start()
        try:
            yield
        finally:
            if manage_runtime:
                rt.stop()

    app = FastAPI(
        title="CityOps API 城市运行管理平台接口",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    install_security(app, rt.settings)
    app.state.runtime = rt
    app.state.broadcaster = Broadcaster(rt.bus)
    for module in (
        health,
        district,
        devices,
        telemetry,
        dead_letters,
        events,
        rules,
        detections,
        evidence,
        open311,
        taxonomy,
        cases,
        case_stats,
        auth,
        users,
        audit,
        screen,
    ):
        app.include_router(module.router)
    mount_docs(app)
    app.mount("/static", StaticFiles(directory=STATIC), "static")

    @app.get("/", include_in_schema=False)
    def home() -> FileResponse:
        """The screens (built from `frontend/` by `make ui`); without them, a page that says so."""
        built = STATIC / "ui" / "index.html"
        return FileResponse(built if built.exists() else STATIC / "index.html")

    return app
