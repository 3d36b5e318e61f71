"""Drive a whole runtime with the simulator on a fake clock, the demo rule set seeded."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from cityops.auth.tokens import Principal, PrincipalKind, Role
from cityops.core.clock import FakeClock
from cityops.core.types import Source
from cityops.devices.service import DeviceIn
from cityops.events import store
from cityops.events.model import Event, EventSource
from cityops.rules.service import shipped_rules_path
from cityops.runtime import Runtime
from cityops.simulate import Scenario, Simulator, prepare_simulator
from cityops.simulate.scenario import parse_scenario

FIXED_DEVICES = 105
"""The 93 underpass gauges and 12 river stations: the smallest fleet."""

SIMULATOR = Principal(PrincipalKind.API_KEY, "scenario-test", Role.INGEST)


def scenario(text: str) -> Scenario:
    return parse_scenario(text, "test scenario")


class Drive:
    """Registers the fleet, seeds the demo rules, then steps the clock and ingests what is due."""

    def __init__(self, runtime: Runtime, clock: FakeClock, sim: Simulator) -> None:
        self.runtime, self.clock, self.sim = runtime, clock, sim
        fields = ("id", "model", "name", "lon", "lat", "owner_unit", "tags", "install_date")
        specs = [DeviceIn(**{f: getattr(d, f) for f in fields}) for d in sim.fleet]
        runtime.devices.register(specs)
        runtime.rules.seed(shipped_rules_path(), models=runtime.registry.models)
        self.values: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        """Every reading sent, per device: (ts, values)."""

    def run(self, until_s: float, *, step_s: float = 60, tick: bool = False) -> None:
        """Advance to scenario second `until_s`; with `tick`, run the detector's tick per step."""
        self.sim.readings_due(self.clock.now_ms())  # fixes the scenario start
        while self.sim.scenario_time(self.clock.now_ms()) < until_s:
            self.clock.advance(step_s / self.sim.speed)
            due = self.sim.readings_due(self.clock.now_ms())
            if due:
                body = json.dumps(due).encode()
                prepared = self.runtime.ingest.prepare(
                    body, source=Source.SIMULATOR, principal=SIMULATOR
                )
                assert not prepared.errors, prepared.errors[:3]
                self.runtime.ingest.submit(prepared).result(30)
                assert self.runtime.detector.wait_idle(30)
                for wire in due:
                    self.values[wire["device_id"]].append((wire["ts"], wire["values"]))
            if tick:
                self.runtime.detector.tick()

    def events(self, class_code: str | None = None) -> list[Event]:
        """Every rule event so far, oldest first."""
        query = store.EventFilter(class_code=class_code, source=EventSource.RULE)
        with self.runtime.engine.connect() as conn:
            return list(reversed(store.query(conn, query, None, 10_000)))

    def peak(self, device_id: str, prop: str) -> float:
        return max(float(values[prop]) for _, values in self.values[device_id] if prop in values)


def simulator(name_or_scenario: str | Scenario) -> Simulator:
    return prepare_simulator(name_or_scenario, scale=FIXED_DEVICES, speed=1)
