"""STUB — to be written by the rules engineer: rules stored in the `rules` table, CRUD."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from cityops.core.clock import Clock
from cityops.events.service import EventService
from cityops.rules.engine import RuleEngine
from cityops.taxonomy.model import Taxonomy


class RuleService:
    def __init__(
        self,
        engine: sa.Engine,
        rules: RuleEngine,
        taxonomy: Taxonomy,
        events: EventService,
        clock: Clock,
    ) -> None:
        self._engine = engine
        self._rules = rules

    def load(self) -> int:
        """Load enabled rules from the database into the engine, and the saved rule state."""
        return 0

    def seed(self, path: Path) -> int:
        """Insert the rules of a YAML file whose ids are not stored yet; returns how many."""
        return 0

    def flush_state(self) -> int:
        return 0
