"""Fold a transition into a case. Pure: the same trail always gives the same case.

The service decides and records (it knows the clock, the calendar, the routing table); this
function only applies what the transition's `data` says, so replaying the audit trail needs
nothing but the trail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import msgspec

from cityops.cases.model import Case, CaseState, Channel, Pause, Transition
from cityops.events.model import Severity

Step = Callable[[Case, Transition], None]
RUNNING = frozenset({CaseState.DISPATCHED, CaseState.HANDLING})


def apply(case: Case | None, t: Transition) -> Case:
    if case is None:
        if t.action != "create":
            raise ValueError(f"the trail must start with create, not {t.action}")
        return _create(t)
    case = msgspec.structs.replace(
        case,
        pauses=[msgspec.structs.replace(p) for p in case.pauses],
        event_ids=list(case.event_ids),
        evidence=list(case.evidence),
    )
    step = _STEPS.get(t.action)
    if step is not None:
        step(case, t)
    case.state = t.to_state
    case.version = t.seq
    return case


def replay(trail: Iterable[Transition]) -> Case:
    case: Case | None = None
    for t in trail:
        case = apply(case, t)
    if case is None:
        raise ValueError("empty trail")
    return case


def _create(t: Transition) -> Case:
    d = t.data
    case = Case(
        id=d["id"],
        number=d["number"],
        state=t.to_state,
        class_code=d["class_code"],
        severity=Severity(d["severity"]),
        title=d["title"],
        description=d.get("description", ""),
        source=d["source"],
        lon=d.get("lon"),
        lat=d.get("lat"),
        grid_code=d.get("grid_code"),
        device_id=d.get("device_id"),
        event_ids=list(d.get("event_ids", [])),
        suggested_unit=d.get("suggested_unit"),
        channel=Channel(d["channel"]) if d.get("channel") else None,
        reported_at=t.ts,
        evidence=list(d.get("evidence", [])),
        version=t.seq,
    )
    if t.to_state is CaseState.FILED:
        case.filed_at = t.ts
    return case


def _file(c: Case, t: Transition) -> None:
    c.filed_at = t.ts
    if "class_code" in t.data:
        c.class_code = t.data["class_code"]
    if "severity" in t.data:
        c.severity = Severity(t.data["severity"])


def _dispatch(c: Case, t: Transition) -> None:
    c.unit = t.data["unit"]
    c.channel = Channel(t.data["channel"])
    c.dispatched_at = t.ts
    c.limit_s = t.data["limit_s"]
    c.limit_mode = t.data["limit_mode"]
    c.pauses = []
    c.extension_s = 0
    c.pending_extension_s = None
    c.escalation_level = 0
    c.escalated_to = None


def _redispatch(c: Case, t: Transition) -> None:
    c.unit = t.data["unit"]
    c.channel = Channel(t.data["channel"])


def _return(c: Case, t: Transition) -> None:
    c.unit = None
    c.return_count += 1


def _report_handled(c: Case, t: Transition) -> None:
    c.handled_at = t.ts
    c.evidence.extend(t.data.get("evidence", []))


def _verify_pass(c: Case, t: Transition) -> None:
    c.closed_at = t.ts
    c.closed_on_time = t.data.get("on_time")


def _verify_fail(c: Case, t: Transition) -> None:
    c.rework_count += 1
    c.handled_at = None


def _evaluate(c: Case, t: Transition) -> None:
    c.score = t.data["score"]
    c.evaluated_at = t.ts


def _request_extension(c: Case, t: Transition) -> None:
    c.pending_extension_s = t.data["extension_s"]


def _approve_extension(c: Case, t: Transition) -> None:
    c.extension_s += c.pending_extension_s or 0
    c.pending_extension_s = None
    c.extension_count += 1


def _refuse_extension(c: Case, t: Transition) -> None:
    c.pending_extension_s = None


def _pause(c: Case, t: Transition) -> None:
    c.resume_state = c.state
    if c.state in RUNNING:
        c.pauses.append(Pause(t.ts))
    if t.action == "defer":
        c.was_deferred = True


def _resume(c: Case, t: Transition) -> None:
    if c.pauses and c.pauses[-1].end is None:
        c.pauses[-1].end = t.ts
    c.resume_state = None


def _supervise(c: Case, t: Transition) -> None:
    c.supervision_count += 1


def _escalate(c: Case, t: Transition) -> None:
    c.escalation_level += 1
    c.escalated_to = t.data.get("unit")
    c.supervision_count += 1  # every escalation is also a 督办 record


def _attach_event(c: Case, t: Transition) -> None:
    if t.data["event_id"] not in c.event_ids:
        c.event_ids.append(t.data["event_id"])


def _end_pause(c: Case, t: Transition) -> None:
    """Leaving hold or deferral for good (void, merge): the pause ends, nothing to resume."""
    if c.pauses and c.pauses[-1].end is None:
        c.pauses[-1].end = t.ts
    c.resume_state = None


def _void(c: Case, t: Transition) -> None:
    _end_pause(c, t)


def _merge(c: Case, t: Transition) -> None:
    _end_pause(c, t)
    c.merged_into = t.data["target"]


def _reopen(c: Case, t: Transition) -> None:
    c.closed_at = None
    c.handled_at = None
    c.evaluated_at = None
    c.closed_on_time = None
    c.score = None
    c.unit = None


_STEPS: dict[str, Step] = {
    "file": _file,
    "dispatch": _dispatch,
    "redispatch": _redispatch,
    "return": _return,
    "report_handled": _report_handled,
    "verify_pass": _verify_pass,
    "verify_fail": _verify_fail,
    "evaluate": _evaluate,
    "request_extension": _request_extension,
    "approve_extension": _approve_extension,
    "refuse_extension": _refuse_extension,
    "hold": _pause,
    "defer": _pause,
    "resume": _resume,
    "supervise": _supervise,
    "escalate": _escalate,
    "attach_event": _attach_event,
    "merge": _merge,
    "void": _void,
    "reopen": _reopen,
}
