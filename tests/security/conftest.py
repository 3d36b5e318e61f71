"""The security tests aim at the edges (headers, limits, hostile input), not at the store, which
is tested on both engines elsewhere: they run on SQLite only, to keep the fuzzing quick."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cityops.db'}"
