"""Rules as stored data: CRUD over the `rules` table, kept live in the engine without restart.

Every change is committed first and then applied: the engine is reloaded from the table
(unchanged rules keep their state), and the open events of a changed, disabled or deleted
rule are cleared, because the condition that raised them is no longer the one in force.
Rule state is saved by `flush_state` (every few seconds, and at shutdown) and restored by
`load`, which also reconciles it with the events still open.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from pydantic import ValidationError

from cityops.audit.log import AuditLog
from cityops.core.clock import Clock
from cityops.core.errors import ConfigError, Conflict, NotFound
from cityops.devices.thing_model import ThingModel
from cityops.events.model import Clear, EventSource
from cityops.events.service import EventService
from cityops.rules import store
from cityops.rules.checks import FieldError, RuleInvalid, parse_rule
from cityops.rules.definition import Rule
from cityops.rules.engine import RuleEngine
from cityops.taxonomy.model import Taxonomy

log = logging.getLogger(__name__)

Models = Mapping[str, ThingModel]

REASON_CHANGED = "规则已修改 rule changed"
REASON_DISABLED = "规则已停用 rule disabled"
REASON_DELETED = "规则已删除 rule deleted"
REASON_INACTIVE = "规则已不在运行 rule no longer active"


def shipped_rules_path(name: str = "demo") -> Path:
    """A rule set shipped with CityOps, e.g. the demo district's."""
    return Path(str(resources.files("cityops") / "data" / "rules" / f"{name}.yaml"))


def dump(rule: Rule) -> dict[str, Any]:
    """The stored form of a rule: normalised JSON, unset options left out."""
    return rule.model_dump(mode="json", exclude_none=True)


