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
        if case.state in DONE:
            self._clear_events(case)
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
