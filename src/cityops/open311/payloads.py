"""The spec's answers as plain data, shaped once and rendered as JSON or XML.

The JSON follows the spec's Spark convention (an XML container of repeated elements is a JSON
array), so `xml_document` renders these same structures element for element.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cityops.open311.model import Catalog, Receipt, RequestView, Service, ServiceType, TokenView
from cityops.open311.w3c import format_w3c

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = ("text/xml", "application/json")


def discovery(catalog: Catalog, endpoint_url: str) -> dict[str, Any]:
    return {
        "changeset": catalog.changeset,
        "contact": catalog.contact,
        "key_service": catalog.key_service,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": endpoint_url,
                "changeset": catalog.changeset,
                "type": "production",
                "formats": list(FORMATS),
            }
        ],
    }


def services(catalog: Catalog) -> list[dict[str, Any]]:
    return [
        {
            "service_code": s.service_code,
            "service_name": s.service_name,
            "description": s.description,
            "metadata": s.metadata,
            "type": s.type.value,
            "keywords": ", ".join(s.keywords),
            "group": s.group,
        }
        for s in catalog.services
    ]


def definition(service: Service) -> dict[str, Any]:
    attributes = []
    for a in service.attributes:
        attribute: dict[str, Any] = {
            "variable": a.variable,
            "code": a.code,
            "datatype": a.datatype.value,
            "required": a.required,
            "datatype_description": a.datatype_description,
            "order": a.order,
            "description": a.description,
        }
        if a.values:
            attribute["values"] = [{"key": v.key, "name": v.name} for v in a.values]
        attributes.append(attribute)
    return {"service_code": service.service_code, "attributes": attributes}


def receipts(receipt: Receipt) -> list[dict[str, Any]]:
    """The id or the token, never both (the spec), or neither for a blackbox service."""
    answer: dict[str, Any] = {}
    if receipt.type is ServiceType.REALTIME:
        answer["service_request_id"] = receipt.service_request_id
    elif receipt.type is ServiceType.BATCH:
        answer["token"] = receipt.token
    answer["service_notice"] = receipt.service_notice
    answer["account_id"] = receipt.account_id
    return [answer]


def requests(catalog: Catalog, views: Sequence[RequestView]) -> list[dict[str, Any]]:
    tz = catalog.tz
    answers = []
    for v in views:
        service = catalog.service(v.service_code)
        answers.append(
            {
                "service_request_id": v.service_request_id,
                "status": v.status,
                "status_notes": v.status_notes,
                "service_name": service.service_name if service else v.service_code,
                "service_code": v.service_code,
                "description": v.description,
                "agency_responsible": v.agency_responsible,
                "service_notice": v.service_notice,
                "requested_datetime": format_w3c(v.requested_at, tz),
                "updated_datetime": format_w3c(v.updated_at, tz),
                "expected_datetime": None
                if v.expected_at is None
                else format_w3c(v.expected_at, tz),
                "address": v.address,
                "address_id": v.address_id,
                "zipcode": None,
                "lat": v.lat,
                "long": v.lon,
                "media_url": v.media_url,
            }
        )
    return answers


def tokens(view: TokenView) -> list[dict[str, Any]]:
    return [{"service_request_id": view.service_request_id, "token": view.token}]


def errors(code: int, descriptions: Sequence[str]) -> list[dict[str, Any]]:
    return [{"code": code, "description": d} for d in descriptions]