class RuleService:
    def __init__(
        self,
        engine: sa.Engine,
        rules: RuleEngine,
        taxonomy: Taxonomy,
        events: EventService,
        clock: Clock,
        *,
        audit: AuditLog | None = None,
    ) -> None:
        self._audit = audit
        self._engine = engine
        self._rules = rules
        self._taxonomy = taxonomy
        self._events = events
        self._clock = clock
        self._lock = threading.RLock()
        """Serialises changes with state flushes, so no stale state is written back."""
        self.lock = self._lock
        """Held by the detector while it evaluates and applies a batch: a rule change then never
        interleaves with outcomes computed under the old rule (which could reopen an event the
        change just cleared)."""
        self.progress: Callable[[], int | None] = lambda: None
        """The detector's `evaluated_through`, read under `lock` at each flush."""
        self._flushed_through: int | None = None

    # --- start-up and state -----------------------------------------------------------------

    def load(self) -> int:
        """Load enabled rules from the database into the engine, and the saved rule state."""
        with self._lock:
            active = self._reload()
            with self._engine.connect() as conn:
                rows = store.select_state(conn, [r.id for r in active])
            self._rules.restore([(r.rule_id, r.device_id, dict(r.state)) for r in rows])
            self._rules.resume(self._clock.now_ms())
            self._reconcile({r.id for r in active})
        return len(active)

    def flush_state(self) -> int:
        """Upsert the rule states changed since the last flush, with the detector's checkpoint
        (what these states have seen) in the same commit; returns how many states."""
        with self._lock:
            rows = self._rules.snapshot_dirty()
            through = self.progress()
            if not rows and through == self._flushed_through:
                return 0
            now = self._clock.now_ms()
            payload = [
                {"rule_id": r, "device_id": d, "state": s, "updated_at": now} for r, d, s in rows
            ]
            try:
                with self._engine.begin() as conn:
                    store.upsert_state(conn, payload)
                    if through is not None:
                        store.write_checkpoint(conn, through, now)
            except Exception:
                self._rules.mark_dirty((r, d) for r, d, _ in rows)
                raise
            self._flushed_through = through
        return len(rows)

    def checkpoint(self) -> int | None:
        """The commit time up to which every stored reading is in the saved rule states."""
        with self._engine.connect() as conn:
            return store.select_checkpoint(conn)

    def _record(
        self,
        actor: str,
        action: str,
        target: str | None,
        details: dict[str, Any] | None,
        conn: sa.Connection,
    ) -> None:
        """Rule changes go into the audit log in the same transaction as the change."""
        if self._audit is not None:
            self._audit.append(actor, action, target, details, conn=conn)

    def _reload(self) -> list[Rule]:
        with self._engine.connect() as conn:
            rows = store.select_rules(conn)
        active: list[Rule] = []
        for row in rows:
            if not row.enabled:
                continue
            try:
                active.append(Rule.model_validate(row.definition))
            except ValidationError as exc:
                log.error("stored rule %s is not valid any more, skipped: %s", row.id, exc)
        self._rules.set_rules(active)
        return active

    def _reconcile(self, active: set[str]) -> None:
        """Open rule events either mark their (rule, device) open or, without a rule, clear."""
        clears: list[Clear] = []
        for event in self._events.open_events():
            if event.source is not EventSource.RULE or not event.key or not event.rule_id:
                continue
            device_id = event.device_id
            if (
                event.rule_id in active
                and device_id is not None
                and self._rules.mark_open(event.rule_id, device_id, event.severity)
            ):
                continue
            clears.append(Clear(key=event.key, ts=self._clock.now_ms(), reason=REASON_INACTIVE))
        self._events.apply(clears)

    def _clear_events(self, rule_id: str, reason: str) -> None:
        now = self._clock.now_ms()
        clears = [
            Clear(key=e.key, ts=now, reason=reason)
            for e in self._events.open_events()
            if e.rule_id == rule_id and e.source is EventSource.RULE and e.key
        ]
        self._events.apply(clears)

    # --- definitions ------------------------------------------------------------------------

    def validate(self, definition: Any, *, models: Models | None = None) -> Rule:
        """The rule, or `RuleInvalid` with every error; with `models`, properties are checked."""
        return parse_rule(definition, self._taxonomy, models)

    def seed(self, path: Path, *, models: Models | None = None, actor: str = "system") -> int:
        """Insert the rules of a YAML file whose ids are not stored yet; returns how many."""
        parsed = self._parse_file(path, models)
        now = self._clock.now_ms()
        with self._lock:
            with self._engine.begin() as conn:
                known = store.existing_ids(conn)
                new = [r for r in parsed if r.id not in known]
                store.insert_rules(conn, [_row(r, now) for r in new])
                if new:
                    details = {"file": str(path), "rules": [r.id for r in new]}
                    self._record(actor, "rules_imported", None, details, conn)
            self._reload()
        return len(new)

    def _parse_file(self, path: Path, models: Models | None) -> list[Rule]:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{path}: cannot read rules: {exc}") from exc
        items = data.get("rules") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise ConfigError(f"{path}: expected a list of rules (or `rules:` with one)")
        errors: list[FieldError] = []
        parsed: list[Rule] = []
        for i, item in enumerate(items):
            try:
                rule = self.validate(item, models=models)
            except RuleInvalid as exc:
                errors.extend(FieldError(f"rules.{i}.{e.path}", e.message) for e in exc.errors)
                continue
            if any(r.id == rule.id for r in parsed):
                errors.append(FieldError(f"rules.{i}.id", f"{rule.id!r} appears twice"))
            parsed.append(rule)
        if errors:
            raise RuleInvalid(errors, origin=str(path))
        return parsed

    def list(self) -> list[dict[str, Any]]:
        with self._engine.connect() as conn:
            return [_out(row) for row in store.select_rules(conn)]

    def get(self, rule_id: str) -> dict[str, Any]:
        with self._engine.connect() as conn:
            row = store.select_rule(conn, rule_id)
        if row is None:
            raise NotFound(f"no rule {rule_id!r}")
        return _out(row)

    def create(
        self, definition: Any, *, models: Models | None = None, actor: str = "system"
    ) -> dict[str, Any]:
        rule = self.validate(definition, models=models)
        with self._lock:
            try:
                with self._engine.begin() as conn:
                    if store.select_rule(conn, rule.id) is not None:
                        raise Conflict(f"rule {rule.id!r} exists already")
                    store.insert_rules(conn, [_row(rule, self._clock.now_ms())])
                    details = {"version": 1, "definition": dump(rule)}
                    self._record(actor, "rule_created", rule.id, details, conn)
            except sa.exc.IntegrityError as exc:
                raise Conflict(f"rule {rule.id!r} exists already") from exc
            self._reload()
        return self.get(rule.id)

    def update(
        self,
        rule_id: str,
        definition: Any,
        *,
        models: Models | None = None,
        actor: str = "system",
    ) -> dict[str, Any]:
        """Replace a rule; when it changes, its state restarts and its open events clear."""
        if isinstance(definition, dict) and definition.get("id", rule_id) != rule_id:
            raise RuleInvalid([FieldError("id", f"must be {rule_id!r}, the rule being updated")])
        if isinstance(definition, dict):
            definition = {"id": rule_id, **definition}
        rule = self.validate(definition, models=models)
        with self._lock:
            with self._engine.begin() as conn:
                row = store.select_rule(conn, rule_id)
                if row is None:
                    raise NotFound(f"no rule {rule_id!r}")
                if row.definition == dump(rule):
                    return _out(row)
                values = {
                    "definition": dump(rule),
                    "enabled": rule.enabled,
                    "version": row.version + 1,
                    "updated_at": self._clock.now_ms(),
                }
                store.update_rule(conn, rule_id, values)
                store.delete_state(conn, rule_id)
                details = {
                    "version": values["version"],
                    "enabled": rule.enabled,
                    "definition": dump(rule),
                }
                self._record(actor, "rule_updated", rule_id, details, conn)
            self._reload()
            disabled = row.enabled and not rule.enabled
            self._clear_events(rule_id, REASON_DISABLED if disabled else REASON_CHANGED)
        return self.get(rule_id)

    def delete(self, rule_id: str, *, actor: str = "system") -> None:
        with self._lock:
            with self._engine.begin() as conn:
                if store.select_rule(conn, rule_id) is None:
                    raise NotFound(f"no rule {rule_id!r}")
                store.delete_rule(conn, rule_id)
                self._record(actor, "rule_deleted", rule_id, None, conn)
            self._reload()
            self._clear_events(rule_id, REASON_DELETED)


def _row(rule: Rule, now: int) -> dict[str, Any]:
    return {
        "id": rule.id,
        "definition": dump(rule),
        "enabled": rule.enabled,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def _out(row: sa.Row[Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "enabled": row.enabled,
        "version": row.version,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "definition": row.definition,
    }
