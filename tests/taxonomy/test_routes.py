"""GET /api/v1/taxonomy lists classes with their names, filtered by kind, major and iot."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cityops.auth.tokens import Role
from cityops.runtime import Runtime


def test_the_taxonomy_lists_every_class_with_names(client: TestClient, runtime: Runtime) -> None:
    body = client.get("/api/v1/taxonomy").json()
    assert len(body["classes"]) == len(runtime.taxonomy)
    garbage = next(c for c in body["classes"] if c["code"] == "E0102")
    assert garbage == {
        "code": "E0102",
        "kind": "event",
        "major_code": "E01",
        "major_name_zh": "市容环境",
        "major_name_en": "City appearance and environment",
        "name_zh": "暴露垃圾",
        "name_en": "Exposed garbage",
        "iot": False,
        "origin": "GB/T 30428.2",
    }
    assert {m["code"] for m in body["majors"]} == {m.code for m in runtime.taxonomy.majors()}


def test_filters_narrow_by_kind_major_and_iot(client: TestClient) -> None:
    components = client.get("/api/v1/taxonomy", params={"kind": "component"}).json()
    assert components["classes"]
    assert {c["kind"] for c in components["classes"]} == {"component"}
    assert all(m["code"].startswith("C") for m in components["majors"])
    street = client.get("/api/v1/taxonomy", params={"major": "E05"}).json()
    assert {"E0502", "E0504"} <= {c["code"] for c in street["classes"]}
    assert [m["code"] for m in street["majors"]] == ["E05"]
    iot = client.get("/api/v1/taxonomy", params={"iot": "true"}).json()
    assert [c["code"] for c in iot["classes"]] == [f"E100{i}" for i in range(1, 9)]
    people = client.get("/api/v1/taxonomy", params={"iot": "false", "major": "E10"}).json()
    assert people["classes"] == []


def test_a_malformed_major_is_refused(client: TestClient) -> None:
    assert client.get("/api/v1/taxonomy", params={"major": "01"}).status_code == 422


def test_readers_may_list_the_taxonomy_but_ingest_keys_may_not(
    client: TestClient, runtime: Runtime
) -> None:
    viewer = runtime.api_keys.create("screen", Role.VIEWER)[1]
    ingest = runtime.api_keys.create("gateway", Role.INGEST)[1]
    assert client.get("/api/v1/taxonomy", headers={"Authorization": f"Bearer {viewer}"}).is_success
    assert (
        client.get("/api/v1/taxonomy", headers={"Authorization": f"Bearer {ingest}"}).status_code
        == 403
    )
    assert client.get("/api/v1/taxonomy", headers={"Authorization": ""}).status_code == 401
