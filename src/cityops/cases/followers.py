"""What follows a committed case change: the citizen's request, and events nothing else clears.

The loop closes here. When a case is verified and closed, its camera and citizen events
(which no rule will ever clear) are cleared with the case number as the reason, and every
Open311 request behind the case reports the case's state, unit and latest note.
"""

from __future__ import annotations

import logging

from cityops.cases.model import Case, CaseState
from cityops.cases.service import CaseService
from cityops.events.model import EventSource
from cityops.events.service import EventService
from cityops.open311.service import Open311Service

log = logging.getLogger(__name__)

DONE = frozenset({CaseState.CLOSED, CaseState.EVALUATED})


class CaseFollowers:
    def __init__(self, cases: CaseService, events: EventService, open311: Open311Service) -> None:
        self._cases = cases
        self._events = events
        self._open311 = open311

    def on_case_changed(self, case: Case) -> None:
        """The Open311 requests first, the events last: an event still open behind a closed
        case then means this step did not finish, which is what `resume` looks for."""
        self._follow_requests(case)
        if case.state in DONE:
            self._clear_events(case)

    def resume(self) -> int:
        """At start: a case closed just before a crash may have left its camera or citizen
        events open (the followers run from the bus, after the case's commit). Run them again
        for those cases; returns how many."""
        done: dict[str, Case] = {}
        for event in self._events.open_events():
            if event.source is EventSource.RULE:
                continue
            case = self._cases.case_of_event(event.id)
            if case is not None and case.state in DONE:
                done[case.id] = case
        for case in done.values():
            self.on_case_changed(case)
        return len(done)

    def _follow_requests(self, case: Case) -> None:
        unit = self._cases.units.get(case.unit) if case.unit else None
        clock = self._cases.clock_of(case)
        _, trail = self._cases.get(case.id)
        notes = next((t.note for t in reversed(trail) if t.note), None)
        self._open311.follow_case(
            case.event_ids,
            closed=case.state in DONE,
            agency=unit.name_zh if unit else None,
            notes=notes or case.state.name_zh,
            expected_at=clock.due_at() if clock else None,
        )

    def _clear_events(self, case: Case) -> None:
        for event in self._events.open_events():
            if event.id in case.event_ids and event.source is not EventSource.RULE:
                self._events.clear_event(
                    event.id, f"案卷 {case.number} 已结案 case closed", "cases"
                )
