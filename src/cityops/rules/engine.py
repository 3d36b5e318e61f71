"""STUB — to be written by the rules engineer. The signatures are the contract."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cityops.core.types import Reading
from cityops.devices.registry import DeviceRegistry
from cityops.devices.shadow import ShadowStore
from cityops.events.model import Outcome
from cityops.taxonomy.model import Taxonomy


class RuleEngine:
    def __init__(self, taxonomy: Taxonomy) -> None:
        self._taxonomy = taxonomy

    def set_rules(self, rules: Sequence[Any]) -> None:
        """Swap the active rule set atomically (no restart)."""

    def evaluate(self, readings: Sequence[Reading], registry: DeviceRegistry) -> list[Outcome]:
        return []

    def tick(self, now_ms: int, registry: DeviceRegistry, shadows: ShadowStore) -> list[Outcome]:
        return []

    def snapshot_dirty(self) -> list[tuple[str, str, dict[str, Any]]]:
        return []

    def restore(self, rows: Sequence[tuple[str, str, dict[str, Any]]]) -> None:
        """Restore per-(rule, device) state saved by `snapshot_dirty`."""
