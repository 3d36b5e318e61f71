"""STUB — to be written by the detections engineer."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from cityops.core.clock import Clock


class EvidenceStore:
    def __init__(self, engine: sa.Engine, root: Path, clock: Clock) -> None:
        self._engine = engine
        self._root = root
