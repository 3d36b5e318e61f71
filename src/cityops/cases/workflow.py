"""The case workflow as data: which action leaves which state, enters which, and who may act.

Loaded from `data/cases/workflow.yaml` (a city may ship its own), checked on load, and asked by
the case service before every transition; the guard lives here once for every edge.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from cityops.cases.model import Actor, Case, CaseState
from cityops.core.errors import ConfigError, Conflict, Forbidden

Requirement = Literal["note", "score", "extension", "unit", "evidence"]


class RoleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name_zh: str
    name_en: str
    unit_role: bool = False


class ActionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    name_zh: str
    name_en: str
    from_states: tuple[CaseState, ...] = Field(alias="from")
    to: CaseState | Literal["same", "resume"]
    roles: tuple[str, ...] = Field(min_length=1)
    assigned: bool = False
    requires: tuple[Requirement, ...] = ()


class Workflow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    roles: dict[str, RoleSpec]
    actions: dict[str, ActionSpec]

    @model_validator(mode="after")
    def _check(self) -> Self:
        for name, action in self.actions.items():
            unknown = [r for r in action.roles if r not in self.roles]
            if unknown:
                raise ValueError(f"action {name}: unknown roles {', '.join(unknown)}")
            if action.to == "resume" and set(action.from_states) - {
                CaseState.ON_HOLD,
                CaseState.DEFERRED,
            }:
                raise ValueError(f"action {name}: only held or deferred cases can resume")
        if "create" not in self.actions:
            raise ValueError("the workflow needs a `create` action")
        return self

    def target(self, action: str, case: Case | None) -> CaseState:
        spec = self.actions[action]
        if spec.to == "same":
            assert case is not None
            return case.state
        if spec.to == "resume":
            assert case is not None
            assert case.resume_state is not None
            return case.resume_state
        return spec.to

    def check(self, action: str, case: Case | None, actor: Actor) -> ActionSpec:
        """The action's spec if `actor` may take it on `case` now; else Forbidden or Conflict."""
        spec = self.actions.get(action)
        if spec is None:
            raise Conflict(f"unknown action {action!r}; known: {', '.join(self.actions)}")
        if actor.role not in spec.roles:
            raise Forbidden(
                f"role {actor.role!r} may not {action} (allowed: {', '.join(spec.roles)})"
            )
        if case is None:
            return spec
        if case.state not in spec.from_states:
            raise Conflict(
                f"cannot {action} a case that is {case.state.value} ({case.state.name_zh}); "
                f"allowed from: {', '.join(s.value for s in spec.from_states)}"
            )
        role = self.roles[actor.role]
        if spec.assigned and role.unit_role and case.unit != actor.unit:
            raise Forbidden(f"case {case.number} is not assigned to unit {actor.unit!r}")
        return spec

    def actions_for(self, case: Case, actor: Actor) -> list[str]:
        """What `actor` may do with `case` now (for the workbench buttons)."""
        allowed = []
        for name in self.actions:
            if name == "create":
                continue
            try:
                self.check(name, case, actor)
            except (Forbidden, Conflict):
                continue
            allowed.append(name)
        return allowed


def parse_workflow(text: str, origin: str) -> Workflow:
    try:
        return Workflow.model_validate(yaml.safe_load(text))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{origin}: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"{origin}: invalid workflow: {details}") from exc


def load_workflow(path: Path | None = None) -> Workflow:
    path = path or Path(str(resources.files("cityops") / "data" / "cases" / "workflow.yaml"))
    return parse_workflow(path.read_text(encoding="utf-8"), str(path))
