"""Case KPIs: every figure of a small January equals a count made by hand.

The history (clock moved between actions; minutes after the previous action in brackets):

    case  class  grid  unit now     what happened
    A     E1001  X     drainage     closed on time
    B     E0102  X     cleaning     reported, filed [5], closed on time (2 working hours)
    C     E1001  Y     drainage     closed late: accept [30], handled [150]
    D     E1001  X     drainage     verify_fail once, then closed on time
    E     E1001  Y     municipal    returned by drainage, dispatched to municipal, on time
    F     E1001  X     drainage     1 h extension approved, closed at 160 min: on time
    G     E1001  X     drainage     deferred 5 h while handling, closed late (excluded)
    H     E0102  X     -            rejected
    I     E1001  X     drainage     voided while dispatched
    J     E1001  X     -            merged into A
    K     E1001  X     drainage     dispatch [15], accepted, left open past its due time
    L     E0102  X     -            awaiting review
    N     E1001  Y     drainage     on hold 5 min after dispatch (clock stopped: not due)
    Z     a case of December: outside the period

Unless said: dispatch [5] after filing, accept [10], report_handled [20], verify_pass [10].
E1001 orange: 2 calendar hours; E0102: 2 working hours.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa

from cityops.cases.model import Actor, Case
from cityops.cases.service import ZONE, ActionInput, CaseService
from cityops.cases.stats import COUNTS, RATES, STEPS, case_stats
from cityops.core.clock import FakeClock
from cityops.events.model import Severity
from tests.cases.conftest import (
    CHIEF,
    CLEANING,
    DISPATCHER,
    DRAINAGE,
    INSPECTOR,
    INTAKE,
    MONDAY_10AM,
    flood,
)

JANUARY = (
    int(datetime(2026, 1, 1, tzinfo=ZONE).timestamp() * 1000),
    int(datetime(2026, 2, 1, tzinfo=ZONE).timestamp() * 1000),
)
GRID_X = "330199002001001"  # 湖光社区第一网格
GRID_Y = "330199001002003"  # 柳岸社区第三网格
MUNICIPAL = Actor("key:municipal", "unit_handler", "dept-municipal")
Step = tuple[int, Actor, str, ActionInput | None]


def note(text: str = "说明") -> ActionInput:
    return ActionInput(note=text)


def handle_and_close(unit: Actor, handled_after: int = 20) -> list[Step]:
    return [
        (handled_after, unit, "report_handled", note("已处理")),
        (10, INSPECTOR, "verify_pass", None),
    ]


def closed_path(unit: Actor = DRAINAGE, accept_after: int = 10) -> list[Step]:
    return [
        (5, DISPATCHER, "dispatch", None),
        (accept_after, unit, "accept", None),
        *handle_and_close(unit),
    ]


class History:
    def __init__(self, cases: CaseService, clock: FakeClock) -> None:
        self.cases = cases
        self.clock = clock
        self.ids: dict[str, str] = {}

    def case(self, name: str, steps: list[Step], *, filed: bool = True, **kw: Any) -> Case:
        new = flood(**kw) if kw.get("class_code", "E1001") == "E1001" else garbage(**kw)
        case = self.cases.create(new, INTAKE, file_now=filed)
        self.ids[name] = case.id
        for minutes, actor, action, given in steps:
            self.clock.advance(minutes * 60)
            case = self.cases.act(case.id, action, actor, given)
        return case


def garbage(**kw: Any) -> Any:
    fields = {"severity": Severity.BLUE, "title": "暴露垃圾", "source": "patrol", **kw}
    return flood(**fields)


@pytest.fixture
def january(cases: CaseService, monday: FakeClock) -> History:
    h = History(cases, monday)
    monday.set(int(datetime(2025, 12, 31, 10, tzinfo=ZONE).timestamp() * 1000))
    h.case("Z", closed_path())
    monday.set(MONDAY_10AM)
    h.case(
        "B",
        [(5, INTAKE, "file", None), *closed_path(CLEANING)],
        filed=False,
        class_code="E0102",
    )
    h.case("K", [(15, DISPATCHER, "dispatch", None), (10, DRAINAGE, "accept", None)])
    h.case("A", closed_path())
    h.case(
        "C",
        [
            (5, DISPATCHER, "dispatch", None),
            (30, DRAINAGE, "accept", None),
            *handle_and_close(DRAINAGE, handled_after=150),
        ],
        grid_code=GRID_Y,
    )
    h.case(
        "D",
        [
            (5, DISPATCHER, "dispatch", None),
            (10, DRAINAGE, "accept", None),
            (20, DRAINAGE, "report_handled", note()),
            (10, INSPECTOR, "verify_fail", note("仍有积水")),
            *handle_and_close(DRAINAGE),
        ],
    )
    h.case(
        "E",
        [
            (5, DISPATCHER, "dispatch", None),
            (10, DRAINAGE, "return", note("非本单位职责")),
            (5, CHIEF, "dispatch", ActionInput(unit="dept-municipal")),
            (10, MUNICIPAL, "accept", None),
            *handle_and_close(MUNICIPAL),
        ],
        grid_code=GRID_Y,
    )
    h.case(
        "F",
        [
            (5, DISPATCHER, "dispatch", None),
            (5, DRAINAGE, "request_extension", ActionInput(note="设备抢修", extension="1h")),
            (5, CHIEF, "approve_extension", None),
            (0, DRAINAGE, "accept", None),
            *handle_and_close(DRAINAGE, handled_after=140),
        ],
    )
    h.case(
        "G",
        [
            (5, DISPATCHER, "dispatch", None),
            (10, DRAINAGE, "accept", None),
            (30, CHIEF, "defer", note("汛期后处理")),
            (300, CHIEF, "resume", None),
            *handle_and_close(DRAINAGE, handled_after=80),
        ],
    )
    h.case("H", [(5, INTAKE, "reject", note("非城市管理问题"))], filed=False, class_code="E0102")
    h.case("I", [(5, DISPATCHER, "dispatch", None), (5, CHIEF, "void", note("误报"))])
    h.case("J", [(5, INTAKE, "merge", ActionInput(target=h.ids["A"]))], filed=False)
    h.case("L", [], filed=False, class_code="E0102")
    h.case(
        "N",
        [(5, DISPATCHER, "dispatch", None), (5, CHIEF, "hold", note("需工程改造"))],
        grid_code=GRID_Y,
    )
    return h


def stats(engine: sa.Engine, clock: FakeClock, group_by: Any = None) -> dict[str, Any]:
    names = {"E1001": "下穿通道积水", "E0102": "暴露垃圾", "dept-drainage": "排水管理处"}
    with engine.connect() as conn:
        return case_stats(conn, *JANUARY, group_by, clock.now_ms(), name_of=names.get)


def expect(
    row: dict[str, Any],
    counts: dict[str, int],
    rates: tuple[float | None, ...],
    steps: tuple[float | None, ...],
) -> None:
    assert {k: row[k] for k in COUNTS} == {k: counts.get(k, 0) for k in COUNTS}
    assert tuple(row[k] for k in RATES) == pytest.approx(rates)
    assert tuple(row[key] for key, _ in STEPS.values()) == pytest.approx(steps, abs=0.05)


def by_key(result: dict[str, Any]) -> dict[str | None, dict[str, Any]]:
    return {row["key"]: row for row in result["groups"]}


def test_totals_of_the_month(engine: sa.Engine, january: History, monday: FakeClock) -> None:
    totals = stats(engine, monday)["totals"]
    expect(
        totals,
        {
            "reported": 13,  # A-N; Z was in December
            "voided": 2,  # I, J
            "merged": 1,  # J
            "valid": 11,
            "rejected": 1,  # H
            "filed": 9,  # A B C D E F G K N (not H, L)
            "dispatched": 9,  # the same nine
            "handled": 7,  # A B C D E F G
            "reworked": 1,  # D
            "returned": 1,  # E
            "extended": 1,  # F
            "deferred": 1,  # G
            "on_hold": 1,  # N
            "closed": 7,  # A B C D E F G
            "due": 8,  # the seven closed + K; N's clock stopped before its due time
            "due_deferred": 1,  # G
            "assessed": 7,
            "on_time": 5,  # A B D E F
            "closed_late": 1,  # C
            "overdue": 1,  # K
        },
        # 立案率 9/11, 结案率 7/9, 按期结案率 5/7, 返工率 1/7, 延期率 1/9, 回退率 1/9
        (9 / 11, 7 / 9, 5 / 7, 1 / 7, 1 / 9, 1 / 9),
        # 立案 B 5 min; 派遣 nine of 5 min + K 15 min = 3600 s / 10;
        # 签收 seven of 10 min + C 30 min = 6000 s / 8 (I voided: left out);
        # 处置 A B D D E 20 min, C 150, F 140, G 30 + 80 = 30000 s / 8; 结案 all 10 min
        # (D's failed check restarts the step)
        (300, 360, 750, 3750, 600),
    )
    assert totals["score"] == pytest.approx(
        100 * (0.4 * 5 / 7 + 0.3 * 7 / 9 + 0.15 * 6 / 7 + 0.15 * 8 / 9), abs=0.01
    )


def test_by_unit_charges_a_return_to_the_unit_that_returned(
    engine: sa.Engine, january: History, monday: FakeClock
) -> None:
    result = stats(engine, monday, "unit")
    rows = by_key(result)
    assert [r["key"] for r in result["groups"]] == [
        "co-cleaning",  # 100, ties with municipal; same due count, key decides the order
        "dept-municipal",  # 100
        "dept-drainage",
        None,  # 未派遣: unranked
    ]
    assert [r["rank"] for r in result["groups"]] == [1, 1, 3, None]
    assert (rows["dept-drainage"]["name"], rows[None]["name"]) == ("排水管理处", "未派遣")
    expect(
        rows["dept-drainage"],  # holds A C D F G K N, and voided I; dispatched E too
        {
            "reported": 8,
            "voided": 1,
            "valid": 7,
            "filed": 7,
            "dispatched": 8,  # A C D F G K N + E, which it returned
            "handled": 5,  # A C D F G
            "reworked": 1,
            "returned": 1,
            "extended": 1,
            "deferred": 1,
            "on_hold": 1,
            "closed": 5,
            "due": 6,  # A C D F G K
            "due_deferred": 1,
            "assessed": 5,
            "on_time": 3,  # A D F
            "closed_late": 1,
            "overdue": 1,
        },
        (1, 5 / 7, 3 / 5, 1 / 5, 1 / 8, 1 / 8),
        # 派遣 (the cases it holds) 6 x 5 min + 15 min = 2700 s / 7; 签收 5 x 10 min + 30 min;
        # 处置 20 + 150 + 20 + 20 + 140 + 110 min = 27600 s / 6
        (None, 2700 / 7, 800, 4600, 600),
    )
    assert rows["dept-drainage"]["score"] == pytest.approx(
        100 * (0.4 * 3 / 5 + 0.3 * 5 / 7 + 0.15 * 4 / 5 + 0.15 * 7 / 8), abs=0.01
    )
    expect(
        rows["dept-municipal"],  # E only
        {"reported": 1, "valid": 1, "filed": 1, "dispatched": 1, "handled": 1, "closed": 1}
        | {"due": 1, "assessed": 1, "on_time": 1},
        (1, 1, 1, 0, 0, 0),
        (None, 300, 600, 1200, 600),  # E was dispatched twice, 5 min after filing each time
    )
    expect(
        rows["co-cleaning"],  # B only
        {"reported": 1, "valid": 1, "filed": 1, "dispatched": 1, "handled": 1, "closed": 1}
        | {"due": 1, "assessed": 1, "on_time": 1},
        (1, 1, 1, 0, 0, 0),
        (300, 300, 600, 1200, 600),
    )
    expect(
        rows[None],  # H rejected, J merged, L awaiting review
        {"reported": 3, "voided": 1, "merged": 1, "valid": 2, "rejected": 1},
        (0, None, None, None, None, None),
        (None, None, None, None, None),
    )
    assert rows[None]["score"] is None


def test_by_grid(engine: sa.Engine, january: History, monday: FakeClock) -> None:
    result = stats(engine, monday, "grid")
    assert [(r["key"], r["rank"]) for r in result["groups"]] == [(GRID_X, 1), (GRID_Y, 2)]
    rows = by_key(result)
    expect(
        rows[GRID_X],  # A B D F G H I J K L
        {
            "reported": 10,
            "voided": 2,
            "merged": 1,
            "valid": 8,
            "rejected": 1,
            "filed": 6,  # A B D F G K
            "dispatched": 6,
            "handled": 5,
            "reworked": 1,
            "extended": 1,
            "deferred": 1,
            "closed": 5,
            "due": 6,
            "due_deferred": 1,
            "assessed": 5,
            "on_time": 4,  # A B D F
            "overdue": 1,
        },
        (6 / 8, 5 / 6, 4 / 5, 1 / 5, 1 / 6, 0),
        (300, 400, 600, 3300, 600),  # 派遣 5 x 5 min + 15 min; 处置 19800 s / 6
    )
    assert rows[GRID_X]["score"] == pytest.approx(84.0)  # 32 + 25 + 12 + 15
    expect(
        rows[GRID_Y],  # C E N
        {"reported": 3, "valid": 3, "filed": 3, "dispatched": 3, "handled": 2, "returned": 1}
        | {"on_hold": 1, "closed": 2, "due": 2, "assessed": 2, "on_time": 1, "closed_late": 1},
        (1, 2 / 3, 1 / 2, 0, 0, 1 / 3),
        (None, 300, 1200, 5100, 600),  # 签收 C 30 min, E 10 min; 处置 C 150, E 20
    )
    assert rows[GRID_Y]["score"] == pytest.approx(65.0)  # 20 + 20 + 15 + 10


def test_by_class(engine: sa.Engine, january: History, monday: FakeClock) -> None:
    result = stats(engine, monday, "class")
    assert [(r["key"], r["name"], r["rank"]) for r in result["groups"]] == [
        ("E0102", "暴露垃圾", 1),
        ("E1001", "下穿通道积水", 2),
    ]
    rows = by_key(result)
    expect(
        rows["E0102"],  # B H L
        {"reported": 3, "valid": 3, "rejected": 1, "filed": 1, "dispatched": 1, "handled": 1}
        | {"closed": 1, "due": 1, "assessed": 1, "on_time": 1},
        (1 / 3, 1, 1, 0, 0, 0),
        (300, 300, 600, 1200, 600),
    )
    expect(
        rows["E1001"],  # the other ten
        {
            "reported": 10,
            "voided": 2,
            "merged": 1,
            "valid": 8,
            "filed": 8,
            "dispatched": 8,
            "handled": 6,
            "reworked": 1,
            "returned": 1,
            "extended": 1,
            "deferred": 1,
            "on_hold": 1,
            "closed": 6,
            "due": 7,
            "due_deferred": 1,
            "assessed": 6,
            "on_time": 4,
            "closed_late": 1,
            "overdue": 1,
        },
        (1, 6 / 8, 4 / 6, 1 / 6, 1 / 8, 1 / 8),
        (None, 3300 / 9, 5400 / 7, 28800 / 7, 600),  # the totals without B's samples
    )


def test_a_case_is_due_only_once_its_due_time_is_before_the_cutoff(
    cases: CaseService, engine: sa.Engine, monday: FakeClock
) -> None:
    case = cases.create(flood(), INTAKE, file_now=True)
    cases.act(case.id, "dispatch", DISPATCHER)  # due in 2 calendar hours
    monday.advance(119 * 60)
    assert stats(engine, monday)["totals"]["due"] == 0
    monday.advance(2 * 60)
    totals = stats(engine, monday)["totals"]
    assert (totals["due"], totals["overdue"], totals["on_time_rate"]) == (1, 1, 0)


def test_an_empty_period_divides_by_nothing(engine: sa.Engine, monday: FakeClock) -> None:
    result = stats(engine, monday, "unit")
    assert result["groups"] == []
    assert all(result["totals"][k] is None for k in RATES)
    assert result["totals"]["score"] is None
