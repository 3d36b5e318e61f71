"""Random walks through the case workflow, by random people, against the real service.

The oracle reads `data/cases/workflow.yaml` itself (not `Workflow.check`), so the service is
checked against the table people configure: an action goes through exactly when the table
allows it from the case's state for the actor's role (and unit, for unit roles) and what it
needs is given; anything else raises Forbidden or Conflict and changes nothing. After every
step each case must be consistent and its audit trail must replay to it.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from collections.abc import Callable
from importlib import resources
from typing import Any

import hypothesis.strategies as st
import yaml
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from cityops.bus.local import LocalBus
from cityops.cases.calendar import load_calendar, shipped_calendar_dir
from cityops.cases.deadlines import load_time_limits
from cityops.cases.model import CLOCK_PAUSED, WITH_UNIT, Actor, Case, CaseState
from cityops.cases.reducer import replay
from cityops.cases.routing import load_routing
from cityops.cases.service import SYSTEM, ActionInput, CaseService
from cityops.cases.units import load_units
from cityops.cases.workflow import Workflow, load_workflow
from cityops.core.clock import FakeClock
from cityops.core.errors import Conflict, Forbidden
from cityops.district.loader import load_district, sample_district_path
from cityops.events.model import EventSource, Severity, Signal
from cityops.events.service import EventService
from cityops.store.engine import make_engine
from cityops.store.migrate import upgrade
from tests.cases.conftest import MONDAY_10AM, flood

TABLE: dict[str, Any] = yaml.safe_load(
    (resources.files("cityops") / "data" / "cases" / "workflow.yaml").read_text("utf-8")
)
ROLES: dict[str, dict[str, Any]] = TABLE["roles"]
ACTIONS: dict[str, dict[str, Any]] = TABLE["actions"]
ACTING = sorted(a for a in ACTIONS if a != "create")
UNIT_CODES = ("dept-drainage", "dept-municipal", "co-cleaning")
UNITS = load_units(load_district(sample_district_path()))
CALENDAR = load_calendar([shipped_calendar_dir()])
MAX_CASES = 3
TERMINAL = ("void", "rejected", "evaluated")
FORWARD = ("file", "dispatch", "accept", "report_handled", "verify_pass", "evaluate")

any_actor = st.sampled_from(sorted(ROLES)).flatmap(
    lambda role: st.builds(
        Actor,
        st.just(f"key:{role}"),
        st.just(role),
        st.sampled_from([*UNIT_CODES, None]) if ROLES[role].get("unit_role") else st.none(),
    )
)
notes = st.sampled_from(["说明", None, "  "])


def missing(requirement: str, given: ActionInput) -> bool:
    return {
        "note": not (given.note or "").strip(),
        "score": given.score is None,
        "extension": not given.extension,
        "unit": not given.unit,
        "evidence": not given.evidence,
    }[requirement]


def refusal(
    action: str, case: Case, actor: Actor, given: ActionInput, others: dict[str, Case]
) -> type[Exception] | None:
    """What the table (and the action's own preconditions) say the service must raise."""
    spec = ACTIONS[action]
    if given.expected_version is not None and given.expected_version != case.version:
        return Conflict
    if actor.role not in spec["roles"]:
        return Forbidden
    if case.state.value not in spec["from"]:
        return Conflict
    if spec.get("assigned") and ROLES[actor.role].get("unit_role") and case.unit != actor.unit:
        return Forbidden
    if any(missing(r, given) for r in spec.get("requires", [])):
        return Conflict
    possible = PRECONDITIONS.get(action)
    return None if possible is None or possible(case, given, others) else Conflict


def _dispatchable(case: Case, given: ActionInput, others: dict[str, Case]) -> bool:
    return given.unit is None or UNITS.get(given.unit) is not None  # floods always route


def _mergeable(case: Case, given: ActionInput, others: dict[str, Case]) -> bool:
    target = others.get(given.target or "")
    return target is not None and target.id != case.id and target.state.value not in TERMINAL[:2]


Precondition = Callable[[Case, ActionInput, dict[str, Case]], bool]
PRECONDITIONS: dict[str, Precondition] = {  # what the service checks beyond the table
    "dispatch": _dispatchable,
    "redispatch": _dispatchable,
    "evaluate": lambda c, g, o: g.score is not None and 1 <= g.score <= 5,
    "request_extension": lambda c, g, o: (
        c.pending_extension_s is None and g.extension in ("1h", "2d")
    ),
    "approve_extension": lambda c, g, o: c.pending_extension_s is not None,
    "refuse_extension": lambda c, g, o: c.pending_extension_s is not None,
    "merge": _mergeable,
    "attach_event": lambda c, g, o: bool(g.event_id),
}


@functools.cache
def empty_database() -> str:
    """A migrated SQLite file, made once; each example starts from a copy of it."""
    folder = tempfile.mkdtemp(prefix="cityops-walk-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = f"{folder}/empty.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:  # fold the WAL into the file, so that a copy has it all
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def expected_state(action: str, case: Case) -> CaseState:
    to = ACTIONS[action]["to"]
    if to == "same":
        return case.state
    if to == "resume":
        assert case.resume_state is not None
        return case.resume_state
    return CaseState(to)


class CaseWalk(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.mkdtemp(prefix="cityops-walk-")
        shutil.copy(empty_database(), f"{self.folder}/walk.db")
        self.engine = make_engine(f"sqlite:///{self.folder}/walk.db", sqlite_synchronous="OFF")
        self.clock = FakeClock(MONDAY_10AM)
        self.service = CaseService(
            self.engine,
            LocalBus(),
            self.clock,
            workflow=load_workflow(),
            units=UNITS,
            routing=load_routing(UNITS),
            limits=load_time_limits(CALENDAR),
            calendar=CALENDAR,
            district_code="330199",
        )
        events = EventService(self.engine, LocalBus(), self.clock)
        self.events = [
            events.apply([Signal(**_signal(k, self.clock.now_ms()))])[0].id for k in "ab"
        ]
        self.ids: list[str] = []

    @initialize()
    def first_case(self) -> None:
        self.ids.append(self.service.create(flood(), Actor("key:intake", "intake_operator")).id)

    def teardown(self) -> None:
        self.engine.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    def stored(self) -> dict[str, Case]:
        return {i: self.service.get(i)[0] for i in self.ids}

    @precondition(lambda self: len(self.ids) < MAX_CASES)
    @rule(actor=any_actor, file_now=st.booleans(), grid=st.sampled_from(["330199002001001", None]))
    def create(self, actor: Actor, file_now: bool, grid: str | None) -> None:
        allowed = actor.role in ACTIONS["create"]["roles"] and (
            not file_now or actor.role in ACTIONS["file"]["roles"]
        )
        try:
            case = self.service.create(flood(grid_code=grid), actor, file_now=file_now)
        except (Forbidden, Conflict):
            assert not allowed, f"{actor.role} may create (file_now={file_now})"
            return
        assert allowed, f"{actor.role} created a case (file_now={file_now})"
        assert case.state is (CaseState.FILED if file_now else CaseState.REPORTED)
        self.ids.append(case.id)

    @rule(data=st.data(), minutes=st.sampled_from([0, 10, 60, 600]))
    def act(self, data: st.DataObject, minutes: int) -> None:
        self.clock.advance(minutes * 60)
        before = self.stored()
        live = [i for i, c in before.items() if c.state.value not in TERMINAL] or self.ids
        case = before[data.draw(st.sampled_from(live) | st.sampled_from(self.ids), "case")]
        action, actor, given = data.draw(_attempt(case, self), "attempt")
        trail_before = self.service.get(case.id)[1]
        expected = refusal(action, case, actor, given, before)
        try:
            after, refused = self.service.act(case.id, action, actor, given), None
        except (Forbidden, Conflict) as exc:
            refused = exc
        outcome = "accepted" if refused is None else repr(refused)
        assert (None if refused is None else type(refused)) is expected, (
            f"{action} by {actor} from {case.state.value}: {outcome}; the table says {expected}"
        )
        if refused is not None:
            assert self.stored() == before, "a refused action changed a case"
            assert self.service.get(case.id)[1] == trail_before
            return
        assert after.version == case.version + 1
        assert after.state is expected_state(action, case)

    @rule()
    def tick(self) -> None:
        before = self.stored()
        for case in self.service.tick():
            _, trail = self.service.get(case.id)
            assert (trail[-1].action, trail[-1].actor) == ("escalate", SYSTEM)
            assert before[case.id].state in (CaseState.DISPATCHED, CaseState.HANDLING)

    @invariant()
    def every_case_is_consistent_and_replays(self) -> None:
        for case_id in self.ids:
            case, trail = self.service.get(case_id)
            assert [t.seq for t in trail] == list(range(1, len(trail) + 1))
            assert replay(trail) == case
            assert case.version == len(trail)
            check_consistent(case, [t.action for t in trail], self.service.workflow)


def check_consistent(case: Case, actions: list[str], workflow: Workflow) -> None:
    closed = case.state in (CaseState.CLOSED, CaseState.EVALUATED)
    assert (case.closed_at is not None) is closed
    if closed:
        assert case.dispatched_at is not None
        assert case.closed_on_time is not None
    if case.state is CaseState.EVALUATED:
        assert case.score in (1, 2, 3, 4, 5)
    if case.state in WITH_UNIT:
        assert None not in (case.unit, case.limit_s, case.limit_mode, case.dispatched_at)
    if case.state in CLOCK_PAUSED:
        assert case.resume_state is not None
        pausing = "hold" if case.state is CaseState.ON_HOLD else "defer"
        assert case.resume_state.value in ACTIONS[pausing]["from"]
    elif case.state is not CaseState.VOID:  # voiding a held case leaves its resume_state
        assert case.resume_state is None
    if case.state not in (CaseState.REPORTED, CaseState.REJECTED, CaseState.VOID):
        assert case.filed_at is not None
    open_pauses = [p for p in case.pauses if p.end is None]
    assert len(open_pauses) <= 1
    if open_pauses:
        assert case.state in CLOCK_PAUSED or case.state is CaseState.VOID
    assert case.rework_count == actions.count("verify_fail")
    assert case.return_count == actions.count("return")
    assert case.extension_count == actions.count("approve_extension")
    assert case.was_deferred is ("defer" in actions)
    assert min(case.extension_s, case.supervision_count, case.escalation_level) >= 0
    assert case.pending_extension_s is None or case.pending_extension_s > 0
    if case.state.value in TERMINAL:  # the workbench offers nobody more than the table's exits
        exits = {a for a, spec in ACTIONS.items() if case.state.value in spec["from"]}
        assert exits == ({"reopen"} if case.state is CaseState.EVALUATED else set())
        for role in ROLES:
            assert set(workflow.actions_for(case, Actor("anyone", role, case.unit))) <= exits


@st.composite
def _attempt(draw: st.DrawFn, case: Case, walk: CaseWalk) -> tuple[str, Actor, ActionInput]:
    """Mostly what the table offers, by someone who may, with what it needs; else anything."""
    others = [i for i in walk.ids if i != case.id]
    offered = [a for a in ACTING if case.state.value in ACTIONS[a]["from"]]
    forward = [a for a in offered if a in FORWARD]
    if offered and draw(st.sampled_from([True, True, True, False]), "honest"):
        action = draw(st.sampled_from([*(forward * 3), *offered]))
        role = draw(st.sampled_from([*ACTIONS[action]["roles"] * 3, *ROLES]))
        units = [case.unit, case.unit, *UNIT_CODES] if ROLES[role].get("unit_role") else [None]
        unit = draw(st.sampled_from(units))
        given = ActionInput(
            note="说明",
            score=3,
            extension="1h",
            target=draw(st.sampled_from(others)) if others else None,
            event_id=draw(st.sampled_from(walk.events)),
        )
        return action, Actor(f"key:{role}", role, unit), given
    given = ActionInput(
        note=draw(notes),
        unit=draw(st.sampled_from([None, *UNIT_CODES, "nowhere"])),
        score=draw(st.sampled_from([3, None, 0, 6])),
        extension=draw(st.sampled_from(["1h", "2d", None, "soon"])),
        evidence=draw(st.sampled_from([[], ["ev-1"]])),
        target=draw(st.sampled_from([*others, None, case.id, "missing"])),
        event_id=draw(st.sampled_from([*walk.events, None])),
        expected_version=draw(st.sampled_from([None, case.version, case.version - 1])),
    )
    return draw(st.sampled_from(ACTING)), draw(any_actor), given


def _signal(key: str, ts: int) -> dict[str, Any]:
    return {
        "class_code": "E1001",
        "severity": Severity.ORANGE,
        "source": EventSource.RULE,
        "ts": ts,
        "title": f"积水 {key}",
        "key": key,
    }


CaseWalk.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],  # no slow tracing
)
TestCaseWalk = CaseWalk.TestCase


def test_the_oracle_reads_the_same_table_the_service_loads() -> None:
    workflow = load_workflow()
    assert set(ACTIONS) == set(workflow.actions)
    assert set(ROLES) == set(workflow.roles)
