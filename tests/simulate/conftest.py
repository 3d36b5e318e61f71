"""Fixtures for the simulator: the sample district, the default fleet, the shipped models."""

from __future__ import annotations

import pytest

from cityops.devices.thing_model import ThingModel, load_shipped_and
from cityops.simulate.fleet import DeviceSpec, build_fleet
from cityops.simulate.geography import Geography, load_geography


@pytest.fixture(scope="session")
def geo() -> Geography:
    return load_geography()


@pytest.fixture(scope="session")
def fleet(geo: Geography) -> list[DeviceSpec]:
    return build_fleet(1000, seed=7, geo=geo)


@pytest.fixture(scope="session")
def models() -> dict[str, ThingModel]:
    return load_shipped_and()
