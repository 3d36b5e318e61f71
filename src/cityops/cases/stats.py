"""Case KPIs (综合评价) of a period, in total and per unit, grid or event class, with a ranking.

Which cases count
    The cohort of a period [from, to) is every case *reported* in it, judged as it stands now:
    a case reported on the 31st and closed on the 2nd counts as closed, so a month's figures
    settle as its last cases close. Voided and merged cases count in `reported`, `voided` and
    `merged` only; every other figure is over the *valid* rest.

Counts (labels in `COUNTS`)
    reported: every case of the cohort. voided: void now, merges included; merged: merged into
    another case. valid: reported − voided. rejected: not filed at intake review. filed:
    `filed_at` set, also when the intake policy files at once. dispatched, handled, reworked,
    returned, extended: dispatched / reported handled / failed verification / returned by a
    unit / given an extension, at least once. deferred: ever deferred (`was_deferred`).
    on_hold: on hold now. closed: `closed_at` set now (closed or evaluated, not reopened).
    due: assigned to a unit and either closed or past its stored `due_at` (pauses and
    extensions counted) before min(to, now); a case returned or reopened and waiting for
    dispatch is not due, its clock restarts. due_deferred: due and ever deferred. assessed:
    due − due_deferred. on_time / closed_late: assessed and `closed_on_time` true / false (the
    service decides it at 结案 against the case clock). overdue: due and not closed.

Rates, fractions 0..1, None when the denominator is 0 (table `RATES`)
    立案率 filed / valid (reports awaiting review count against it); 结案率 closed / filed;
    按期结案率 on_time / assessed; 返工率 reworked / handled; 延期率 extended / dispatched;
    回退率 returned / dispatched.

Step times: average seconds of wall-clock time, one sample each time a step ends
    立案 reported→filed, 派遣 filed→dispatched, 签收 dispatched→accepted, 处置 accepted→handled,
    核查结案 handled→closed. A sample is the time spent in the state the step leaves: time on
    hold or deferred is left out, a (re)dispatch restarts the unit's steps, a failed check
    restarts handled→closed. A case created already filed gives no 立案 sample.

Groups
    unit: what happened while a case was assigned to a unit (dispatched, handled, reworked,
    returned, extended, and the 签收/处置/核查结案 samples) is that unit's, so a case sent to two
    units counts as dispatched for both and a return is charged to the unit that returned it.
    The rest goes to the unit holding the case now; a case waiting for dispatch is in the row
    with key None (未派遣). grid: `grid_code` (None: 未定位). class: `class_code` as corrected at
    立案. Apart from those per-unit figures each case is in one row: rows add up to the totals.

Score and ranking
    综合评价得分 = 100 × (0.4 按期结案率 + 0.3 结案率 + 0.15 (1 − 返工率) + 0.15 (1 − 回退率)).
    A rate that is None drops out and the other weights are scaled to sum to 1; None if all do.
    Rows go best first (score, then more due cases, then key); equal scores share a rank; rows
    without a key or a score come last, unranked.

Cost: two queries (the cohort's cases, then their trails in order) and one pass in Python over
msgspec-decoded rows. A district files some thousands of cases a month with about ten
transitions each, read in well under a second; step times and per-unit stints need each trail
in order, which a portable GROUP BY over SQLite and PostgreSQL JSON cannot give.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, Literal

import msgspec
import sqlalchemy as sa

from cityops.cases.model import Case, CaseState
from cityops.store.schema import case_transitions, cases

GroupBy = Literal["unit", "grid", "class"]
NameOf = Callable[[str], str | None]
Sample = tuple[str, int]

COUNTS = {
    "reported": "上报数",
    "voided": "作废数",
    "merged": "合并数",
    "valid": "有效上报数",
    "rejected": "不予立案数",
    "filed": "立案数",
    "dispatched": "派遣数",
    "handled": "处置反馈数",
    "reworked": "返工数",
    "returned": "回退数",
    "extended": "延期数",
    "deferred": "缓办数",
    "on_hold": "挂账数",
    "closed": "结案数",
    "due": "应结案数",
    "due_deferred": "应结案中缓办数",
    "assessed": "按期考核数",
    "on_time": "按期结案数",
    "closed_late": "超期结案数",
    "overdue": "超期未结数",
}
RATES = {  # key: (label, numerator, denominator)
    "filing_rate": ("立案率", "filed", "valid"),
    "closure_rate": ("结案率", "closed", "filed"),
    "on_time_rate": ("按期结案率", "on_time", "assessed"),
    "rework_rate": ("返工率", "reworked", "handled"),
    "extension_rate": ("延期率", "extended", "dispatched"),
    "return_rate": ("回退率", "returned", "dispatched"),
}
STEPS = {  # the action that ends a step: (key, label)
    "file": ("time_to_file_s", "立案平均用时（秒）"),
    "dispatch": ("time_to_dispatch_s", "派遣平均用时（秒）"),
    "accept": ("time_to_accept_s", "签收平均用时（秒）"),
    "report_handled": ("time_to_handle_s", "处置平均用时（秒）"),
    "verify_pass": ("time_to_close_s", "核查结案平均用时（秒）"),
}
SCORE = (  # rate, weight, whether 1 − rate counts
    ("on_time_rate", 0.4, False),
    ("closure_rate", 0.3, False),
    ("rework_rate", 0.15, True),
    ("return_rate", 0.15, True),
)
WEIGHTS = {("1-" if inverse else "") + rate: weight for rate, weight, inverse in SCORE}
LABELS = {
    **COUNTS,
    **{key: label for key, (label, _, _) in RATES.items()},
    **dict(STEPS.values()),
    "score": "综合评价得分",
    "rank": "排名",
    "key": "编码",
    "name": "名称",
}
NO_GROUP = {"unit": "未派遣", "grid": "未定位", "class": "未分类"}

_FLAGS = {  # what an action during an assignment says about the unit
    "report_handled": "handled",
    "verify_fail": "reworked",
    "return": "returned",
    "approve_extension": "extended",
}
_RESTARTS = {  # time spent in these states no longer counts towards the next sample
    "dispatch": (CaseState.DISPATCHED, CaseState.HANDLING),
    "redispatch": (CaseState.DISPATCHED, CaseState.HANDLING),
    "verify_fail": (CaseState.HANDLED,),
}


@dataclass
class Stint:
    """One unit's part in one case: what happened while the case was assigned to it."""

    flags: set[str] = field(default_factory=lambda: {"dispatched"})
    steps: list[Sample] = field(default_factory=list)


