"""Every way a request can fail answers with the spec's error list and the right status:
403 for the api_key, 404 for what does not exist, 400 for the rest; nothing is written."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from cityops.auth.tokens import Role
from cityops.runtime import Runtime
from cityops.store.schema import events, service_requests
from tests.open311.helpers import BASE, INSIDE, errors_of, post, xml_root

GARBAGE = {"service_code": "garbage", **INSIDE}


def key_for(runtime: Runtime, kind: str) -> str | None:
    match kind:
        case "none":
            return None
        case "unknown":
            return "cok_not-a-key"
        case "revoked":
            info, secret = runtime.api_keys.create("old app", Role.INGEST)
            runtime.api_keys.revoke(info.id)
            return secret
        case "viewer":
            return runtime.api_keys.create("screen", Role.VIEWER)[1]
    return runtime.api_keys.create("app", Role.INGEST)[1]


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("none", "api_key was not provided"),
        ("unknown", "invalid api_key (unknown or revoked)"),
        ("revoked", "invalid api_key (unknown or revoked)"),
        ("viewer", "it needs role admin or ingest"),
    ],
)
def test_creating_a_request_needs_an_active_admin_or_ingest_key(
    client: TestClient, runtime: Runtime, kind: str, words: str
) -> None:
    (problem,) = errors_of(post(client, key_for(runtime, kind), **GARBAGE), 403)
    assert words in problem
    assert_nothing_written(runtime)


def test_an_admin_key_may_create_requests(client: TestClient, admin_key: str) -> None:
    assert post(client, admin_key, **GARBAGE).status_code == 200


@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({**INSIDE}, 400, ["service_code was not provided"]),
        ({**GARBAGE, "service_code": "potholes"}, 404, ["service_code 'potholes' not found"]),
        ({**GARBAGE, "jurisdiction_id": "sfgov.org"}, 404, ["jurisdiction_id 'sfgov.org' not"]),
        (
            {"service_code": "garbage"},
            400,
            ["a location is required: lat and long, address_string or address_id"],
        ),
        ({"service_code": "garbage", "lat": "30.3"}, 400, ["lat and long must both be sent"]),
        ({**GARBAGE, "lat": "north"}, 400, ["lat and long must be numbers"]),
        ({**GARBAGE, "lat": "95"}, 400, ["lat must lie within ±90"]),
        ({**GARBAGE, "description": "脏" * 4001}, 400, ["description is longer than 4000"]),
        ({**GARBAGE, "media_url": "file:///etc/passwd"}, 400, ["media_url must be an http(s)"]),
        (
            {**GARBAGE, "attribute[COLOUR]": "red"},
            400,
            ["attribute[COLOUR] is not an attribute of service garbage"],
        ),
        (
            {**GARBAGE, "attribute[AMOUNT]": "mountain"},
            400,
            ["attribute[AMOUNT] has no value 'mountain'; choose from bags, cartload, heap"],
        ),
        (
            {**GARBAGE, "attribute[AMOUNT][]": ["bags", "heap"]},
            400,
            ["attribute[AMOUNT] takes a single value"],
        ),
        (
            {**INSIDE, "service_code": "waterlogging"},
            400,
            ["attribute[PASSABLE] is required (车辆还能通行吗？"],
        ),
        (
            {
                **INSIDE,
                "service_code": "waterlogging",
                "attribute[PASSABLE]": "blocked",
                "attribute[DEPTH_CM]": "deep",
            },
            400,
            ["attribute[DEPTH_CM] must be a number, got 'deep'"],
        ),
        (
            {
                **INSIDE,
                "service_code": "waterlogging",
                "attribute[PASSABLE]": "blocked",
                "attribute[DEPTH_CM]": "250",
            },
            400,
            ["attribute[DEPTH_CM] must be at most 200"],
        ),
        (
            {**INSIDE, "service_code": "streetlight", "attribute[SINCE]": "last night"},
            400,
            ["attribute[SINCE] expected a W3C datetime"],
        ),
        (
            {**INSIDE, "service_code": "parking", "attribute[PLATE]": "浙A\n12345"},
            400,
            ["attribute[PLATE] is a string and may not contain line breaks"],
        ),
        (
            {**INSIDE, "service_code": "parking", "attribute[BLOCKING][]": ["pavement", "roof"]},
            400,
            ["attribute[BLOCKING] has no value 'roof'"],
        ),
        (
            {"service_code": "river", "lat": "30.3"},
            400,
            ["lat and long must both be sent", "attribute[WHAT] is required"],
        ),
    ],
)
def test_invalid_requests_are_refused_with_every_problem_named(
    client: TestClient,
    runtime: Runtime,
    app_key: str,
    fields: dict[str, Any],
    status: int,
    words: list[str],
) -> None:
    problems = errors_of(post(client, app_key, **fields), status)
    assert len(problems) == len(words)
    for problem, expected in zip(problems, words, strict=True):
        assert problem.startswith(expected), problem
    assert_nothing_written(runtime)


def test_errors_of_an_xml_post_are_xml(client: TestClient, runtime: Runtime) -> None:
    root = xml_root(post(client, "cok_nope", "xml", **GARBAGE), "errors", 403)
    (error,) = root
    assert error.tag == "error"
    assert [child.tag for child in error] == ["code", "description"]
    assert error.findtext("code") == "403"


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("requests/20260101-000000000000", "service_request_id '20260101-000000000000' not found"),
        ("tokens/abc", "token 'abc' not found"),
        ("services/potholes", "service_code 'potholes' not found"),
    ],
)
def test_what_does_not_exist_is_404_in_either_format(
    client: TestClient, path: str, words: str
) -> None:
    assert errors_of(client.get(f"{BASE}/{path}.json"), 404) == [words]
    root = xml_root(client.get(f"{BASE}/{path}.xml"), "errors", 404)
    assert [e.findtext("description") for e in root] == [words]


def test_a_bad_date_is_400_in_either_format(client: TestClient) -> None:
    params = {"end_date": "2026/01/01"}
    (problem,) = errors_of(client.get(f"{BASE}/requests.json", params=params), 400)
    assert problem.startswith("end_date: expected a W3C datetime")
    root = xml_root(client.get(f"{BASE}/requests.xml", params=params), "errors", 400)
    assert root.findtext("error/code") == "400"


def assert_nothing_written(runtime: Runtime) -> None:
    with runtime.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(service_requests)).scalar() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(events)).scalar() == 0
