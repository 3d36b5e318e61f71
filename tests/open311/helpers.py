"""Builders and checkers shared by the Open311 tests."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import jsonschema
from fastapi.testclient import TestClient
from httpx2 import Response

from tests.open311.schemas import ERRORS

BASE = "/open311/v2"
INSIDE = {"long": "120.30", "lat": "30.30"}  # inside the sample district
# Containers whose children repeat (the spec's "⇊"), as in the Spark convention.
LISTS = {"services", "attributes", "values", "endpoints", "formats", "service_requests", "errors"}


def post(client: TestClient, api_key: str | None, fmt: str = "json", **fields: Any) -> Response:
    data = {"api_key": api_key, **fields} if api_key is not None else fields
    return client.post(f"{BASE}/requests.{fmt}", data=data)


def report(client: TestClient, api_key: str, **fields: Any) -> str:
    """POST a valid request (garbage at the sample point unless told) and return its id."""
    answer = post(client, api_key, **{"service_code": "garbage", **INSIDE, **fields})
    assert answer.status_code == 200, answer.text
    request_id: str = answer.json()[0]["service_request_id"]
    return request_id


def valid_json(answer: Response, schema: dict[str, Any], status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/json; charset=utf-8"
    body = answer.json()
    jsonschema.Draft202012Validator(schema).validate(body)
    return body


def xml_root(answer: Response, root: str, status: int = 200) -> ET.Element:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "text/xml; charset=utf-8"
    assert answer.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    element = ET.fromstring(answer.content)
    assert element.tag == root
    return element


def spark(element: ET.Element) -> Any:
    """Read XML back by the Spark convention, to compare it with the JSON answer."""
    if element.tag in LISTS:
        return [spark(child) for child in element]
    if len(element):
        return {child.tag: spark(child) for child in element}
    return element.text


def as_text(value: Any) -> Any:
    """JSON values as XML carries them: text leaves, true/false, None for empty."""
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


def errors_of(answer: Response, status: int) -> list[str]:
    """The descriptions of a JSON error answer, after checking its shape."""
    body = valid_json(answer, ERRORS, status)
    assert {e["code"] for e in body} == {status}
    return [e["description"] for e in body]
