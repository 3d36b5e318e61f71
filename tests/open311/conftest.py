"""An API key a citizens' app would hold: role ingest, sent as the `api_key` form field."""

from __future__ import annotations

import pytest

from cityops.auth.tokens import Role
from cityops.runtime import Runtime


@pytest.fixture
def app_key(runtime: Runtime) -> str:
    return runtime.api_keys.create("citizen app", Role.INGEST)[1]
