"""JSON Schemas of the GeoReport v2 answers, written from the spec's field tables.

Strict where the spec is: required fields, the allowed values of enumerations, W3C datetimes
with an offset, an error list of code + description. `additionalProperties: false` on request
views is what proves that contact details never leak into GET answers.
"""

from __future__ import annotations

from typing import Any

W3C_DATETIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$"
TEXT = {"type": "string", "minLength": 1}
OPTIONAL_TEXT = {"type": ["string", "null"]}
DATETIME = {"type": "string", "pattern": W3C_DATETIME}


def _object(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(required),
        "properties": {**required, **(optional or {})},
        "additionalProperties": False,
    }


def _list_of(item: dict[str, Any], *, at_least: int = 0) -> dict[str, Any]:
    return {"type": "array", "items": item, "minItems": at_least}


DISCOVERY = _object(
    {
        "changeset": TEXT,
        "contact": TEXT,
        "key_service": TEXT,
        "endpoints": _list_of(
            _object(
                {
                    "specification": {"const": "http://wiki.open311.org/GeoReport_v2"},
                    "url": {"type": "string", "pattern": r"^https?://.+/open311/v2$"},
                    "changeset": TEXT,
                    "type": {"enum": ["production", "test"]},
                    "formats": _list_of({"enum": ["text/xml", "application/json"]}, at_least=1),
                }
            ),
            at_least=1,
        ),
    }
)

SERVICES = _list_of(
    _object(
        {
            "service_code": TEXT,
            "service_name": TEXT,
            "description": OPTIONAL_TEXT,
            "metadata": {"type": "boolean"},
            "type": {"enum": ["realtime", "batch", "blackbox"]},
            "keywords": OPTIONAL_TEXT,
            "group": OPTIONAL_TEXT,
        }
    ),
    at_least=1,
)

_LISTS = ["singlevaluelist", "multivaluelist"]
_ATTRIBUTE = _object(
    {
        "variable": {"type": "boolean"},
        "code": TEXT,
        "datatype": {"enum": ["string", "number", "datetime", "text", *_LISTS]},
        "required": {"type": "boolean"},
        "datatype_description": OPTIONAL_TEXT,
        "order": {"type": "integer", "minimum": 1},
        "description": TEXT,
    },
    {"values": _list_of(_object({"key": TEXT, "name": TEXT}), at_least=1)},
)
# A list datatype needs its values; the other datatypes have none.
_ATTRIBUTE["if"] = {"properties": {"datatype": {"enum": _LISTS}}}
_ATTRIBUTE["then"] = {"required": ["values"]}
_ATTRIBUTE["else"] = {"not": {"required": ["values"]}}

SERVICE_DEFINITION = _object({"service_code": TEXT, "attributes": _list_of(_ATTRIBUTE)})

REQUESTS = _list_of(
    _object(
        {
            "service_request_id": TEXT,
            "status": {"enum": ["open", "closed"]},
            "service_name": TEXT,
            "service_code": TEXT,
            "requested_datetime": DATETIME,
            "updated_datetime": DATETIME,
        },
        {
            "status_notes": OPTIONAL_TEXT,
            "description": {"type": ["string", "null"], "maxLength": 4000},
            "agency_responsible": OPTIONAL_TEXT,
            "service_notice": OPTIONAL_TEXT,
            "expected_datetime": {"oneOf": [DATETIME, {"type": "null"}]},
            "address": OPTIONAL_TEXT,
            "address_id": OPTIONAL_TEXT,
            "zipcode": OPTIONAL_TEXT,
            "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
            "long": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
            "media_url": OPTIONAL_TEXT,
        },
    )
)

POST_RESPONSE = {
    **_list_of(
        {
            **_object(
                {},
                {
                    "service_request_id": TEXT,
                    "token": TEXT,
                    "service_notice": OPTIONAL_TEXT,
                    "account_id": OPTIONAL_TEXT,
                },
            ),
            # The id, or a token to fetch it with later, never both.
            "not": {"required": ["service_request_id", "token"]},
        },
        at_least=1,
    ),
    "maxItems": 1,
}

TOKEN_RESPONSE = {
    **_list_of(_object({"service_request_id": TEXT, "token": TEXT}), at_least=1),
    "maxItems": 1,
}

ERRORS = _list_of(
    _object({"code": {"type": "integer"}, "description": TEXT}),
    at_least=1,
)
