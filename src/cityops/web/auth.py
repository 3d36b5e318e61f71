"""Bearer credentials → `Principal`, as FastAPI dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from cityops.auth.tokens import Principal, PrincipalKind, Role, hash_token
from cityops.runtime import Runtime


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


RuntimeDep = Annotated[Runtime, Depends(runtime)]


def principal(request: Request, rt: RuntimeDep) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("send Authorization: Bearer <API key or device token>")
    token = token.strip()
    if token.startswith("cod_"):
        device = rt.registry.device_for_token(hash_token(token))
        if device is not None:
            return Principal(PrincipalKind.DEVICE, device.id)
    else:
        found = rt.api_keys.principal(token)
        if found is not None:
            return found
    raise _unauthorized("unknown or revoked credential")


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
