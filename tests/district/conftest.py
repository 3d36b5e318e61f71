"""Fixtures for the district tests: the shipped sample, parsed once per session.

Stores come from the shared `engine` fixture in tests/conftest.py (SQLite and PostgreSQL).
"""

from __future__ import annotations

import pytest

from cityops.district.loader import (
    load_district,
    load_places,
    sample_district_path,
    sample_places_path,
)
from cityops.district.model import Area, Place


@pytest.fixture(scope="session")
def sample_areas() -> list[Area]:
    return load_district(sample_district_path())


@pytest.fixture(scope="session")
def sample_places() -> list[Place]:
    return load_places(sample_places_path())
