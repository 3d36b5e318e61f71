"""The case lifecycle: every transition guarded by role, state and unit, recorded, replayable."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from cityops.bus.local import LocalBus
from cityops.cases.model import CaseState, Channel
from cityops.cases.reducer import replay
from cityops.cases.service import ActionInput, CaseService
from cityops.core.clock import FakeClock
from cityops.core.errors import Conflict, Forbidden
from cityops.events.model import EventSource, Severity, Signal
from cityops.events.service import EventService
from tests.cases.conftest import (
    CHIEF,
    CLEANING,
    DISPATCHER,
    DRAINAGE,
    INSPECTOR,
    INTAKE,
    SUPERVISOR,
    flood,
)


def note(text: str = "说明") -> ActionInput:
    return ActionInput(note=text)


def test_the_happy_path_from_report_to_evaluation(cases: CaseService, monday: FakeClock) -> None:
    case = cases.create(flood(), INTAKE)
    assert case.state is CaseState.REPORTED
    assert case.number == "33019920260105" + "00001"
    assert case.suggested_unit == "dept-drainage"
    case = cases.act(case.id, "file", INTAKE)
    case = cases.act(case.id, "dispatch", DISPATCHER)
    assert (case.state, case.unit, case.channel) == (
        CaseState.DISPATCHED,
        "dept-drainage",
        Channel.PROFESSIONAL,
    )
    assert cases.light(case) == "green"
    case = cases.act(case.id, "accept", DRAINAGE)
    monday.advance(30 * 60)
    case = cases.act(
        case.id, "report_handled", DRAINAGE, ActionInput(note="已抽排", evidence=["e1"])
    )
    case = cases.act(case.id, "verify_pass", INSPECTOR)
    assert case.state is CaseState.CLOSED
    assert case.closed_on_time is True
    case = cases.act(case.id, "evaluate", SUPERVISOR, ActionInput(score=5))
    assert case.state is CaseState.EVALUATED
    assert case.evidence == ["e1"]


def test_roles_are_enforced_on_every_transition(cases: CaseService) -> None:
    case = cases.create(flood(), INTAKE)
    with pytest.raises(Forbidden, match="role 'unit_handler' may not file"):
        cases.act(case.id, "file", DRAINAGE)
    cases.act(case.id, "file", INTAKE)
    with pytest.raises(Forbidden):
        cases.act(case.id, "dispatch", INSPECTOR)
    cases.act(case.id, "dispatch", DISPATCHER)
    with pytest.raises(Forbidden, match="not assigned to unit 'co-cleaning'"):
        cases.act(case.id, "accept", CLEANING)


def test_an_action_from_the_wrong_state_is_refused(cases: CaseService) -> None:
    case = cases.create(flood(), INTAKE)
    with pytest.raises(Conflict, match="cannot dispatch a case that is reported"):
        cases.act(case.id, "dispatch", DISPATCHER)


def test_required_notes_and_scores(cases: CaseService) -> None:
    case = cases.create(flood(), INTAKE)
    with pytest.raises(Conflict, match="reject needs note"):
        cases.act(case.id, "reject", INTAKE)
    rejected = cases.act(case.id, "reject", INTAKE, note("非城市管理问题"))
    assert rejected.state is CaseState.REJECTED


def test_the_front_centre_may_override_the_routing(cases: CaseService) -> None:
    case = cases.create(flood(), INTAKE, file_now=True)
    case = cases.act(case.id, "dispatch", CHIEF, ActionInput(unit="dept-municipal"))
    assert case.unit == "dept-municipal"
    _, trail = cases.get(case.id)
    assert trail[-1].data["overridden"] is True
    assert trail[-1].data["suggested"] == "dept-drainage"


def test_a_territorial_route_goes_to_the_grids_community(cases: CaseService) -> None:
    case = cases.create(
        flood(class_code="E0502", grid_code="330199003002004"), INTAKE, file_now=True
    )
    case = cases.act(case.id, "dispatch", DISPATCHER)
    assert (case.unit, case.channel) == ("330199003002", Channel.COGOVERNANCE)


def test_return_then_redispatch(cases: CaseService) -> None:
    case = cases.create(flood(), INTAKE, file_now=True)
    cases.act(case.id, "dispatch", DISPATCHER)
    case = cases.act(case.id, "return", DRAINAGE, note("非本单位职责"))
    assert (case.state, case.unit, case.return_count) == (CaseState.FILED, None, 1)
    case = cases.act(case.id, "dispatch", CHIEF, ActionInput(unit="dept-municipal"))
    assert case.state is CaseState.DISPATCHED


def test_failed_verification_sends_it_back_as_rework(cases: CaseService) -> None:
    case = cases.create(flood(), INTAKE, file_now=True)
    for actor, action, given in [
        (DISPATCHER, "dispatch", None),
        (DRAINAGE, "accept", None),
        (DRAINAGE, "report_handled", note("已处理")),
        (INSPECTOR, "verify_fail", note("仍有积水")),
    ]:
        case = cases.act(case.id, action, actor, given)
    assert (case.state, case.rework_count) == (CaseState.HANDLING, 1)


def test_extension_requested_approved_and_refused(cases: CaseService, monday: FakeClock) -> None:
    case = cases.create(flood(), INTAKE, file_now=True)
    case = cases.act(case.id, "dispatch", DISPATCHER)
    due = cases.clock_of(case).due_at()  # type: ignore[union-attr]
    with pytest.raises(Conflict, match="no extension request is pending"):
        cases.act(case.id, "approve_extension", CHIEF)
    cases.act(case.id, "request_extension", DRAINAGE, ActionInput(note="设备抢修", extension="2h"))
    with pytest.raises(Conflict, match="already pending"):
        cases.act(case.id, "request_extension", DRAINAGE, ActionInput(note="x", extension="1h"))
    case = cases.act(case.id, "approve_extension", CHIEF)
    assert case.extension_count == 1
    assert cases.clock_of(case).due_at() == due + 2 * 3600 * 1000  # type: ignore[union-attr,operator]
    cases.act(case.id, "request_extension", DRAINAGE, ActionInput(note="再延", extension="1h"))
    case = cases.act(case.id, "refuse_extension", CHIEF, note("不予延期"))
    assert case.pending_extension_s is None
    assert case.extension_count == 1


def test_hold_pauses_the_clock_and_resume_returns_to_the_same_state(
    cases: CaseService, monday: FakeClock
) -> None:
    case = cases.create(flood(), INTAKE, file_now=True)
    case = cases.act(case.id, "dispatch", DISPATCHER)
    case = cases.act(case.id, "accept", DRAINAGE)
    monday.advance(600)
    case = cases.act(case.id, "hold", CHIEF, note("需工程改造"))
    assert case.state is CaseState.ON_HOLD
    monday.advance(24 * 3600)
    case = cases.act(case.id, "resume", CHIEF)
    assert case.state is CaseState.HANDLING
    clock = cases.clock_of(case)
    assert clock is not None
    assert clock.counted_ms(monday.now_ms()) == 600_000


def test_deferred_cases_are_marked_for_the_kpis(cases: CaseService) -> None:
    case = cases.create(flood(), INTAKE, file_now=True)
    case = cases.act(case.id, "defer", CHIEF, note("汛期后处理"))
    assert case.was_deferred
    assert cases.act(case.id, "resume", CHIEF).state is CaseState.FILED


def test_overdue_cases_escalate_to_the_parent_unit_with_a_supervision_record(
    cases: CaseService, monday: FakeClock
) -> None:
    case = cases.create(flood(), INTAKE, file_now=True)  # orange flooding: 2 calendar hours
    case = cases.act(case.id, "dispatch", DISPATCHER)
    monday.advance(3600)
    assert cases.tick() == []
    assert cases.light(case) == "green"  # half of the 2-hour limit used
    monday.advance(2700)
    assert cases.light(case) == "yellow"  # 1 h 45 min of 2 h: past the 80 % warning share
    assert cases.tick() == []  # warned, not yet overdue
    monday.advance(901)
    (escalated,) = cases.tick()
    assert escalated.escalation_level == 1
    assert escalated.escalated_to == "330199"
    assert escalated.supervision_count == 1
    assert cases.tick() == []  # once per overdue period
    assert cases.light(escalated) == "red"


def test_merge_moves_events_to_the_case_that_stays(
    cases: CaseService, engine: sa.Engine, monday: FakeClock
) -> None:
    events = EventService(engine, LocalBus(), monday)
    ev_a, ev_b = (
        events.apply(
            [
                Signal(
                    class_code="E1001",
                    severity=Severity.ORANGE,
                    source=EventSource.RULE,
                    ts=monday.now_ms(),
                    title=k,
                    key=k,
                )
            ]
        )[0].id
        for k in ("a", "b")
    )
    a = cases.create(flood(event_ids=[ev_a]), INTAKE)
    b = cases.create(flood(event_ids=[ev_b]), INTAKE)
    merged = cases.act(b.id, "merge", INTAKE, ActionInput(target=a.id))
    assert (merged.state, merged.merged_into) == (CaseState.VOID, a.id)
    kept, _ = cases.get(a.id)
    assert kept.event_ids == [ev_a, ev_b]


def test_reopen_a_closed_case_when_the_problem_recurs(cases: CaseService) -> None:
    case = cases.create(flood(), INTAKE, file_now=True)
    for actor, action, given in [
        (DISPATCHER, "dispatch", None),
        (DRAINAGE, "accept", None),
        (DRAINAGE, "report_handled", note()),
        (INSPECTOR, "verify_pass", None),
        (CHIEF, "reopen", note("再次积水")),
    ]:
        case = cases.act(case.id, action, actor, given)
    assert (case.state, case.closed_at, case.unit) == (CaseState.FILED, None, None)


def test_a_stale_version_is_refused(cases: CaseService) -> None:
    case = cases.create(flood(), INTAKE)
    cases.act(case.id, "file", INTAKE)
    with pytest.raises(Conflict, match="version"):
        cases.act(case.id, "void", CHIEF, ActionInput(note="x", expected_version=case.version))


def test_the_audit_trail_replays_to_the_stored_case(cases: CaseService) -> None:
    case = cases.create(flood(), INTAKE, file_now=True)
    for actor, action, given in [
        (DISPATCHER, "dispatch", None),
        (DRAINAGE, "request_extension", ActionInput(note="x", extension="1h")),
        (CHIEF, "approve_extension", None),
        (DRAINAGE, "accept", None),
        (CHIEF, "supervise", note("加快处置")),
        (DRAINAGE, "report_handled", note()),
    ]:
        case = cases.act(case.id, action, actor, given)
    stored, trail = cases.get(case.id)
    assert replay(trail) == stored
    assert [t.seq for t in trail] == list(range(1, len(trail) + 1))
