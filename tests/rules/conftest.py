"""Rule tests see the IoT event classes even where the shipped taxonomy lacks them."""

from __future__ import annotations

from pathlib import Path

import pytest

from cityops import runtime as runtime_module
from cityops.taxonomy.model import Taxonomy
from tests.rules.support import IOT_CLASSES, iot_classes


@pytest.fixture(autouse=True)
def iot_taxonomy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runtimes built in these tests get the E10 classes (a no-op once the taxonomy has them)."""
    shipped = runtime_module.load_taxonomy

    def with_iot(extra_dir: Path | None = None) -> Taxonomy:
        found = shipped(extra_dir)
        if all(found.get(code) for code in IOT_CLASSES):
            return found
        missing = [c for c in iot_classes() if found.get(c.code) is None]
        return Taxonomy([*found.classes(), *missing])

    monkeypatch.setattr(runtime_module, "load_taxonomy", with_iot)
