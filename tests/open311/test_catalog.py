"""The service list is data, checked on load against the spec's rules and the taxonomy; a
service's `type` decides whether a POST answers with the id, a token, or neither."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cityops.core.errors import ConfigError
from cityops.open311.catalog import load_catalog
from cityops.open311.service import Open311Service
from cityops.runtime import Runtime
from cityops.taxonomy.loader import load_taxonomy
from tests.open311.helpers import BASE, INSIDE, post, valid_json, xml_root
from tests.open311.schemas import POST_RESPONSE, REQUESTS, TOKEN_RESPONSE

CATALOG = """
jurisdiction_id: test.cityops
utc_offset: "+08:00"
changeset: "2026-01-01"
contact: test
key_service: test
services:
  - service_code: hotline
    service_name: 热线转办
    description: 12345 热线转来的暴露垃圾工单。Exposed garbage passed on by the 12345 hotline.
    group: 市容环境
    type: batch
    class_code: E0102
    dedup_radius_m: 50
    dedup_window_s: 3600
  - service_code: tipoff
    service_name: 匿名举报
    description: 匿名举报出店经营。Anonymous tip-off about a shop trading outside.
    group: 街面秩序
    type: blackbox
    class_code: E0502
    dedup_radius_m: 30
    dedup_window_s: 3600
"""


def test_the_shipped_catalog_loads_against_the_shipped_taxonomy() -> None:
    catalog = load_catalog(load_taxonomy())
    assert len(catalog.services) >= 10
    assert catalog.utc_offset_min == 480
    assert {s.type.value for s in catalog.services} == {"realtime"}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("class_code: E0102", "class_code: E0199"), "service hotline: class_code E0199 is not"),
        (("class_code: E0102", "class_code: C0111"), "class_code C0111 is not an event class"),
        (("type: batch", "type: later"), "services.0.type: Input should be"),
        (('utc_offset: "+08:00"', "utc_offset: CST"), "utc_offset: expected e.g. +08:00"),
        (("dedup_radius_m: 50", "dedup_radius_m: 0"), "services.0.dedup_radius_m"),
        (("service_code: tipoff", "service_code: hotline"), "service codes must be unique"),
        (
            (
                "dedup_window_s: 3600\n  - service_code: tipoff",
                "dedup_window_s: 3600\n"
                "    attributes:\n      - {code: KIND, datatype: singlevaluelist, description: d}\n"
                "  - service_code: tipoff",
            ),
            "values belong to (and are needed by) list datatypes only",
        ),
    ],
)
def test_catalog_errors_name_the_file_and_the_field(
    tmp_path: Path, change: tuple[str, str], words: str
) -> None:
    path = tmp_path / "services.yaml"
    path.write_text(CATALOG.replace(*change), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_catalog(load_taxonomy(), path)
    assert str(caught.value).startswith(f"{path}: ")
    assert words in str(caught.value)


@pytest.fixture
def custom(runtime: Runtime, tmp_path: Path) -> Runtime:
    path = tmp_path / "services.yaml"
    path.write_text(CATALOG, encoding="utf-8")
    runtime.open311 = Open311Service(
        runtime.engine,
        runtime.taxonomy,
        runtime.events,
        runtime.district,
        runtime.clock,
        catalog=load_catalog(runtime.taxonomy, path),
    )
    return runtime


def test_a_batch_service_answers_with_a_token_that_gives_the_id(
    client: TestClient, custom: Runtime, app_key: str
) -> None:
    (receipt,) = valid_json(post(client, app_key, service_code="hotline", **INSIDE), POST_RESPONSE)
    assert "service_request_id" not in receipt
    (resolved,) = valid_json(client.get(f"{BASE}/tokens/{receipt['token']}.json"), TOKEN_RESPONSE)
    assert resolved["token"] == receipt["token"]
    (view,) = valid_json(
        client.get(f"{BASE}/requests/{resolved['service_request_id']}.json"), REQUESTS
    )
    assert view["service_name"] == "热线转办"
    root = xml_root(client.get(f"{BASE}/tokens/{receipt['token']}.xml"), "service_requests")
    assert [child.tag for child in root[0]] == ["service_request_id", "token"]


def test_a_blackbox_service_answers_with_neither_id_nor_token(
    client: TestClient, custom: Runtime, app_key: str
) -> None:
    (receipt,) = valid_json(post(client, app_key, service_code="tipoff", **INSIDE), POST_RESPONSE)
    assert set(receipt) == {"service_notice", "account_id"}
    assert len(client.get(f"{BASE}/requests.json").json()) == 1
