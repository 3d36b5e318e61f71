"""The case service: every change to a case goes through `act`, guarded by the workflow.

Order of duties for each change: check (workflow: state, role, unit), decide what the change
means (routing, time limit, on time or not) into the transition's data, fold it with the pure
reducer, write the transition and the new fold in one transaction (refused if the case
changed meanwhile), then publish. Nothing else writes cases.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import sqlalchemy as sa

from cityops.audit.log import AuditLog
from cityops.bus.local import LocalBus
from cityops.cases import reducer
from cityops.cases import store as case_store
from cityops.cases.calendar import WorkingCalendar
from cityops.cases.deadlines import CaseClock, Mode, TimeLimit, TimeLimits
from cityops.cases.model import (
    CLOCK_PAUSED,
    WITH_UNIT,
    Actor,
    Case,
    CaseState,
    Channel,
    Transition,
)
from cityops.cases.routing import Route, RoutingTable
from cityops.cases.units import Units
from cityops.cases.workflow import Workflow
from cityops.core.clock import Clock
from cityops.core.errors import Conflict, NotFound
from cityops.events.model import Severity

CASES_CHANGED = "cases.changed"
"""Bus topic; payload: the `Case` after a committed change."""

SYSTEM = Actor("system", "system", None)
ZONE = ZoneInfo("Asia/Shanghai")


class ActionInput(msgspec.Struct, kw_only=True):
    """What a person sends with an action; which fields matter depends on the action."""

    note: str | None = None
    unit: str | None = None
    score: int | None = None
    extension: str | None = None  # e.g. "4h", "1d" in the case's time-limit mode
    evidence: list[str] = msgspec.field(default_factory=list)
    target: str | None = None  # merge: the case that stays
    event_id: str | None = None  # attach_event
    class_code: str | None = None  # file: the intake operator may correct the class
    severity: Severity | None = None
    expected_version: int | None = None


class NewCase(msgspec.Struct, kw_only=True):
    class_code: str
    severity: Severity
    title: str
    source: str
    description: str = ""
    lon: float | None = None
    lat: float | None = None
    grid_code: str | None = None
    device_id: str | None = None
    event_ids: list[str] = msgspec.field(default_factory=list)
    evidence: list[str] = msgspec.field(default_factory=list)


class CaseService:
    def __init__(
        self,
        engine: sa.Engine,
        bus: LocalBus,
        clock: Clock,
        *,
        workflow: Workflow,
        units: Units,
        routing: RoutingTable,
        limits: TimeLimits,
        calendar: WorkingCalendar,
        district_code: str = "",
        audit: AuditLog | None = None,
    ) -> None:
        self._audit = audit
        self.engine = engine
        self._engine = engine
        self._bus = bus
        self._clock = clock
        self.workflow = workflow
        self.units = units
        self.routing = routing
        self.limits = limits
        self.calendar = calendar
        self.district_code = district_code
        self.yellow_share = limits.yellow_share
        self._lock = threading.RLock()

    # --- reading ---------------------------------------------------------------------------

    def get(self, case_id: str, actor: Actor | None = None) -> tuple[Case, list[Transition]]:
        """A case and its trail; outside `actor`'s scope it does not exist (no leak)."""
        with self._engine.connect() as conn:
            case = case_store.load(conn, case_id)
            if case is None or (actor is not None and not self.visible(case, actor)):
                raise NotFound(f"no case {case_id!r}")
            return case, case_store.trail(conn, case_id)

    def visible(self, case: Case, actor: Actor) -> bool:
        """Scope: people limited to areas see the cases in them; a unit's people (handlers,
        companies, volunteers) without areas see their unit's cases; the centres see all."""
        if actor.grids:
            return case.grid_code is not None and case.grid_code.startswith(actor.grids)
        role = self.workflow.roles.get(actor.role)
        if role is not None and role.unit_role and actor.unit:
            return case.unit == actor.unit
        return True

    def scope_filter(self, actor: Actor, f: case_store.CaseFilter) -> None:
        """Narrow a list query to what `actor` may see (the same rule as `visible`)."""
        if actor.grids:
            f.grids = list(actor.grids)
            return
        role = self.workflow.roles.get(actor.role)
        if role is not None and role.unit_role and actor.unit:
            f.unit = actor.unit

    def clock_of(self, case: Case) -> CaseClock | None:
        if case.dispatched_at is None or case.limit_s is None or case.limit_mode is None:
            return None
        return CaseClock(
            limit=TimeLimit(case.limit_s, Mode(case.limit_mode)),
            dispatched_at=case.dispatched_at,
            calendar=self.calendar,
            pauses=[(p.start, p.end) for p in case.pauses],
            extensions_s=[case.extension_s] if case.extension_s else [],
        )

    def light(self, case: Case, now: int | None = None) -> str | None:
        if case.state not in (CaseState.DISPATCHED, CaseState.HANDLING, CaseState.HANDLED):
            return None
        clock = self.clock_of(case)
        if clock is None:
            return None
        return clock.light(
            now if now is not None else self._clock.now_ms(), self.yellow_share
        ).value

    def open_case_for_device(self, class_code: str, device_id: str) -> Case | None:
        """An unfinished case of this class about this device, to attach new events to."""
        with self._engine.connect() as conn:
            return case_store.open_for_device(conn, class_code, device_id)

    def suggest(self, case: Case) -> Route | None:
        return self.routing.route(case.class_code, case.grid_code)

    # --- changing --------------------------------------------------------------------------

    def create(
        self,
        new: NewCase,
        actor: Actor,
        *,
        file_now: bool = False,
        request_key: str | None = None,
    ) -> Case:
        """A new case; with `request_key` (the reporter's Idempotency-Key) a repeated report
        returns the case the first one made instead of a second case."""
        self.workflow.check("create", None, actor)
        if file_now:
            self.workflow.check("file", None, actor)
        with self._lock:
            if request_key is not None:
                earlier = self._earlier_request(actor, request_key)
                if earlier is not None:
                    return earlier
            now = self._clock.now_ms()
            route = self.routing.route(new.class_code, new.grid_code)
            data: dict[str, Any] = {
                **msgspec.to_builtins(new),
                "id": f"{now:012x}{secrets.token_hex(10)}",
                "number": self._next_number(now),
                "suggested_unit": route.unit if route else None,
                "channel": route.channel.value if route else None,
            }
            to_state = CaseState.FILED if file_now else CaseState.REPORTED
            t = Transition(
                seq=1,
                ts=now,
                action="create",
                from_state=None,
                to_state=to_state,
                actor=actor,
                data=data,
            )
            if request_key is None:
                return self._commit(None, t)
            key = request_key

            def remember(conn: sa.Connection) -> None:
                case_store.remember_request(conn, actor.id, key, data["id"], now)

            try:
                return self._commit(None, t, also=remember)
            except sa.exc.IntegrityError:  # another process took the key first: its case
                earlier = self._earlier_request(actor, request_key)
                if earlier is None:
                    raise
                return earlier

    def case_of_event(self, event_id: str) -> Case | None:
        """The case an event belongs to, if any (no scope: for the platform's own steps)."""
        with self._engine.connect() as conn:
            case_id = case_store.case_for_event(conn, event_id)
            return case_store.load(conn, case_id) if case_id is not None else None

    def _earlier_request(self, actor: Actor, key: str) -> Case | None:
        with self._engine.connect() as conn:
            case_id = case_store.case_for_request(conn, actor.id, key)
            return case_store.load(conn, case_id) if case_id is not None else None

    def act(
        self, case_id: str, action: str, actor: Actor, given: ActionInput | None = None
    ) -> Case:
        given = given or ActionInput()
        with self._lock:
            with self._engine.connect() as conn:
                case = case_store.load(conn, case_id)
            # Outside an actor's areas a case does not exist; a unit's people get the
            # workflow's plain "not assigned to your unit" instead (they know of it).
            if case is None or (actor.grids and not self.visible(case, actor)):
                raise NotFound(f"no case {case_id!r}")
            if given.expected_version is not None and given.expected_version != case.version:
                raise Conflict(
                    f"case {case.number} is at version {case.version}, not {given.expected_version}"
                )
            spec = self.workflow.check(action, case, actor)
            _require(spec.requires, action, given)
            now = self._clock.now_ms()
            data = self._decide(action, case, given, now)
            t = Transition(
                seq=case.version + 1,
                ts=now,
                action=action,
                from_state=case.state,
                to_state=self.workflow.target(action, case),
                actor=actor,
                note=given.note,
                data=data,
            )
            return self._commit(case, t)

    def _decide(self, action: str, case: Case, given: ActionInput, now: int) -> dict[str, Any]:
        """Everything the reducer needs, worked out now (routing, limits, punctuality)."""
        decider = {
            "file": self._decide_file,
            "dispatch": self._decide_dispatch,
            "redispatch": self._decide_dispatch,
            "report_handled": self._decide_handled,
            "verify_pass": self._decide_verified,
            "evaluate": self._decide_score,
            "request_extension": self._decide_extension,
            "approve_extension": self._decide_pending,
            "refuse_extension": self._decide_pending,
            "merge": self._decide_merge,
            "attach_event": self._decide_attach,
            "escalate": self._decide_escalation,
        }.get(action)
        return {} if decider is None else decider(case, given, now)

    def _decide_file(self, case: Case, given: ActionInput, now: int) -> dict[str, Any]:
        pairs = (("class_code", given.class_code), ("severity", given.severity))
        return {k: v for k, v in pairs if v is not None}

    def _decide_dispatch(self, case: Case, given: ActionInput, now: int) -> dict[str, Any]:
        return self._dispatch_data(case, given.unit)

    def _decide_handled(self, case: Case, given: ActionInput, now: int) -> dict[str, Any]:
        return {"evidence": list(given.evidence)}

    def _decide_verified(self, case: Case, given: ActionInput, now: int) -> dict[str, Any]:
        clock = self.clock_of(case)
        return {"on_time": None if clock is None else not clock.overdue(now)}

    def _decide_score(self, case: Case, given: ActionInput, now: int) -> dict[str, Any]:
        if given.score is None or not 1 <= given.score <= 5:
            raise Conflict("score must be 1 to 5")
        return {"score": given.score}

    def _decide_extension(self, case: Case, given: ActionInput, now: int) -> dict[str, Any]:
        if case.pending_extension_s is not None:
            raise Conflict("an extension request is already pending")
        return {"extension_s": self._extension_s(case, given.extension or "")}

    def _decide_pending(self, case: Case, given: ActionInput, now: int) -> dict[str, Any]:
        if case.pending_extension_s is None:
            raise Conflict("no extension request is pending")
        return {}

    def _decide_merge(self, case: Case, given: ActionInput, now: int) -> dict[str, Any]:
        return self._merge_data(case, given.target)

    def _decide_attach(self, case: Case, given: ActionInput, now: int) -> dict[str, Any]:
        if not given.event_id:
            raise Conflict("attach_event needs event_id")
        return {"event_id": given.event_id}

    def _decide_escalation(self, case: Case, given: ActionInput, now: int) -> dict[str, Any]:
        parent = self.units.parent_of(case.escalated_to or case.unit or "")
        return {"unit": parent.code if parent else None}

    def _dispatch_data(self, case: Case, unit_code: str | None) -> dict[str, Any]:
        route = self.routing.route(case.class_code, case.grid_code)
        unit_code = unit_code or (route.unit if route else None)
        if unit_code is None:
            raise Conflict("no unit given and the routing table suggests none")
        unit = self.units.get(unit_code)
        if unit is None:
            raise Conflict(f"unknown unit {unit_code!r}")
        channel = route.channel if route and route.unit == unit_code else _channel_of(unit.kind)
        limit = self.limits.limit_for(case.class_code, case.severity)
        return {
            "unit": unit_code,
            "channel": channel.value,
            "limit_s": limit.seconds,
            "limit_mode": limit.mode.value,
            "suggested": route.unit if route else None,
            "overridden": route is not None and route.unit != unit_code,
        }

    def _merge_data(self, case: Case, target: str | None) -> dict[str, Any]:
        if not target or target == case.id:
            raise Conflict("merge needs a target case other than this one")
        with self._engine.connect() as conn:
            other = case_store.load(conn, target)
        if other is None or other.state in (CaseState.VOID, CaseState.REJECTED):
            raise Conflict(f"cannot merge into {target!r}: it does not exist or is closed out")
        return {"target": target}

    def _extension_s(self, case: Case, text: str) -> int:
        mode = Mode(case.limit_mode or Mode.WORKING.value)
        try:
            return TimeLimit.parse(text, mode, self.calendar.working_day_s).seconds
        except ValueError as exc:
            raise Conflict(f"extension: {exc}") from exc

    def _commit(
        self,
        before: Case | None,
        t: Transition,
        also: Callable[[sa.Connection], None] | None = None,
    ) -> Case:
        after = reducer.apply(before, t)
        due = self._due_for_queries(after)
        with self._engine.begin() as conn:
            case_store.save(conn, before, after, t, due)
            if also is not None:
                also(conn)
            self._record(conn, after, t)
            if t.action == "merge":
                self._move_events(conn, after, t)
        self._bus.publish(CASES_CHANGED, after)
        return after

    def _move_events(self, conn: sa.Connection, merged: Case, t: Transition) -> None:
        """A merged case's events now belong to the case that stays (an attach per event)."""
        target = case_store.load(conn, t.data["target"])
        assert target is not None
        for event_id in merged.event_ids:
            if event_id in target.event_ids:
                continue
            attach = Transition(
                seq=target.version + 1,
                ts=t.ts,
                action="attach_event",
                from_state=target.state,
                to_state=target.state,
                actor=t.actor,
                note=f"merged from {merged.number}",
                data={"event_id": event_id},
            )
            updated = reducer.apply(target, attach)
            case_store.save(conn, target, updated, attach, self._due_for_queries(updated))
            self._record(conn, updated, attach)
            target = updated

    def _record(self, conn: sa.Connection, case: Case, t: Transition) -> None:
        """Every transition also goes into the hash-chained audit log, in the same commit."""
        if self._audit is None:
            return
        details = {
            "number": case.number,
            "seq": t.seq,
            "from": t.from_state.value if t.from_state else None,
            "to": t.to_state.value,
            "unit": case.unit,
            "role": t.actor.role,
        }
        self._audit.append(t.actor.id, f"case_{t.action}", case.id, details, conn=conn)

    def _due_for_queries(self, case: Case) -> int | None:
        """The stored due time, which the overdue filter reads: only while a unit holds the
        case (finished, voided and returned cases are not overdue, whatever their clock says)."""
        if case.unit is None or case.state not in WITH_UNIT | CLOCK_PAUSED:
            return None
        clock = self.clock_of(case)
        return None if clock is None else clock.due_at()

    def _next_number(self, now: int) -> str:
        day = datetime.fromtimestamp(now / 1000, UTC).astimezone(ZONE).strftime("%Y%m%d")
        prefix = f"{self.district_code}{day}"
        with self._engine.connect() as conn:
            n = case_store.count_numbered(conn, prefix)
        return f"{prefix}{n + 1:05d}"

    # --- time ------------------------------------------------------------------------------

    def tick(self) -> list[Case]:
        """Escalate overdue cases one level up (with a 督办 record), once per limit overdue."""
        now = self._clock.now_ms()
        with self._engine.connect() as conn:
            candidates = case_store.running(conn)
        escalated = []
        for case in candidates:
            clock = self.clock_of(case)
            if clock is None or not clock.overdue(now):
                continue
            periods_over = 1 + clock.overdue_s(now) // max(case.limit_s or 1, 1)
            if case.escalation_level >= min(periods_over, 3):
                continue
            note = f"超时 {clock.overdue_s(now) // 60} 分钟，自动升级督办"
            try:
                escalated.append(self.act(case.id, "escalate", SYSTEM, ActionInput(note=note)))
            except Conflict:
                continue  # changed meanwhile: the next tick looks again
        return escalated


def _require(requires: tuple[str, ...], action: str, given: ActionInput) -> None:
    missing = [
        r
        for r in requires
        if (r == "note" and not (given.note or "").strip())
        or (r == "score" and given.score is None)
        or (r == "extension" and not given.extension)
        or (r == "unit" and not given.unit)
        or (r == "evidence" and not given.evidence)
    ]
    if missing:
        raise Conflict(f"{action} needs {', '.join(missing)}")


def _channel_of(kind: str) -> Channel:
    if kind == "company":
        return Channel.SERVICE
    if kind in ("community", "grid_station", "volunteers"):
        return Channel.COGOVERNANCE
    return Channel.PROFESSIONAL
