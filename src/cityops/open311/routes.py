"""/open311/v2/: Open311 GeoReport v2 for citizens' apps, the 12345 hotline and integrators.

Every endpoint answers in the format its URL names (``.json`` or ``.xml``), failures included:
on these routes the spec's error list replaces FastAPI's ``{"detail": ...}``, so the route
class below turns domain errors (and FastAPI's own validation errors) into it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from cityops.auth.tokens import Principal, Role
from cityops.core.errors import Forbidden, NotFound
from cityops.open311 import payloads
from cityops.open311.intake import submission_from_form
from cityops.open311.model import Format, Rejected
from cityops.open311.xml_document import to_xml
from cityops.runtime import Runtime
from cityops.web.auth import RuntimeDep

MEDIA_TYPES = {
    Format.JSON: "application/json; charset=utf-8",
    Format.XML: "text/xml; charset=utf-8",
}
FORM_FIELDS = [
    *("api_key", "jurisdiction_id", "service_code", "lat", "long", "address_string"),
    *("address_id", "email", "device_id", "account_id", "first_name", "last_name", "phone"),
    *("description", "media_url"),
]


class _Open311Route(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except Rejected as exc:
                return _errors(request, 400, exc.problems)
            except NotFound as exc:
                return _errors(request, 404, [str(exc)])
            except Forbidden as exc:
                return _errors(request, 403, [str(exc)])
            except RequestValidationError as exc:
                return _errors(request, 400, [_describe(e) for e in exc.errors()])

        return answer


router = APIRouter(prefix="/open311/v2", tags=["open311 市民上报"], route_class=_Open311Route)


def _format(fmt: Annotated[str, Path(description="json or xml")]) -> Format:
    try:
        return Format(fmt)
    except ValueError as exc:
        raise NotFound(f"format {fmt!r} is not offered; use .json or .xml") from exc


async def _form_items(request: Request) -> list[tuple[str, str]]:
    form = await request.form()
    return [(key, value) for key, value in form.multi_items() if isinstance(value, str)]


AnswerFormat = Annotated[Format, Depends(_format)]
FormItems = Annotated[list[tuple[str, str]], Depends(_form_items)]


@router.get("/discovery.{fmt}", summary="Service discovery 服务发现")
def discovery(fmt: AnswerFormat, request: Request, rt: RuntimeDep) -> Response:
    url = f"{str(request.base_url).rstrip('/')}{router.prefix}"
    return _answer(fmt, "discovery", payloads.discovery(rt.open311.catalog, url))


@router.get("/services.{fmt}", summary="Service list 上报类型")
def services(fmt: AnswerFormat, rt: RuntimeDep, jurisdiction_id: str | None = None) -> Response:
    rt.open311.check_jurisdiction(jurisdiction_id)
    return _answer(fmt, "services", payloads.services(rt.open311.catalog))


@router.get("/services/{service_code}.{fmt}", summary="Service definition 上报类型的属性")
def service_definition(
    service_code: str, fmt: AnswerFormat, rt: RuntimeDep, jurisdiction_id: str | None = None
) -> Response:
    rt.open311.check_jurisdiction(jurisdiction_id)
    service = rt.open311.service(service_code)
    return _answer(fmt, "service_definition", payloads.definition(service))


@router.post(
    "/requests.{fmt}",
    summary="Create a service request 市民上报",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["api_key", "service_code"],
                        "properties": {name: {"type": "string"} for name in FORM_FIELDS},
                        "additionalProperties": {
                            "type": "string",
                            "description": "attribute[CODE]=v, or attribute[CODE][]=v1&… for lists",
                        },
                    }
                }
            },
        }
    },
)
def create_request(fmt: AnswerFormat, rt: RuntimeDep, form: FormItems) -> Response:
    who = _caller(rt, form)
    receipt = rt.open311.submit(submission_from_form(form), api_key_id=who.id)
    return _answer(fmt, "service_requests", payloads.receipts(receipt))


@router.get("/requests.{fmt}", summary="Service requests 上报列表")
def list_requests(
    fmt: AnswerFormat,
    rt: RuntimeDep,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: str | None = None,
    jurisdiction_id: str | None = None,
) -> Response:
    views = rt.open311.requests(
        service_request_id=service_request_id,
        service_code=service_code,
        start_date=start_date,
        end_date=end_date,
        status=status,
        jurisdiction_id=jurisdiction_id,
    )
    return _answer(fmt, "service_requests", payloads.requests(rt.open311.catalog, views))


@router.get("/requests/{service_request_id}.{fmt}", summary="One service request 上报详情")
def get_request(
    service_request_id: str, fmt: AnswerFormat, rt: RuntimeDep, jurisdiction_id: str | None = None
) -> Response:
    view = rt.open311.request(service_request_id, jurisdiction_id)
    return _answer(fmt, "service_requests", payloads.requests(rt.open311.catalog, [view]))


@router.get("/tokens/{token}.{fmt}", summary="Request id from a token 由回执查上报编号")
def get_token(
    token: str, fmt: AnswerFormat, rt: RuntimeDep, jurisdiction_id: str | None = None
) -> Response:
    view = rt.open311.token(token, jurisdiction_id)
    return _answer(fmt, "service_requests", payloads.tokens(view))


def _caller(rt: Runtime, form: list[tuple[str, str]]) -> Principal:
    """The spec's api_key form field: an active CityOps API key with role admin or ingest."""
    keys = [value.strip() for key, value in form if key == "api_key" and value.strip()]
    if not keys:
        raise Forbidden("api_key was not provided; creating a request needs an API key")
    who = rt.api_keys.principal(keys[-1])
    if who is None:
        raise Forbidden("invalid api_key (unknown or revoked); the request was not created")
    if who.role not in (Role.ADMIN, Role.INGEST):
        raise Forbidden("this api_key may not create requests (it needs role admin or ingest)")
    return who


def _answer(fmt: Format, root: str, payload: Any, status: int = 200) -> Response:
    body = to_xml(root, payload) if fmt is Format.XML else msgspec.json.encode(payload)
    return Response(body, status_code=status, media_type=MEDIA_TYPES[fmt])


def _errors(request: Request, status: int, problems: list[str]) -> Response:
    fmt = Format.XML if request.path_params.get("fmt") == "xml" else Format.JSON
    return _answer(fmt, "errors", payloads.errors(status, problems), status)


def _describe(error: Any) -> str:
    where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path", "body"))
    message = str(error.get("msg", "invalid"))
    return f"{where}: {message}" if where else message
