"""no_data: a silent device raises from the engine's tick and clears when heard again."""

from __future__ import annotations

from cityops.core.clock import FakeClock
from cityops.core.types import Reading
from cityops.devices.registry import MaintenanceState
from cityops.devices.shadow import ShadowStore
from cityops.events.model import Clear, Severity, Signal
from cityops.rules.engine import RuleEngine
from tests.rules.support import T0, device, engine_with, kinds, registry, rule

OFFLINE = {"type": "no_data", "for_s": 1200}


def offline_engine() -> RuleEngine:
    return engine_with(
        rule(
            OFFLINE,
            id="offline",
            class_code="E1006",
            severity="blue",
            message="{device_name}：{silent_min} 分钟无数据（最后上报 {last_seen}）",
        )
    )


def heard(shadows: ShadowStore, clock: FakeClock, device_id: str = "UWL-1") -> Reading:
    r = Reading(device_id=device_id, ts=clock.now_ms(), values={"water_level_cm": 1.0})
    shadows.apply([r], clock.now_ms())
    return r


def test_a_device_silent_past_for_s_raises_once_at_the_tick() -> None:
    clock, shadows, reg, eng = FakeClock(T0), ShadowStore(), registry(device()), offline_engine()
    heard(shadows, clock)
    clock.advance(1199)
    assert eng.tick(clock.now_ms(), reg, shadows) == []
    clock.advance(1)
    (signal,) = eng.tick(clock.now_ms(), reg, shadows)
    assert isinstance(signal, Signal)
    assert (signal.key, signal.class_code, signal.severity) == (
        "rule:offline:UWL-1",
        "E1006",
        Severity.BLUE,
    )
    assert signal.ts == clock.now_ms()
    assert signal.title == "测试UWL-1：20 分钟无数据（最后上报 2026-01-01 08:00）"
    assert signal.evidence["values"] == {"last_seen": T0, "silent_s": 1200}
    clock.advance(600)
    assert eng.tick(clock.now_ms(), reg, shadows) == []  # raised once, not on every tick


def test_data_arriving_again_clears_it() -> None:
    clock, shadows, reg, eng = FakeClock(T0), ShadowStore(), registry(device()), offline_engine()
    heard(shadows, clock)
    clock.advance(3600)
    eng.tick(clock.now_ms(), reg, shadows)
    (clear,) = eng.evaluate([heard(shadows, clock)], reg)
    assert isinstance(clear, Clear)
    assert clear.key == "rule:offline:UWL-1"
    assert eng.tick(clock.now_ms(), reg, shadows) == []


def test_a_device_never_seen_is_not_offline() -> None:
    clock, reg, eng = FakeClock(T0), registry(device()), offline_engine()
    clock.advance(86_400)
    assert eng.tick(clock.now_ms(), reg, ShadowStore()) == []


def test_after_a_restart_devices_get_the_full_for_s_to_report() -> None:
    clock, shadows, reg, eng = FakeClock(T0), ShadowStore(), registry(device()), offline_engine()
    heard(shadows, clock)
    clock.advance(7200)  # the platform was down for two hours
    eng.resume(clock.now_ms())
    assert eng.tick(clock.now_ms(), reg, shadows) == []
    clock.advance(1200)
    assert kinds(eng.tick(clock.now_ms(), reg, shadows)) == ["S:blue"]


def test_devices_under_maintenance_are_not_watched() -> None:
    clock, shadows, eng = FakeClock(T0), ShadowStore(), offline_engine()
    reg = registry(device(state=MaintenanceState.MAINTENANCE))
    heard(shadows, clock)
    clock.advance(3600)
    assert eng.tick(clock.now_ms(), reg, shadows) == []
