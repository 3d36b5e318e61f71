"""STUB — to be written by the detections engineer."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from cityops.core.clock import Clock
from cityops.devices.registry import DeviceRegistry
from cityops.events.service import EventService
from cityops.evidence.store import EvidenceStore
from cityops.taxonomy.model import Taxonomy


class DetectionService:
    def __init__(
        self,
        engine: sa.Engine,
        registry: DeviceRegistry,
        taxonomy: Taxonomy,
        events: EventService,
        evidence: EvidenceStore,
        clock: Clock,
        mappings_dir: Path | None = None,
    ) -> None:
        self._engine = engine
