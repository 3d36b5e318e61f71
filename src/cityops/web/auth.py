"""Credentials → `Principal`, as FastAPI dependencies.

A request proves who it is with `Authorization: Bearer <token>` (an API key, a device token
`cod_…` or a person's access token `coa_…`) or, from a browser, with the session cookie. Browsers
attach cookies to requests other sites trigger, so a cookie-authenticated unsafe request must
also carry the CSRF token from the login answer in `X-CSRF-Token`; a bearer header is never
attached by the browser on its own, so it needs none. When both are sent, the header wins.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from cityops.auth.sessions import TokenKind
from cityops.auth.tokens import Principal, PrincipalKind, Role, hash_token
from cityops.auth.users import UserService
from cityops.runtime import Runtime

SESSION_COOKIE = "cityops_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


RuntimeDep = Annotated[Runtime, Depends(runtime)]


def users_of(rt: Runtime) -> UserService:
    """The runtime's one `UserService` (one per runtime: its login throttle must see every
    request)."""
    return rt.users


def user_service(rt: RuntimeDep) -> UserService:
    return users_of(rt)


UsersDep = Annotated[UserService, Depends(user_service)]


def user_credential(request: Request) -> tuple[str, TokenKind] | None:
    """The person's own token this request presents (access token or session cookie), if any."""
    header = request.headers.get("authorization")
    if header is None:
        cookie = request.cookies.get(SESSION_COOKIE)
        return (cookie, TokenKind.SESSION) if cookie else None
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token.startswith("coa_"):
        return token, TokenKind.ACCESS
    return None


def principal(request: Request, rt: RuntimeDep) -> Principal:
    header = request.headers.get("authorization")
    if header is None and SESSION_COOKIE in request.cookies:
        return _session_principal(request, rt, request.cookies[SESSION_COOKIE])
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("send Authorization: Bearer <API key, access or device token>")
    token = token.strip()
    if token.startswith("cod_"):
        device = rt.registry.device_for_token(hash_token(token))
        if device is not None:
            return Principal(PrincipalKind.DEVICE, device.id)
    elif token.startswith("coa_"):
        person = users_of(rt).principal_for(token, TokenKind.ACCESS)
        if person is not None:
            return person[0]
    else:
        found = rt.api_keys.principal(token)
        if found is not None:
            return found
    raise _unauthorized("unknown or revoked credential")


def _session_principal(request: Request, rt: Runtime, cookie: str) -> Principal:
    found = users_of(rt).principal_for(cookie, TokenKind.SESSION)
    if found is None:
        raise _unauthorized("the session has expired or was logged out; log in again")
    who, grant = found
    if request.method not in SAFE_METHODS and not grant.csrf_matches(
        request.headers.get(CSRF_HEADER)
    ):
        raise HTTPException(403, f"send the {CSRF_HEADER} header from the login answer")
    return who


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


PrincipalDep = Annotated[Principal, Depends(principal)]


def reader(who: PrincipalDep) -> Principal:
    """People's keys read (every role but `ingest`); devices and gateways do not."""
    if who.role is not None and who.role is not Role.INGEST:
        return who
    raise HTTPException(403, "this credential may not read platform data")


def admin(who: PrincipalDep) -> Principal:
    if who.role is Role.ADMIN:
        return who
    raise HTTPException(403, "this action needs an admin API key")


ReaderDep = Annotated[Principal, Depends(reader)]
AdminDep = Annotated[Principal, Depends(admin)]