@dataclass
class TrailFacts:
    stints: dict[str, Stint] = field(default_factory=dict)
    loose: list[Sample] = field(default_factory=list)
    """Step samples taken while no unit held the case (立案, 派遣)."""

    def whole(self) -> Stint | None:
        """All stints as one, for totals and other groupings; None if never dispatched."""
        if not self.stints:
            return None
        flags = set().union(*(s.flags for s in self.stints.values()))
        return Stint(flags, [x for s in self.stints.values() for x in s.steps])


@dataclass
class Tally:
    n: Counter[str] = field(default_factory=Counter)
    steps: defaultdict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def add_samples(self, samples: Iterable[Sample]) -> None:
        for key, ms in samples:
            self.steps[key].append(ms)

    def add_case(self, counts: list[str], facts: TrailFacts | None, *, with_stints: bool) -> None:
        """A case's counts; with its trail's facts unless voided (`facts` None)."""
        self.n.update(counts)
        if facts is not None:
            self.add_samples(facts.loose)
            if with_stints:
                self.add_stint(facts.whole())

    def add_stint(self, stint: Stint | None) -> None:
        if stint is not None:
            self.n.update(stint.flags)
            self.add_samples(stint.steps)

    def kpis(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: self.n[k] for k in COUNTS}
        for name, (_, num, den) in RATES.items():
            out[name] = self.n[num] / self.n[den] if self.n[den] else None
        for key, _ in STEPS.values():
            ms = self.steps.get(key)
            out[key] = round(sum(ms) / len(ms) / 1000, 1) if ms else None
        out["score"] = score(out)
        return out


def case_stats(
    conn: sa.Connection,
    start_ms: int,
    end_ms: int,
    group_by: GroupBy | None,
    now_ms: int,
    *,
    name_of: NameOf | None = None,
) -> dict[str, Any]:
    """KPIs of the cases reported in [start_ms, end_ms), as the module docstring defines them.

    `name_of` names a group key (a unit's, grid's or class's name); without it names are None.
    """
    cutoff = min(end_ms, now_ms)
    totals = Tally()
    groups: defaultdict[str | None, Tally] = defaultdict(Tally)
    trails = _trails(conn, start_ms, end_ms)
    for case, due_at in _cohort(conn, start_ms, end_ms):
        counts = case_counts(case, due_at, cutoff)
        void = case.state is CaseState.VOID
        facts = None if void else trails.get(case.id, TrailFacts())
        totals.add_case(counts, facts, with_stints=True)
        if group_by is None:
            continue
        groups[_key(case, group_by)].add_case(counts, facts, with_stints=group_by != "unit")
        if group_by == "unit" and facts is not None:
            for unit, stint in facts.stints.items():
                groups[unit].add_stint(stint)
    out: dict[str, Any] = {
        "period": {"from": start_ms, "to": end_ms, "now": now_ms},
        "group_by": group_by,
        "weights": WEIGHTS,
        "totals": totals.kpis(),
    }
    if group_by is not None:
        out["groups"] = rank(_rows(groups, group_by, name_of))
    return out


