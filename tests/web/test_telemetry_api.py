"""POST /api/v1/telemetry: formats, credentials, per-item answers, dead letters, durability."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from tests.web.helpers import reading, register

from cityops.core.clock import FakeClock
from cityops.runtime import Runtime


@pytest.fixture
def gauge(client: TestClient) -> str:
    return str(register(client, "UWL-T-1")["token"])


def test_one_reading_an_array_and_ndjson_are_all_accepted(
    client: TestClient, clock: FakeClock, gauge: str
) -> None:
    now = clock.now_ms()
    one = client.post("/api/v1/telemetry", json=reading("UWL-T-1", now, water_level_cm=1.0))
    many = client.post(
        "/api/v1/telemetry",
        json=[reading("UWL-T-1", now - i * 1000, water_level_cm=2.0) for i in range(1, 4)],
    )
    nd = "\n".join(
        json.dumps(reading("UWL-T-1", now - i * 1000, water_level_cm=3.0)) for i in range(10, 12)
    )
    lines = client.post(
        "/api/v1/telemetry", content=nd, headers={"content-type": "application/x-ndjson"}
    )
    assert one.json() == {"accepted": 1, "rejected": 0, "errors": []}
    assert many.json()["accepted"] == 3
    assert lines.json()["accepted"] == 2
    telemetry = client.get(
        "/api/v1/devices/UWL-T-1/telemetry", params={"from": now - 60_000}
    ).json()
    assert len(telemetry["points"]) == 6


def test_bad_items_are_named_by_index_and_the_good_ones_stored(
    client: TestClient, clock: FakeClock, gauge: str
) -> None:
    now = clock.now_ms()
    body = [
        reading("UWL-T-1", now, water_level_cm=5.0),
        reading("UWL-T-1", now - 1000, water_level_cm=-3.0),
        reading("NOPE", now, water_level_cm=5.0),
    ]
    answer = client.post("/api/v1/telemetry", json=body)
    assert answer.status_code == 200
    result = answer.json()
    assert (result["accepted"], result["rejected"]) == (1, 2)
    assert [e["index"] for e in result["errors"]] == [1, 2]
    assert result["errors"][0]["reason"].startswith("out_of_range: water_level_cm=-3.0 cm")
    assert result["errors"][1]["reason"].startswith("unknown_device:")


def test_rejected_payloads_are_kept_as_dead_letters(client: TestClient, gauge: str) -> None:
    answer = client.post(
        "/api/v1/telemetry",
        content=b'{"device_id": "UWL-T-1", "ts": ',
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 400
    letters = client.get("/api/v1/dead-letters").json()["items"]
    assert letters[0]["reason"].startswith("malformed_json")
    assert letters[0]["raw"] == '{"device_id": "UWL-T-1", "ts": '
    assert letters[0]["source"] == "http"
    assert (
        client.get("/api/v1/dead-letters", params={"reason": "out_of_range"}).json()["items"] == []
    )


def test_an_oversized_body_is_refused_and_its_head_kept(
    client: TestClient, runtime: Runtime
) -> None:
    runtime.settings.max_body_bytes = 1000
    answer = client.post(
        "/api/v1/telemetry",
        content=b"[" + b" " * 5000 + b"]",
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 413
    assert answer.json()["errors"][0]["reason"].startswith("too_large: payload of 5002 bytes")
    assert client.get("/api/v1/dead-letters", params={"reason": "too_large"}).json()["items"]


def test_no_credential_is_401_and_nothing_is_stored(
    client: TestClient, clock: FakeClock, gauge: str
) -> None:
    answer = client.post(
        "/api/v1/telemetry",
        json=reading("UWL-T-1", clock.now_ms(), water_level_cm=1.0),
        headers={"Authorization": ""},
    )
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    bogus = client.post("/api/v1/telemetry", json=[], headers={"Authorization": "Bearer cok_nope"})
    assert bogus.status_code == 401


def test_a_device_token_writes_its_own_readings_only(
    client: TestClient, clock: FakeClock, gauge: str
) -> None:
    register(client, "UWL-T-2")
    own = {"Authorization": f"Bearer {gauge}"}
    now = clock.now_ms()
    mine = client.post(
        "/api/v1/telemetry", json=reading("UWL-T-1", now, water_level_cm=1.0), headers=own
    )
    theirs = client.post(
        "/api/v1/telemetry", json=reading("UWL-T-2", now, water_level_cm=1.0), headers=own
    )
    assert mine.json()["accepted"] == 1
    assert theirs.json()["errors"][0]["reason"].startswith("forbidden_device:")


def test_resending_the_same_reading_is_idempotent(
    client: TestClient, clock: FakeClock, gauge: str
) -> None:
    body = reading("UWL-T-1", clock.now_ms(), water_level_cm=7.0)
    for _ in range(3):
        assert client.post("/api/v1/telemetry", json=body).json()["accepted"] == 1
    assert len(client.get("/api/v1/devices/UWL-T-1/telemetry").json()["points"]) == 1


def test_acknowledged_readings_are_in_the_database_file(
    client: TestClient, runtime: Runtime, clock: FakeClock, gauge: str
) -> None:
    import sqlalchemy as sa

    client.post("/api/v1/telemetry", json=reading("UWL-T-1", clock.now_ms(), water_level_cm=7.0))
    other = sa.create_engine(runtime.engine.url)  # a separate connection, as after a restart
    with other.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM readings")).scalar_one() == 1
    other.dispose()
