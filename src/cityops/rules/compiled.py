"""One rule, compiled: its evaluator tree, its per-device states, and the outcomes it emits.

`feed` is the hot path. A reading that carries none of the rule's properties costs one
membership test. For a rule over one property without a window (most rules), a device that
has never been in breach has no state at all and a quiet reading costs one `peek`. Every
other reading goes through the device's state, which also remembers the newest reading's
time so that a late reading cannot undo a later one (for stateless devices, a small map
keeps that time alone).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from cityops.core.types import Reading, Value
from cityops.devices.registry import Device
from cityops.devices.thing_model import ThingModel
from cityops.events.model import Clear, EventSource, Outcome, Severity, Signal
from cityops.rules.basic import NoDataNode
from cityops.rules.conditions import compile_condition
from cityops.rules.definition import Rule
from cityops.rules.nodes import Node, Values, Verdict
from cityops.rules.template import render

MAX_TITLE = 200
CHINA = timezone(timedelta(hours=8), "CST")
DEFAULT_CLEAR = "{property_name}恢复正常：{value}{unit}"
DEFAULT_CLEAR_NO_DATA = "设备恢复上报 data received again"


class State:
    """What one rule remembers about one device; `to_json` is what `rule_state` stores."""

    __slots__ = ("last_ts", "nodes", "open", "severity", "values")

    def __init__(self, nodes: list[Any], values: dict[str, Value] | None) -> None:
        self.last_ts = -1
        self.open = False
        self.severity: Severity | None = None
        self.values = values
        self.nodes = nodes

    def to_json(self) -> dict[str, Any]:
        return {
            "ts": self.last_ts,
            "open": self.open,
            "severity": None if self.severity is None else self.severity.value,
            "values": self.values,
            "nodes": self.nodes,
        }


class CompiledRule:
    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.id = rule.id
        self.nodes: list[Node] = []
        self.root = compile_condition(rule.condition, self.nodes)
        self.props = self.root.props
        self.single = self.props[0] if len(self.props) == 1 else None
        self.lazy = self.single is not None and not self.root.remembers
        """Quiet devices need no state: `peek` alone tells whether a reading starts a breach."""
        self.peek = self.root.peek
        self.silence_ms = self.root.for_ms if isinstance(self.root, NoDataNode) else None
        self.key_prefix = f"rule:{rule.id}:"
        self.states: dict[str, State] = {}
        self.quiet_ts: dict[str, int] = {}
        """Newest reading of devices that have no state yet (quiet ones of a lazy rule)."""
        self.dirty: set[str] = set()

    # --- scope ------------------------------------------------------------------------------

    def applies_to(self, device: Device, model: ThingModel) -> bool:
        scope = self.rule.scope
        if scope.models and device.model not in scope.models:
            return False
        if scope.devices and device.id not in scope.devices:
            return False
        if scope.tags and not any(t in device.tags for t in scope.tags):
            return False
        grid = device.grid_code or ""
        if scope.grids and not any(grid.startswith(g) for g in scope.grids):
            return False
        return not self.props or any(p in model.by_id for p in self.props)

    # --- state ------------------------------------------------------------------------------

    def new_state(self) -> State:
        return State([n.initial() for n in self.nodes], None if self.single else {})

    def state_from_json(self, data: dict[str, Any]) -> State | None:
        """A saved state, or None when it does not fit this rule's shape (then it is dropped)."""
        nodes = data.get("nodes")
        if not isinstance(nodes, list) or len(nodes) != len(self.nodes):
            return None
        state = self.new_state()
        state.nodes = nodes
        state.last_ts = int(data.get("ts", -1))
        state.open = bool(data.get("open"))
        severity = data.get("severity")
        state.severity = Severity(severity) if severity else None
        if state.values is not None:
            state.values = dict(data.get("values") or {})
        return state

    # --- readings ---------------------------------------------------------------------------

    def feed(self, device: Device, model: ThingModel, reading: Reading, out: list[Outcome]) -> None:
        values = reading.values
        if self.single is not None:
            if self.single not in values:
                return
        elif not self.props_in(values):
            return
        ts = reading.ts
        state = self.states.get(device.id)
        if state is None:
            if self.lazy:
                quiet = self.quiet_ts
                if ts < quiet.get(device.id, -1):
                    return  # late: a newer quiet reading already said all is well
                quiet[device.id] = ts
                if not self.peek(values):
                    return
            state = self.states[device.id] = self.new_state()
        elif ts < state.last_ts:
            return  # late: a newer reading already decided this device's state
        state.last_ts = ts
        vals: Values = values
        if state.values is not None:
            state.values.update((p, values[p]) for p in self.props if p in values)
            vals = state.values
        self.dirty.add(device.id)
        verdict = self.root.test(state.nodes, ts, vals, values)
        self._decide(device, model, state, ts, vals, verdict, out)

    def props_in(self, values: Values) -> bool:
        return any(prop in values for prop in self.props)

    def _decide(
        self,
        device: Device,
        model: ThingModel,
        state: State,
        ts: int,
        vals: Values,
        verdict: Verdict | None,
        out: list[Outcome],
    ) -> None:
        if verdict is None:
            if state.open:
                state.open, state.severity = False, None
                out.append(self._clear(device, model, ts, vals))
            return
        if verdict.hold:
            return  # waiting out `clear_for_s`: neither a new trigger nor over
        severity = verdict.severity or self.rule.severity or Severity.BLUE
        state.open, state.severity = True, severity
        out.append(self._signal(device, model, state, ts, vals, severity))

    def _signal(
        self,
        device: Device,
        model: ThingModel,
        state: State,
        ts: int,
        vals: Values,
        severity: Severity,
    ) -> Signal:
        values, extra = self.root.explain(state.nodes, vals)
        context = self._context(device, model, values, severity)
        context.update((k, v) for k, v in extra.items() if isinstance(v, str | int | float))
        return self.signal(device, ts, severity, values, extra, context)

    def signal(
        self,
        device: Device,
        ts: int,
        severity: Severity,
        values: dict[str, Value],
        extra: dict[str, Any],
        context: dict[str, Any],
    ) -> Signal:
        evidence: dict[str, Any] = {"values": values, "condition": self.root.text, **extra}
        if self.rule.message_en:
            evidence["title_en"] = render(self.rule.message_en, context)[:MAX_TITLE]
        return Signal(
            class_code=self.rule.class_code,
            severity=severity,
            source=EventSource.RULE,
            ts=ts,
            title=render(self.rule.message, context)[:MAX_TITLE],
            key=self.key_prefix + device.id,
            lon=device.lon,
            lat=device.lat,
            grid_code=device.grid_code,
            device_id=device.id,
            rule_id=self.id,
            evidence=evidence,
        )

    def _clear(self, device: Device, model: ThingModel, ts: int, vals: Values) -> Clear:
        values = {p: vals[p] for p in self.props if p in vals}
        context = self._context(device, model, values, None)
        reason = render(self.rule.clear_message or DEFAULT_CLEAR, context)
        evidence = {"values": values, "condition": f"cleared: {self.root.text}"}
        return Clear(key=self.key_prefix + device.id, ts=ts, reason=reason, evidence=evidence)

    def _context(
        self,
        device: Device,
        model: ThingModel,
        values: dict[str, Value],
        severity: Severity | None,
    ) -> dict[str, Any]:
        """The placeholders of message templates: the device (device_name, device_id, grid_code,
        owner_unit), the rule (rule_name, condition), the first triggering property (property,
        property_name, unit, value), every triggering value by property id, the severity
        (severity, severity_zh, severity_level) and scalar evidence (water_class_zh, change)."""
        context: dict[str, Any] = dict(values)
        first = next(iter(values), None)
        prop = model.by_id.get(first) if first else None
        context.update(
            device_name=device.name,
            device_id=device.id,
            grid_code=device.grid_code or "",
            owner_unit=device.owner_unit,
            rule_name=self.rule.name_zh,
            rule_name_en=self.rule.name_en,
            condition=self.root.text,
            property=first or "",
            property_name=prop.name_zh if prop else (first or ""),
            property_name_en=prop.name_en if prop else (first or ""),
            unit=prop.unit if prop else "",
            value=values[first] if first else "",
        )
        if severity is not None:
            context.update(
                severity=severity.value,
                severity_zh=severity.name_zh,
                severity_level=severity.level,
            )
        return context

    # --- silence (no_data) ------------------------------------------------------------------

    def silence(
        self, device: Device, model: ThingModel, last_seen: int, now_ms: int
    ) -> Signal | None:
        """A Signal when the device has been silent past `for_s` and was not reported yet."""
        state = self.states.get(device.id)
        if state is not None and state.open:
            return None
        state = state or self.states.setdefault(device.id, self.new_state())
        severity = self.rule.severity or Severity.BLUE
        state.open, state.severity, state.last_ts = True, severity, now_ms
        self.dirty.add(device.id)
        silent_s = (now_ms - last_seen) // 1000
        values: dict[str, Value] = {"last_seen": last_seen, "silent_s": silent_s}
        context = self._context(device, model, {}, severity)
        seen_at = datetime.fromtimestamp(last_seen / 1000, UTC).astimezone(CHINA)
        context.update(
            value=silent_s,
            silent_s=silent_s,
            silent_min=silent_s // 60,
            last_seen=seen_at.strftime("%Y-%m-%d %H:%M"),
        )
        return self.signal(device, now_ms, severity, values, {}, context)

    def heard(self, device: Device, model: ThingModel, ts: int) -> Clear | None:
        """A Clear when a device reported as silent is heard from again."""
        state = self.states.get(device.id)
        if state is None or not state.open:
            return None
        state.open, state.severity = False, None
        self.dirty.add(device.id)
        context = self._context(device, model, {}, None)
        reason = render(self.rule.clear_message or DEFAULT_CLEAR_NO_DATA, context)
        evidence = {"values": {}, "condition": f"cleared: {self.root.text}"}
        return Clear(key=self.key_prefix + device.id, ts=ts, reason=reason, evidence=evidence)