def case_counts(case: Case, due_at: int | None, cutoff: int) -> list[str]:
    """The counters one case adds to, judged from the case as it stands."""
    if case.state is CaseState.VOID:
        return ["reported", "voided", *(["merged"] if case.merged_into else [])]
    closed = case.closed_at is not None
    due = (
        case.dispatched_at is not None
        and case.limit_s is not None
        and (closed or (case.unit is not None and due_at is not None and due_at < cutoff))
    )
    assessed = due and not case.was_deferred
    counts = {
        "valid": True,
        "rejected": case.state is CaseState.REJECTED,
        "filed": case.filed_at is not None,
        "deferred": case.was_deferred,
        "on_hold": case.state is CaseState.ON_HOLD,
        "closed": closed,
        "due": due,
        "due_deferred": due and case.was_deferred,
        "assessed": assessed,
        "on_time": assessed and case.closed_on_time is True,
        "closed_late": assessed and case.closed_on_time is False,
        "overdue": due and not closed,
    }
    return ["reported", *(name for name, counted in counts.items() if counted)]


def score(kpis: dict[str, Any]) -> float | None:
    known = [
        (weight, 1 - kpis[rate] if inverse else kpis[rate])
        for rate, weight, inverse in SCORE
        if kpis[rate] is not None
    ]
    if not known:
        return None
    total: float = sum(weight * value for weight, value in known) / sum(w for w, _ in known)
    return round(100 * total, 2)


def rank(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Best first; equal scores share a rank (1, 2, 2, 4); rows without key or score last."""
    ranked: list[dict[str, Any]] = []
    unranked: list[dict[str, Any]] = []
    for row in rows:
        (ranked if row["key"] is not None and row["score"] is not None else unranked).append(row)
    ranked.sort(key=lambda r: (-r["score"], -r["due"], r["key"]))
    for i, row in enumerate(ranked):
        tied = i > 0 and ranked[i - 1]["score"] == row["score"]
        row["rank"] = ranked[i - 1]["rank"] if tied else i + 1
    unranked.sort(key=lambda r: r["key"] or "")
    return [*ranked, *unranked]


def _key(case: Case, group_by: GroupBy | None) -> str | None:
    if group_by == "unit":
        return case.unit
    if group_by == "grid":
        return case.grid_code
    return case.class_code if group_by == "class" else None


def _rows(
    groups: dict[str | None, Tally], group_by: GroupBy, name_of: NameOf | None
) -> list[dict[str, Any]]:
    def name(key: str | None) -> str | None:
        if key is None:
            return NO_GROUP[group_by]
        return name_of(key) if name_of is not None else None

    return [{"key": k, "name": name(k), "rank": None, **t.kpis()} for k, t in groups.items()]


def _cohort(conn: sa.Connection, start: int, end: int) -> Iterator[tuple[Case, int | None]]:
    c = cases.c
    stmt = sa.select(c.data, c.due_at).where(c.reported_at >= start, c.reported_at < end)
    for row in conn.execute(stmt):
        yield msgspec.convert(row.data, Case), row.due_at


def _trails(conn: sa.Connection, start: int, end: int) -> dict[str, TrailFacts]:
    t = case_transitions.c
    cohort = sa.select(cases.c.id).where(cases.c.reported_at >= start, cases.c.reported_at < end)
    stmt = (
        sa.select(t.case_id, t.ts, t.action, t.from_state, t.to_state, t.data)
        .where(t.case_id.in_(cohort))
        .order_by(t.case_id, t.seq)
    )
    rows = conn.execute(stmt)
    return {case_id: walk(list(trail)) for case_id, trail in groupby(rows, lambda r: r.case_id)}


def walk(trail: Sequence[Any]) -> TrailFacts:
    """Follow one case's trail (ts, action, from_state, to_state, data) to stints and steps."""
    facts = TrailFacts()
    spent: Counter[str] = Counter()  # ms spent in each state since its step last ended
    unit: str | None = None
    state, since = None, 0
    for t in trail:
        if state is not None:
            spent[state] += t.ts - since
        stint = facts.stints.get(unit) if unit is not None else None
        if t.action in STEPS:
            sample = (STEPS[t.action][0], spent.pop(t.from_state, 0))
            (stint.steps if stint is not None else facts.loose).append(sample)
        if stint is not None and t.action in _FLAGS:
            stint.flags.add(_FLAGS[t.action])
        for restarted in _RESTARTS.get(t.action, ()):
            spent.pop(restarted, None)
        if t.action in ("dispatch", "redispatch"):
            unit = t.data["unit"]
            facts.stints.setdefault(unit, Stint())
        elif t.action in ("return", "reopen"):
            unit = None
        state, since = t.to_state, t.ts
    return facts
