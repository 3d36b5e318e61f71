"""Cases (案卷): what the dual-centre workflow moves from report to closure.

A case changes only by transitions. Each transition is appended to the audit trail and folded
into the case by one pure function (`cases.reducer.apply`), so replaying the trail rebuilds the
case exactly: the audit log is the source of truth, the case row a cached fold of it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import msgspec

from cityops.events.model import Severity


class CaseState(StrEnum):
    REPORTED = "reported"  # 信息收集 (awaiting intake review)
    FILED = "filed"  # 立案 (awaiting dispatch)
    REJECTED = "rejected"  # 不予立案
    DISPATCHED = "dispatched"  # 派遣 (awaiting the unit)
    HANDLING = "handling"  # 处置
    HANDLED = "handled"  # 处置反馈 (awaiting verification)
    CLOSED = "closed"  # 结案
    EVALUATED = "evaluated"  # 评价
    ON_HOLD = "on_hold"  # 挂账
    DEFERRED = "deferred"  # 缓办
    VOID = "void"  # 作废 (also: merged into another case)

    @property
    def name_zh(self) -> str:
        return _ZH[self]


_ZH = {
    CaseState.REPORTED: "信息收集",
    CaseState.FILED: "立案",
    CaseState.REJECTED: "不予立案",
    CaseState.DISPATCHED: "派遣",
    CaseState.HANDLING: "处置",
    CaseState.HANDLED: "处置反馈",
    CaseState.CLOSED: "结案",
    CaseState.EVALUATED: "评价",
    CaseState.ON_HOLD: "挂账",
    CaseState.DEFERRED: "缓办",
    CaseState.VOID: "作废",
}

TERMINAL = frozenset({CaseState.REJECTED, CaseState.VOID, CaseState.EVALUATED})
CLOCK_PAUSED = frozenset({CaseState.ON_HOLD, CaseState.DEFERRED})
WITH_UNIT = frozenset({CaseState.DISPATCHED, CaseState.HANDLING, CaseState.HANDLED})


class Channel(StrEnum):
    COGOVERNANCE = "cogovernance"  # 社区共治: community, volunteers via the residents' app
    SERVICE = "service"  # 市场化服务: registered service companies
    PROFESSIONAL = "professional"  # 专业处置: departments, commanded by the front centre


class Actor(msgspec.Struct, frozen=True):
    """Who acts: an identity, the role it acts in, the unit it belongs to, and the areas
    (grid, community or street code prefixes) it is limited to — empty means no area limit."""

    id: str
    role: str
    unit: str | None = None
    grids: tuple[str, ...] = ()


class Transition(msgspec.Struct, frozen=True, kw_only=True):
    """One line of the audit trail. `data` carries everything the reducer needs."""

    seq: int
    ts: int
    action: str
    from_state: CaseState | None
    to_state: CaseState
    actor: Actor
    note: str | None = None
    data: dict[str, Any] = msgspec.field(default_factory=dict)


class Pause(msgspec.Struct):
    start: int
    end: int | None = None


class Case(msgspec.Struct, kw_only=True):
    id: str
    number: str
    state: CaseState
    resume_state: CaseState | None = None
    """The state a held or deferred case returns to."""
    class_code: str
    severity: Severity
    title: str
    description: str = ""
    source: str
    lon: float | None = None
    lat: float | None = None
    grid_code: str | None = None
    device_id: str | None = None
    event_ids: list[str] = msgspec.field(default_factory=list)
    unit: str | None = None
    channel: Channel | None = None
    suggested_unit: str | None = None
    escalation_level: int = 0
    escalated_to: str | None = None
    reported_at: int
    filed_at: int | None = None
    dispatched_at: int | None = None
    handled_at: int | None = None
    closed_at: int | None = None
    evaluated_at: int | None = None
    limit_s: int | None = None
    limit_mode: str | None = None  # working | calendar
    pauses: list[Pause] = msgspec.field(default_factory=list)
    extension_s: int = 0
    pending_extension_s: int | None = None
    was_deferred: bool = False
    rework_count: int = 0
    return_count: int = 0
    extension_count: int = 0
    supervision_count: int = 0
    closed_on_time: bool | None = None
    score: int | None = None
    merged_into: str | None = None
    evidence: list[str] = msgspec.field(default_factory=list)
    version: int = 0
