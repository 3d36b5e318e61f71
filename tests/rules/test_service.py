"""The rule service on SQLite and PostgreSQL: stored rules, saved state, live changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from cityops.bus.local import LocalBus
from cityops.core.clock import FakeClock
from cityops.core.errors import ConfigError, Conflict, NotFound
from cityops.devices.registry import DeviceRegistry
from cityops.events import store
from cityops.events.model import EventStatus
from cityops.events.service import EventService
from cityops.rules.checks import RuleInvalid
from cityops.rules.engine import RuleEngine
from cityops.rules.service import RuleService, shipped_rules_path
from cityops.store.schema import rule_state
from tests.rules.support import MIN, MODELS, T0, device, reading, registry, taxonomy

WATER: dict[str, Any] = {
    "id": "water",
    "name_zh": "积水",
    "name_en": "Water",
    "scope": {"models": ["underpass_water_level"]},
    "condition": {
        "type": "bands",
        "property": "water_level_cm",
        "bands": [{"above": 15, "severity": "blue"}, {"above": 40, "severity": "red"}],
        "clear": 5,
    },
    "class_code": "E1001",
}


class Platform:
    """The detection half of a runtime over one database, restartable."""

    def __init__(self, engine: sa.Engine, clock: FakeClock) -> None:
        self.clock = clock
        self.events = EventService(engine, LocalBus(), clock)
        self.engine = RuleEngine(taxonomy())
        self.rules = RuleService(engine, self.engine, taxonomy(), self.events, clock)
        self.registry: DeviceRegistry = registry(device())
        self.events.load()
        self.rules.load()

    def feed(self, minute: int, level: float) -> None:
        batch = [reading(T0 + minute * MIN, water_level_cm=level)]
        self.events.apply(self.engine.evaluate(batch, self.registry))

    def open_keys(self) -> list[str]:
        return sorted(e.key or "" for e in self.events.open_events())


@pytest.fixture
def platform(engine: sa.Engine) -> Platform:
    return Platform(engine, FakeClock(T0))


def test_create_list_get_and_conflict(platform: Platform) -> None:
    created = platform.rules.create(WATER)
    assert (created["id"], created["version"], created["enabled"]) == ("water", 1, True)
    assert created["definition"]["condition"]["bands"][1] == {"above": 40.0, "severity": "red"}
    assert [r["id"] for r in platform.rules.list()] == ["water"]
    assert platform.rules.get("water") == created
    with pytest.raises(Conflict):
        platform.rules.create(WATER)
    with pytest.raises(NotFound):
        platform.rules.get("nope")


def test_state_and_open_events_survive_a_restart(engine: sa.Engine, platform: Platform) -> None:
    platform.rules.create(WATER)
    platform.feed(0, 45)
    assert platform.rules.flush_state() == 1
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(rule_state)).scalar() == 1

    again = Platform(engine, platform.clock)
    again.feed(1, 20)  # still open, de-escalated: the same event, not a new one
    (event,) = again.events.open_events()
    assert (event.count, event.severity.value) == (2, "blue")
    again.feed(2, 1)
    assert again.open_keys() == []


def test_an_event_opened_after_the_last_flush_still_clears_after_a_restart(
    engine: sa.Engine, platform: Platform
) -> None:
    platform.rules.create(WATER)
    platform.feed(0, 45)  # the process dies before the state is flushed
    again = Platform(engine, platform.clock)
    assert again.open_keys() == ["rule:water:UWL-1"]
    again.feed(1, 1)
    assert again.open_keys() == []


def test_changing_a_rule_clears_its_events_and_restarts_its_state(platform: Platform) -> None:
    platform.rules.create(WATER)
    platform.feed(0, 45)
    updated = platform.rules.update("water", {**WATER, "name_zh": "积水分级"})
    assert updated["version"] == 2
    assert platform.open_keys() == []
    platform.feed(1, 45)  # the new rule raises a new event
    (event,) = platform.events.open_events()
    assert event.count == 1


def test_an_unchanged_update_keeps_version_and_events(platform: Platform) -> None:
    platform.rules.create(WATER)
    platform.feed(0, 45)
    assert platform.rules.update("water", WATER)["version"] == 1
    assert platform.open_keys() == ["rule:water:UWL-1"]


def test_disabling_and_deleting_clear_with_a_reason(engine: sa.Engine, platform: Platform) -> None:
    platform.rules.create(WATER)
    platform.rules.create({**WATER, "id": "water2"})
    platform.feed(0, 45)
    platform.rules.update("water", {**WATER, "enabled": False})
    platform.rules.delete("water2")
    platform.feed(1, 60)
    assert platform.open_keys() == []
    with engine.connect() as conn:
        found = store.query(conn, store.EventFilter(status=[EventStatus.CLEARED]), None, 10)
    reasons = sorted(e.clear_reason or "" for e in found)
    assert reasons == ["规则已停用 rule disabled", "规则已删除 rule deleted"]
    with pytest.raises(NotFound):
        platform.rules.delete("water2")


def test_update_refuses_another_id(platform: Platform) -> None:
    platform.rules.create(WATER)
    with pytest.raises(RuleInvalid, match="id: must be 'water'"):
        platform.rules.update("water", {**WATER, "id": "other"})
    with pytest.raises(NotFound):
        platform.rules.update("ghost", {k: v for k, v in WATER.items() if k != "id"})


def test_seed_inserts_only_new_ids(platform: Platform) -> None:
    path = shipped_rules_path()
    count = platform.rules.seed(path, models=MODELS)
    assert count >= 20
    assert platform.rules.seed(path, models=MODELS) == 0
    assert len(platform.rules.list()) == count


def test_seed_names_file_rule_and_field_of_each_error(platform: Platform, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("rules:\n  - {id: a, name_zh: 甲}\n", encoding="utf-8")
    with pytest.raises(RuleInvalid) as caught:
        platform.rules.seed(path)
    assert str(caught.value).startswith(f"{path}: rules.0.name_en: field required")
    path.write_text("just: text\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="expected a list of rules"):
        platform.rules.seed(path)
