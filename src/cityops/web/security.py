"""Security headers on every response and a limit on every request body, as pure ASGI.

Pure ASGI rather than `BaseHTTPMiddleware`, which buffers a response: the event stream
(SSE) must reach the screens one event at a time. Only the response's start message is
edited; its body chunks pass through untouched.

Headers: a header the route set itself is left as the route set it, because that route knows
its answer better (evidence images carry ``Content-Security-Policy: sandbox`` and a private
cache lifetime); every other response gets the defaults below.

Body limit (`settings.max_body_bytes`, read per request so a running server can change it):
a declared Content-Length over the limit is answered 413 before any route runs, and a body
streamed without one is counted as the route reads it, so nothing ever buffers more than the
limit. Routes that enforce a limit of their own are exempt, since they keep what they refuse.
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cityops.core.config import Settings
from cityops.evidence.store import DEFAULT_MAX_BYTES as PHOTO_MAX_BYTES

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
    "object-src 'none'"
)
"""One policy for every page, /docs included: no inline script or style anywhere. Swagger UI
loads from /static and sets its styles through the DOM (which CSP allows); checked in headless
Chromium with every operation expanded and one tried out, without a single violation."""

PERMISSIONS = ", ".join(
    f"{feature}=({allow})"
    for feature, allow in {
        "camera": "self",  # the grid worker's photo of a case (处置/核查)
        "geolocation": "self",  # where that photo was taken
        "accelerometer": "",
        "autoplay": "",
        "display-capture": "",
        "encrypted-media": "",
        "fullscreen": "",
        "gyroscope": "",
        "magnetometer": "",
        "microphone": "",
        "midi": "",
        "payment": "",
        "picture-in-picture": "",
        "publickey-credentials-get": "",
        "screen-wake-lock": "",
        "usb": "",
        "xr-spatial-tracking": "",
    }.items()
)

HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "permissions-policy": PERMISSIONS,
    "cross-origin-opener-policy": "same-origin",
}

PRIVATE_PREFIXES = ("/api/", "/open311/")
"""Answers that get ``Cache-Control: no-store`` unless the route chose its own: all of the API.
Nearly every answer holds personal data or a secret (citizens' names and phones in cases and
Open311 requests, people acting on events and cases, the audit log, users, API keys and device
tokens, raw dead letters), and listing the few that do not would let a new route slip through."""

OWN_LIMIT = frozenset({"/api/v1/telemetry", "/api/v1/detections"})
"""Routes that read their body capped and dead-letter what they refuse (with its head)."""

PHOTO_UPLOAD = re.compile(r"/api/v1/cases/[^/]+/evidence")
PHOTO_LIMIT = PHOTO_MAX_BYTES + 256 * 1024
"""A photo may be as large as the evidence store takes, plus the multipart framing."""


def install_security(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(SecurityMiddleware, settings=settings)


class BodyTooLarge(HTTPException):
    """Raised from `receive`; the app's own handler turns it into a JSON 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than the limit of {limit:,} bytes")


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        private = path.startswith(PRIVATE_PREFIXES)
        started = False

        async def send_secured(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                _secure(MutableHeaders(scope=message), private)
            await send(message)

        limit = self._limit(path)
        if limit is not None:
            declared = Headers(scope=scope).get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                await _answer(scope, send_secured, BodyTooLarge(limit))
                return
            receive = _counted(receive, limit)
        try:
            await self.app(scope, receive, send_secured)
        except BodyTooLarge as exc:  # only when it escaped the app's exception handlers
            if started:
                raise
            await _answer(scope, send_secured, exc)
        except Exception:
            if not started:  # answer with our headers; the server still logs the error
                await _answer(scope, send_secured, HTTPException(500, "internal server error"))
            raise

    def _limit(self, path: str) -> int | None:
        if path in OWN_LIMIT:
            return None
        limit = self.settings.max_body_bytes
        if PHOTO_UPLOAD.fullmatch(path):
            return max(limit, PHOTO_LIMIT)
        return limit


def _secure(headers: MutableHeaders, private: bool) -> None:
    for name, value in HEADERS.items():
        headers.setdefault(name, value)
    if private:
        headers.setdefault("cache-control", "no-store")


def _counted(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def receive_counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message

    return receive_counted


async def _answer(scope: Scope, send: Send, exc: HTTPException) -> None:
    response = JSONResponse({"detail": exc.detail}, exc.status_code)

    async def no_body() -> Message:
        return {"type": "http.disconnect"}

    await response(scope, no_body, send)
