"""Per-device budgets: a device over its budget has the excess refused as `rate_limited` and
dead-lettered, other devices are unaffected, gateways get a larger budget, memory stays bounded."""

from __future__ import annotations

import msgspec
import pytest
from fastapi.testclient import TestClient

from cityops.auth.tokens import Principal, PrincipalKind, Role
from cityops.core.clock import FakeClock
from cityops.core.types import Source
from cityops.ingest.ratelimit import RateLimiter, RateLimits
from cityops.ingest.reasons import Code, Invalid
from cityops.runtime import Runtime
from tests.web.helpers import reading, register

T0 = 1_767_225_600_000


def limiter(**limits: float) -> RateLimiter:
    return RateLimiter(RateLimits(**limits))  # type: ignore[arg-type]


def test_a_device_may_send_its_burst_at_once_then_waits_for_the_refill() -> None:
    rl = limiter(per_s=10, burst=5)
    assert [rl.take("d1", T0) for _ in range(6)] == [True] * 5 + [False]
    assert rl.take("d1", T0 + 99) is False
    assert rl.take("d1", T0 + 100) is True  # 10 a second: one token every 100 ms
    assert [rl.take("d1", T0 + 60_000) for _ in range(6)] == [True] * 5 + [False]  # capped


def test_each_device_has_its_own_budget() -> None:
    rl = limiter(per_s=1, burst=2)
    assert [rl.take("d1", T0) for _ in range(3)] == [True, True, False]
    assert [rl.take("d2", T0) for _ in range(2)] == [True, True]


def test_gateway_and_admin_keys_get_the_multiplier_devices_and_people_do_not() -> None:
    rl = limiter(privileged_multiplier=10)
    key = Principal(PrincipalKind.API_KEY, "k", Role.INGEST)
    assert rl.scale_for(key) == 10
    assert rl.scale_for(Principal(PrincipalKind.API_KEY, "a", Role.ADMIN)) == 10
    assert rl.scale_for(Principal(PrincipalKind.DEVICE, "d1")) == 1
    assert rl.scale_for(Principal(PrincipalKind.API_KEY, "v", Role.VIEWER)) == 1
    assert rl.scale_for(Principal(PrincipalKind.USER, "u", Role.ADMIN)) == 1


def test_the_refusal_is_an_invalid_reading_with_its_own_code() -> None:
    rl = limiter(per_s=10, burst=1)
    rl.check("d1", T0)
    with pytest.raises(Invalid) as refused:
        rl.check("d1", T0)
    assert refused.value.code is Code.RATE_LIMITED
    assert refused.value.reason.startswith("rate_limited: device 'd1' is over its budget of 10")


def test_idle_buckets_are_dropped_so_memory_stays_bounded() -> None:
    rl = limiter(per_s=10, burst=600, sweep_s=60)  # full again after 60 s
    for i in range(10_000):
        rl.take(f"d{i}", T0)
    assert rl.tracked == 10_000
    rl.take("busy", T0 + 30_000)
    assert rl.tracked == 10_001  # not yet full: kept, their budget still counts
    rl.take("busy", T0 + 61_000)
    assert rl.tracked == 1


def test_a_clock_stepping_back_never_starves_a_device() -> None:
    rl = limiter(per_s=10, burst=1)
    assert rl.take("d1", T0 + 3_600_000)
    assert rl.take("d1", T0) is False
    assert rl.take("d1", T0 + 100)


def test_a_disabled_limiter_refuses_nothing() -> None:
    rl = limiter(burst=1, enabled=False)
    for _ in range(100):
        rl.check("d1", T0)


def test_limits_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYOPS_RATE_LIMIT_PER_S", "2.5")
    monkeypatch.setenv("CITYOPS_RATE_LIMIT_BURST", "50")
    monkeypatch.setenv("CITYOPS_RATE_LIMIT_PRIVILEGED_MULTIPLIER", "4")
    limits = RateLimits()
    assert (limits.per_s, limits.burst, limits.privileged_multiplier) == (2.5, 50, 4)


def batch(device_id: str, now: int, n: int) -> list[dict[str, object]]:
    return [reading(device_id, now - i, water_level_cm=1.0) for i in range(n)]


