"""STUB — to be written by the taxonomy/Open311 engineer."""

from __future__ import annotations

import sqlalchemy as sa

from cityops.core.clock import Clock
from cityops.events.service import EventService
from cityops.taxonomy.model import Taxonomy


class Open311Service:
    def __init__(
        self,
        engine: sa.Engine,
        taxonomy: Taxonomy,
        events: EventService,
        grids: object,
        clock: Clock,
    ) -> None:
        self._engine = engine
