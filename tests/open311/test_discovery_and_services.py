"""Discovery, the service list and service definitions, in JSON and in XML."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cityops.runtime import Runtime
from tests.open311.helpers import BASE, as_text, errors_of, spark, valid_json, xml_root
from tests.open311.schemas import DISCOVERY, SERVICE_DEFINITION, SERVICES


def test_discovery_names_the_endpoint_and_both_formats(client: TestClient) -> None:
    body = valid_json(client.get(f"{BASE}/discovery.json"), DISCOVERY)
    (endpoint,) = body["endpoints"]
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    root = xml_root(client.get(f"{BASE}/discovery.xml"), "discovery")
    assert [child.tag for child in root] == ["changeset", "contact", "key_service", "endpoints"]
    assert [f.text for f in root.iterfind("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]
    assert spark(root) == as_text(body)


def test_the_service_list_offers_the_districts_common_problems(
    client: TestClient, runtime: Runtime
) -> None:
    body = valid_json(client.get(f"{BASE}/services.json"), SERVICES)
    codes = {s["service_code"] for s in body}
    assert {"garbage", "waterlogging", "manhole", "parking", "streetlight", "river"} <= codes
    assert len(body) >= 10
    garbage = next(s for s in body if s["service_code"] == "garbage")
    assert garbage["service_name"] == "暴露垃圾"
    assert "Exposed garbage" in garbage["description"]
    assert "exposed garbage" in garbage["keywords"].split(", ")
    for service in runtime.open311.catalog.services:
        event_class = runtime.taxonomy.require(service.class_code)
        assert event_class.kind.value == "event"
        assert not event_class.iot


def test_the_service_list_in_xml_carries_the_same_services(client: TestClient) -> None:
    root = xml_root(client.get(f"{BASE}/services.xml"), "services")
    first = root[0]
    assert first.tag == "service"
    assert [child.tag for child in first] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert {s.findtext("metadata") for s in root} <= {"true", "false"}
    assert spark(root) == as_text(client.get(f"{BASE}/services.json").json())


def test_every_service_definition_is_valid_and_ordered(
    client: TestClient, runtime: Runtime
) -> None:
    for service in runtime.open311.catalog.services:
        body = valid_json(
            client.get(f"{BASE}/services/{service.service_code}.json"), SERVICE_DEFINITION
        )
        assert body["service_code"] == service.service_code
        orders = [a["order"] for a in body["attributes"]]
        assert orders == list(range(1, len(orders) + 1))
        assert service.metadata == bool(body["attributes"])


def test_a_service_definition_in_xml_lists_attributes_and_values(client: TestClient) -> None:
    root = xml_root(client.get(f"{BASE}/services/manhole.xml"), "service_definition")
    assert root.findtext("service_code") == "manhole"
    problem = root.find("attributes/attribute")
    assert problem is not None
    assert [child.tag for child in problem] == [
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
        "values",
    ]
    assert (problem.findtext("code"), problem.findtext("required")) == ("PROBLEM", "true")
    assert [v.findtext("key") for v in problem.iterfind("values/value")] == [
        "missing",
        "broken",
        "displaced",
    ]
    assert spark(root) == as_text(client.get(f"{BASE}/services/manhole.json").json())


def test_an_unknown_service_code_is_404_in_either_format(client: TestClient) -> None:
    assert errors_of(client.get(f"{BASE}/services/potholes.json"), 404) == [
        "service_code 'potholes' not found"
    ]
    root = xml_root(client.get(f"{BASE}/services/potholes.xml"), "errors", 404)
    assert [(e.findtext("code"), e.findtext("description")) for e in root] == [
        ("404", "service_code 'potholes' not found")
    ]


def test_only_json_and_xml_are_offered(client: TestClient) -> None:
    assert errors_of(client.get(f"{BASE}/services.html"), 404) == [
        "format 'html' is not offered; use .json or .xml"
    ]


def test_the_jurisdiction_is_optional_but_must_be_ours_when_given(
    client: TestClient, runtime: Runtime
) -> None:
    ours = runtime.open311.catalog.jurisdiction_id
    assert client.get(f"{BASE}/services.json", params={"jurisdiction_id": ours}).is_success
    assert client.get(f"{BASE}/services.json", params={"jurisdiction_id": ""}).is_success
    (problem,) = errors_of(
        client.get(f"{BASE}/services.json", params={"jurisdiction_id": "sfgov.org"}), 404
    )
    assert problem.startswith("jurisdiction_id 'sfgov.org' not found")
