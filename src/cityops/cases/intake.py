"""From events to cases: the intake policy (data) and the listener that applies it."""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from cityops.cases.model import Case, CaseState
from cityops.cases.service import SYSTEM, ActionInput, CaseService, NewCase
from cityops.cases.store import case_for_event
from cityops.core.errors import CityOpsError, ConfigError
from cityops.events.model import Event, EventSource, EventStatus, Severity

log = logging.getLogger(__name__)


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    source: EventSource
    min_severity: Severity = Severity.BLUE
    create: bool
    file: bool = False
    dispatch: bool = False


class IntakePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    policies: tuple[Policy, ...]

    def decide(self, event: Event) -> Policy | None:
        for policy in self.policies:
            if policy.source is event.source and event.severity.rank >= policy.min_severity.rank:
                return policy if policy.create else None
        return None


def load_intake(path: Path | None = None) -> IntakePolicy:
    path = path or Path(str(resources.files("cityops") / "data" / "cases" / "intake.yaml"))
    try:
        return IntakePolicy.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"{path}: invalid intake policy: {exc}") from exc


class Intake:
    """Listens to event changes; opens (and files, and dispatches) cases as the policy says."""

    def __init__(self, cases: CaseService, policy: IntakePolicy) -> None:
        self._cases = cases
        self._policy = policy

    def on_events_changed(self, changed: list[Event]) -> None:
        for event in changed:
            if event.status is EventStatus.CLEARED:
                continue
            policy = self._policy.decide(event)
            if policy is None:
                continue
            try:
                case_id = self._case_of(event)
                if case_id is None:
                    self.open_case(event, policy)
                elif policy.dispatch:
                    self.dispatch_escalated(case_id, event)
            except CityOpsError:
                log.exception("could not open or dispatch a case for event %s", event.id)

    def open_case(self, event: Event, policy: Policy) -> Case:
        """A new case, or the event joins an unfinished case about the same device and class
        (a gauge's "water rising fast" belongs to the flooding case already open there)."""
        if event.device_id is not None:
            existing = self._cases.open_case_for_device(event.class_code, event.device_id)
            if existing is not None:
                given = ActionInput(event_id=event.id, note=event.title)
                return self._cases.act(existing.id, "attach_event", SYSTEM, given)
        new = NewCase(
            class_code=event.class_code,
            severity=event.severity,
            title=event.title,
            source=event.source.value,
            lon=event.lon,
            lat=event.lat,
            grid_code=event.grid_code,
            device_id=event.device_id,
            event_ids=[event.id],
            evidence=[e for e in event.evidence.get("images", []) if isinstance(e, str)],
        )
        case = self._cases.create(new, SYSTEM, file_now=policy.file)
        if policy.dispatch:
            case = self._cases.act(case.id, "dispatch", SYSTEM)
        return case

    def dispatch_escalated(self, case_id: str, event: Event) -> None:
        """An event that grows into a dispatch-at-once level takes its case along: a case still
        waiting for the dispatcher is sent now (a flooding underpass does not wait in a queue)."""
        case, _ = self._cases.get(case_id)
        if case.state is CaseState.FILED:
            note = f"事件升级为{event.severity.name_zh}，按立案规则自动派遣"
            self._cases.act(case_id, "dispatch", SYSTEM, ActionInput(note=note))

    def _case_of(self, event: Event) -> str | None:
        with self._cases.engine.connect() as conn:
            return case_for_event(conn, event.id)
