"""The rule engine: readings in, Signals and Clears out, state kept per (rule, device).

Rules are compiled once in `set_rules` and indexed by thing model; each device's applicable
rules are worked out on its first reading and cached until the rule set or the device
changes. So the per-reading cost is a few dictionary lookups plus, per applicable rule, a
membership test and usually one comparison. One lock serialises evaluation, ticks, rule
swaps and snapshots; the detector thread is the only caller on the hot path.

No-data rules are judged by `tick` from the device shadows. A device never seen is not
offline (it is not installed yet), and after a restart every device gets the rule's full
`for_s` from `resume` before it counts as silent, so downtime of the platform itself does
not read as an outage of the whole fleet.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from cityops.core.types import Reading
from cityops.devices.registry import Device, DeviceRegistry, MaintenanceState
from cityops.devices.shadow import ShadowStore
from cityops.devices.thing_model import ThingModel
from cityops.events.model import Outcome, Severity
from cityops.rules.compiled import CompiledRule
from cityops.rules.definition import Rule
from cityops.taxonomy.model import Taxonomy

log = logging.getLogger(__name__)

PAUSED = frozenset({MaintenanceState.MAINTENANCE, MaintenanceState.RETIRED})
"""Devices under maintenance or retired send nothing worth an event."""

StateRow = tuple[str, str, dict[str, Any]]


class _Applicable(NamedTuple):
    device: Device
    model: ThingModel | None
    reading_rules: tuple[CompiledRule, ...]
    silence_rules: tuple[CompiledRule, ...]


_NOTHING: tuple[CompiledRule, ...] = ()


class RuleEngine:
    def __init__(self, taxonomy: Taxonomy) -> None:
        self._taxonomy = taxonomy
        self._lock = threading.Lock()
        self._rules: dict[str, CompiledRule] = {}
        self._by_model: dict[str, tuple[CompiledRule, ...]] = {}
        self._any_model: tuple[CompiledRule, ...] = ()
        self._cache: dict[str, _Applicable] = {}
        self._resumed_ms = 0

    # --- rule set ---------------------------------------------------------------------------

    def set_rules(self, rules: Sequence[Rule]) -> None:
        """Swap the active rule set atomically (no restart).

        A rule whose definition is unchanged keeps its per-device state; a new or changed
        rule starts from scratch; a rule left out is dropped with its state.
        """
        with self._lock:
            compiled: dict[str, CompiledRule] = {}
            for rule in rules:
                old = self._rules.get(rule.id)
                compiled[rule.id] = (
                    old if old is not None and old.rule == rule else CompiledRule(rule)
                )
            by_model: dict[str, list[CompiledRule]] = {}
            any_model: list[CompiledRule] = []
            for c in compiled.values():
                for model in c.rule.scope.models:
                    by_model.setdefault(model, []).append(c)
                if not c.rule.scope.models:
                    any_model.append(c)
            self._rules = compiled
            self._by_model = {m: tuple(cs) for m, cs in by_model.items()}
            self._any_model = tuple(any_model)
            self._cache = {}

    def rule_ids(self) -> list[str]:
        with self._lock:
            return list(self._rules)

    def resume(self, now_ms: int) -> None:
        """Start the grace period of no-data rules (call when the platform starts)."""
        with self._lock:
            self._resumed_ms = now_ms

    # --- evaluation -------------------------------------------------------------------------

    def evaluate(self, readings: Sequence[Reading], registry: DeviceRegistry) -> list[Outcome]:
        out: list[Outcome] = []
        device_of = registry.get
        with self._lock:
            entry_of = self._cache.get
            for reading in readings:
                device = device_of(reading.device_id)
                if device is None:
                    continue
                entry = entry_of(device.id)
                if entry is None or entry.device is not device:
                    entry = self._applicable(device, registry)
                model = entry.model
                if model is None:
                    continue
                for rule in entry.reading_rules:
                    try:
                        rule.feed(device, model, reading, out)
                    except Exception:  # one bad rule must not stop the others
                        log.exception("rule %s failed on a reading of %s", rule.id, device.id)
                for rule in entry.silence_rules:
                    state = rule.states.get(device.id)
                    if state is not None and state.open:  # rarely: only a device back from silence
                        cleared = rule.heard(device, model, reading.ts)
                        out.extend(() if cleared is None else (cleared,))
        return out

    def tick(self, now_ms: int, registry: DeviceRegistry, shadows: ShadowStore) -> list[Outcome]:
        """Raise no-data rules for devices silent past their `for_s`; clear the heard ones."""
        out: list[Outcome] = []
        with self._lock:
            if not any(c.silence_ms is not None for c in self._rules.values()):
                return out
            for device in list(registry):
                entry = self._cache.get(device.id)
                if entry is None or entry.device is not device:
                    entry = self._applicable(device, registry)
                if not entry.silence_rules or entry.model is None:
                    continue
                shadow = shadows.get(device.id)
                if shadow is None:
                    continue  # never seen: not installed yet, so not offline
                quiet_since = max(shadow.last_seen, self._resumed_ms)
                for rule in entry.silence_rules:
                    silent = now_ms - quiet_since >= (rule.silence_ms or 0)
                    outcome = (
                        rule.silence(device, entry.model, shadow.last_seen, now_ms)
                        if silent
                        else rule.heard(device, entry.model, shadow.last_seen)
                    )
                    if outcome is not None:
                        out.append(outcome)
        return out

    def _applicable(self, device: Device, registry: DeviceRegistry) -> _Applicable:
        model = registry.models.get(device.model)
        if model is None or device.maintenance_state in PAUSED:
            entry = _Applicable(device, model, _NOTHING, _NOTHING)
        else:
            candidates = self._by_model.get(device.model, _NOTHING) + self._any_model
            rules = [c for c in candidates if c.applies_to(device, model)]
            entry = _Applicable(
                device,
                model,
                tuple(c for c in rules if c.silence_ms is None),
                tuple(c for c in rules if c.silence_ms is not None),
            )
        self._cache[device.id] = entry
        return entry

    # --- state ------------------------------------------------------------------------------

    def snapshot_dirty(self) -> list[StateRow]:
        """The states changed since the last snapshot, as (rule_id, device_id, JSON) rows."""
        rows: list[StateRow] = []
        with self._lock:
            for rule in self._rules.values():
                for device_id in rule.dirty:
                    state = rule.states.get(device_id)
                    if state is not None:
                        rows.append((rule.id, device_id, _copy(state.to_json())))
                rule.dirty.clear()
        return rows

    def mark_dirty(self, keys: Iterable[tuple[str, str]]) -> None:
        """Put states back on the to-save list (after a failed flush)."""
        with self._lock:
            for rule_id, device_id in keys:
                rule = self._rules.get(rule_id)
                if rule is not None:
                    rule.dirty.add(device_id)

    def restore(self, rows: Sequence[StateRow]) -> None:
        """Restore per-(rule, device) state saved by `snapshot_dirty`."""
        with self._lock:
            for rule_id, device_id, data in rows:
                rule = self._rules.get(rule_id)
                state = rule.state_from_json(_copy(data)) if rule is not None else None
                if rule is not None and state is not None:
                    rule.states[device_id] = state

    def mark_open(self, rule_id: str, device_id: str, severity: Severity) -> bool:
        """Record an event known to be open (after a restart), so that it clears when the
        condition is over even if the saved state predates it. False if no such rule."""
        with self._lock:
            rule = self._rules.get(rule_id)
            if rule is None:
                return False
            state = rule.states.get(device_id)
            if state is None:
                state = rule.states[device_id] = rule.new_state()
            state.open, state.severity = True, state.severity or severity
            return True


def _copy(data: Any) -> Any:
    """A deep copy of JSON-shaped data (states hold nested lists that keep changing)."""
    if isinstance(data, dict):
        return {k: _copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_copy(v) for v in data]
    return data