def test_a_device_sending_a_thousand_readings_at_once_has_the_excess_refused(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    token = register(client, "UWL-R-1")["token"]
    other = register(client, "UWL-R-2")["token"]
    now = clock.now_ms()
    answer = client.post(
        "/api/v1/telemetry",
        json=batch("UWL-R-1", now, 1000),
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert (answer["accepted"], answer["rejected"]) == (600, 400)
    assert [e["index"] for e in answer["errors"]] == list(range(600, 1000))
    assert {e["reason"].split(":")[0] for e in answer["errors"]} == {"rate_limited"}

    letters = client.get(
        "/api/v1/dead-letters", params={"reason": "rate_limited", "limit": 1000}
    ).json()["items"]
    assert len(letters) == 400
    assert {letter["device_id"] for letter in letters} == {"UWL-R-1"}
    stats = client.get("/api/v1/stats/ingest").json()
    assert stats["rejected_by_reason"]["rate_limited"] == 400

    unaffected = client.post(
        "/api/v1/telemetry",
        json=batch("UWL-R-2", now, 10),
        headers={"Authorization": f"Bearer {other}"},
    ).json()
    assert unaffected["accepted"] == 10

    clock.advance(10)  # 10 readings a second come back
    again = client.post(
        "/api/v1/telemetry",
        json=batch("UWL-R-1", clock.now_ms(), 150),
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert (again["accepted"], again["rejected"]) == (100, 50)


def test_a_gateway_forwarding_a_backlog_has_a_larger_budget_per_device(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    register(client, "UWL-R-3")
    gateway = runtime.api_keys.create("gateway", Role.INGEST)[1]
    answer = client.post(
        "/api/v1/telemetry",
        json=batch("UWL-R-3", clock.now_ms(), 2000),
        headers={"Authorization": f"Bearer {gateway}"},
    ).json()
    assert (answer["accepted"], answer["rejected"]) == (2000, 0)


def test_invalid_readings_spend_no_budget(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    """Refused first as forbidden, a credential cannot drain another device's budget."""
    own = register(client, "UWL-R-4")["token"]
    thief = register(client, "UWL-R-5")["token"]
    now = clock.now_ms()
    client.post(
        "/api/v1/telemetry",
        json=batch("UWL-R-4", now, 1000),
        headers={"Authorization": f"Bearer {thief}"},
    )
    owner = client.post(
        "/api/v1/telemetry",
        json=batch("UWL-R-4", now, 600),
        headers={"Authorization": f"Bearer {own}"},
    ).json()
    assert owner["accepted"] == 600


def mqtt_publish(runtime: Runtime, device_id: str, timestamps: list[int]) -> tuple[int, int]:
    """One reading a message, as the MQTT subscriber hands them over; (accepted, refused)."""
    who = Principal(PrincipalKind.DEVICE, device_id)
    accepted = refused = 0
    for ts in timestamps:
        body = msgspec.json.encode(reading(device_id, ts, water_level_cm=1.0))
        prepared = runtime.ingest.prepare(
            body, source=Source.MQTT, principal=who, topic_device=device_id
        )
        accepted += len(prepared.readings)
        refused += sum(1 for e in prepared.errors if e.reason.startswith("rate_limited"))
    return accepted, refused


def test_an_mqtt_backlog_delivered_at_once_passes_at_the_pace_it_was_sent(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    register(client, "UWL-M-1")
    now = clock.now_ms()
    ten_hours_a_second_apart = [now - 36_000_000 + i * 1000 for i in range(2000)]
    assert mqtt_publish(runtime, "UWL-M-1", ten_hours_a_second_apart) == (2000, 0)


def test_an_mqtt_flood_is_refused_like_an_http_one(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    register(client, "UWL-M-2")
    now = clock.now_ms()
    # 1,000 readings sent within one second: the burst of 600, plus the 9 that one second of
    # refill (10 a second) pays for along the way.
    assert mqtt_publish(runtime, "UWL-M-2", [now - 999 + i for i in range(1000)]) == (609, 391)
    # Made-up old timestamps refill nothing: the bucket never runs backwards.
    assert mqtt_publish(runtime, "UWL-M-2", [now - 86_400_000 + i * 60_000 for i in range(5)]) == (
        0,
        5,
    )
    clock.advance(10)  # time passes: ten seconds of budget for readings sent in it
    later = [now + (i + 1) * 100 for i in range(100)]  # ten a second, as the budget allows
    assert mqtt_publish(runtime, "UWL-M-2", later) == (100, 0)
