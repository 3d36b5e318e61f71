"""Logging in and out over HTTP: /api/v1/auth/login, refresh, logout, me.

Bodies are decoded here (msgspec) rather than by FastAPI, because FastAPI's 422 answer echoes
the input back, and here the input is a password or a token. They must be sent as
`application/json`: a cross-site HTML form cannot send that type without a CORS preflight, so
no other site can log a visitor into an account of its choosing (login CSRF).
"""

from __future__ import annotations

import os
from typing import Annotated, Any, TypeVar

import msgspec
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from cityops.auth.errors import AccountLocked, LoginFailed, Throttled
from cityops.auth.sessions import TokenPair
from cityops.auth.tokens import Principal, PrincipalKind
from cityops.auth.users import UserInfo
from cityops.core.errors import Unauthorized
from cityops.web.auth import SESSION_COOKIE, PrincipalDep, UsersDep, user_credential

router = APIRouter(prefix="/api/v1/auth", tags=["auth 登录"])

Body = TypeVar("Body", bound=msgspec.Struct)
CHALLENGE = {"WWW-Authenticate": "Bearer"}


class LoginBody(msgspec.Struct):
    username: Annotated[str, msgspec.Meta(max_length=200)]
    password: Annotated[str, msgspec.Meta(max_length=1024)]
    session: bool = False
    """True: a browser session (cookie + CSRF token) instead of bearer tokens."""


class RefreshBody(msgspec.Struct):
    refresh_token: Annotated[str, msgspec.Meta(max_length=200)]


class LogoutBody(msgspec.Struct):
    refresh_token: Annotated[str, msgspec.Meta(max_length=200)] | None = None


async def _raw(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw)]


def decode_json(request: Request, raw: bytes, kind: type[Body]) -> Body:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise HTTPException(415, "send the body as application/json")
    try:
        return msgspec.json.decode(raw, type=kind)
    except msgspec.ValidationError as exc:  # msgspec names the field, never the value
        raise HTTPException(400, f"invalid body: {exc}") from exc
    except msgspec.DecodeError as exc:
        raise HTTPException(400, "the body is not valid JSON") from exc


def json_body_doc(kind: type[msgspec.Struct], required: bool = True) -> dict[str, Any]:
    schema = msgspec.json.schema(kind)["$defs"][kind.__name__]
    content = {"application/json": {"schema": schema}}
    return {"requestBody": {"required": required, "content": content}}


def render_user(user: UserInfo) -> dict[str, Any]:
    """A person as the API shows them (no password hash, no lock-out details)."""
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "unit": user.unit,
        "grids": list(user.grids),
    }


def _no_store(body: dict[str, Any]) -> JSONResponse:
    """Answers carrying secrets must not be kept by any cache (RFC 6749 §5.1)."""
    return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def _tokens(user: UserInfo, pair: TokenPair) -> JSONResponse:
    return _no_store(
        {
            "access_token": pair.access_token,
            "refresh_token": pair.refresh_token,
            "token_type": "bearer",
            "expires_in": pair.expires_in,
            "user": render_user(user),
        }
    )


def _cookie_secure(request: Request) -> bool:
    """Secure on https; `CITYOPS_COOKIE_SECURE=1` forces it where TLS ends at a proxy that does
    not pass the scheme on."""
    forced = os.environ.get("CITYOPS_COOKIE_SECURE", "").lower() in {"1", "true", "yes"}
    return forced or request.url.scheme == "https"


@router.post(
    "/login",
    openapi_extra=json_body_doc(LoginBody),
    responses={
        401: {"description": "Wrong username or password (the same answer for either)"},
        423: {"description": "Locked after repeated failures; see Retry-After"},
        429: {"description": "Too many failures from this address; see Retry-After"},
    },
)
def login(request: Request, raw: RawBody, users: UsersDep) -> JSONResponse:
    """Bearer tokens for API clients; with `session: true`, a browser session cookie and the
    CSRF token to send as `X-CSRF-Token` on every unsafe request."""
    body = decode_json(request, raw, LoginBody)
    source = request.client.host if request.client else None
    try:
        user = users.authenticate(body.username, body.password, source=source)
    except Throttled as exc:
        raise HTTPException(429, str(exc), {"Retry-After": str(exc.retry_after_s)}) from exc
    except AccountLocked as exc:
        raise HTTPException(423, str(exc), {"Retry-After": str(exc.retry_after_s)}) from exc
    except LoginFailed as exc:
        raise HTTPException(401, str(exc), CHALLENGE) from exc
    if not body.session:
        return _tokens(user, users.sessions.issue_pair(user.id))
    web = users.sessions.open_session(user.id)
    response = _no_store(
        {"csrf_token": web.csrf_token, "expires_in": web.expires_in, "user": render_user(user)}
    )
    response.set_cookie(
        SESSION_COOKIE,
        web.token,
        max_age=web.expires_in,
        path="/",
        secure=_cookie_secure(request),
        httponly=True,
        samesite="strict",
    )
    return response


@router.post(
    "/refresh",
    openapi_extra=json_body_doc(RefreshBody),
    responses={401: {"description": "Unknown, expired or already used refresh token"}},
)
def refresh(request: Request, raw: RawBody, users: UsersDep) -> JSONResponse:
    """A new access and refresh token; the refresh token sent is spent."""
    body = decode_json(request, raw, RefreshBody)
    try:
        user, pair = users.refresh(body.refresh_token)
    except Unauthorized as exc:
        raise HTTPException(401, str(exc), CHALLENGE) from exc
    return _tokens(user, pair)


@router.post("/logout", status_code=204, openapi_extra=json_body_doc(LogoutBody, required=False))
def logout(request: Request, who: PrincipalDep, raw: RawBody, users: UsersDep) -> Response:
    """Ends the session or access token used to call it (and the refresh token, if sent)."""
    presented = user_credential(request)
    if who.kind is not PrincipalKind.USER or presented is None:
        raise HTTPException(400, "API keys and device tokens are revoked, not logged out")
    body = decode_json(request, raw, LogoutBody) if raw.strip() else LogoutBody()
    users.logout(who.id, presented[0], body.refresh_token)
    response = Response(status_code=204)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=_cookie_secure(request), httponly=True, samesite="strict"
    )
    return response


@router.get("/me")
def me(who: PrincipalDep, users: UsersDep) -> dict[str, Any]:
    """Who is calling: a person (role, unit, grids, display name), an API key or a device."""
    user = users.by_id(who.id) if who.kind is PrincipalKind.USER else None
    if user is not None:
        return {"kind": who.kind.value, **render_user(user)}
    return _render_principal(who)


def _render_principal(who: Principal) -> dict[str, Any]:
    return {
        "kind": who.kind.value,
        "id": who.id,
        "display_name": who.name,
        "role": who.role.value if who.role else None,
        "unit": who.unit,
        "grids": list(who.grids),
    }
