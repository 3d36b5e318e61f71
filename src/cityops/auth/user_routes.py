"""People's accounts over HTTP, for admins: list, create, change, set a password.

Every change goes through `UserService`, which writes it to the audit log in the same
transaction, exactly as the `cityops user` commands do. Bodies are decoded with msgspec (as in
`auth.routes`) so that no error answer ever echoes a password back. Units and areas are checked
against the running platform here, at the edge: the service itself also serves the CLI, which
may create accounts before the district is imported.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from cityops.auth.routes import RawBody, decode_json, json_body_doc, render_user
from cityops.auth.tokens import Principal, PrincipalKind, Role
from cityops.auth.users import UserChanges, UserInfo
from cityops.core.errors import CityOpsError, Conflict, NotFound
from cityops.web.auth import AdminDep, RuntimeDep, UsersDep

router = APIRouter(prefix="/api/v1/users", tags=["users 用户"])

Password = Annotated[str, msgspec.Meta(max_length=1024)]


class NewUser(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(max_length=64)]
    display_name: Annotated[str, msgspec.Meta(max_length=100)] = ""
    password: Password
    role: Role
    unit: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    grids: Annotated[list[str], msgspec.Meta(max_length=100)] = msgspec.field(default_factory=list)


class NewPassword(msgspec.Struct, forbid_unknown_fields=True):
    password: Password


def render(user: UserInfo) -> dict[str, Any]:
    """`render_user` plus what an administrator needs to see."""
    return {
        **render_user(user),
        "disabled": user.disabled,
        "locked_until": user.locked_until,
        "created_at": user.created_at,
    }


def _actor(who: Principal) -> str:
    return f"{who.kind.value}:{who.id}"


def _fail(exc: CityOpsError) -> HTTPException:
    status = {NotFound: 404, Conflict: 409}.get(type(exc), 422)
    return HTTPException(status, str(exc))


@router.get("", summary="List accounts 用户列表")
def list_users(users: UsersDep, _who: AdminDep) -> dict[str, Any]:
    return {"items": [render(u) for u in users.list()]}


@router.post("", status_code=201, openapi_extra=json_body_doc(NewUser), summary="Create 新建用户")
def create_user(
    request: Request, raw: RawBody, rt: RuntimeDep, users: UsersDep, who: AdminDep
) -> dict[str, Any]:
    body = decode_json(request, raw, NewUser)
    try:
        user = users.create(
            body.username,
            body.display_name,
            body.password,
            body.role,
            body.unit,
            body.grids,
            actor=_actor(who),
        )
    except CityOpsError as exc:
        raise _fail(exc) from exc
    return render(user)


@router.patch("/{username}", openapi_extra=json_body_doc(UserChanges), summary="Change 修改用户")
def update_user(
    username: str, request: Request, raw: RawBody, rt: RuntimeDep, users: UsersDep, who: AdminDep
) -> dict[str, Any]:
    """Fields left out stay; `unit: null` and `grids: []` lift those limits."""
    changes = decode_json(request, raw, UserChanges)
    by_user = who.id if who.kind is PrincipalKind.USER else None
    try:
        return render(users.update(username, changes, actor=_actor(who), by_user=by_user))
    except CityOpsError as exc:
        raise _fail(exc) from exc


@router.post(
    "/{username}/password",
    status_code=204,
    openapi_extra=json_body_doc(NewPassword),
    summary="Set password 重置密码",
)
def set_password(
    username: str, request: Request, raw: RawBody, users: UsersDep, who: AdminDep
) -> Response:
    """The account's sessions and tokens end: the old password may be known to someone."""
    body = decode_json(request, raw, NewPassword)
    try:
        users.set_password(username, body.password, actor=_actor(who))
    except CityOpsError as exc:
        raise _fail(exc) from exc
    return Response(status_code=204)
