"""Reaching the real services (PostgreSQL, Mosquitto) from tests.

A test that needs a service skips, naming it, when the service is down; with
CITYOPS_REQUIRE_SERVICES=1 (set by CI) the same situation fails instead.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from cityops.core.config import Settings
from cityops.runtime import Runtime

PG_ADMIN_URL = os.environ.get(
    "CITYOPS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
MQTT_HOST = os.environ.get("CITYOPS_TEST_MQTT_HOST", "127.0.0.1")
MQTT_PORT = int(os.environ.get("CITYOPS_TEST_MQTT_PORT", "1883"))


def missing(service: str, why: str) -> None:
    message = f"{service} is not reachable ({why})"
    if os.environ.get("CITYOPS_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message}; CITYOPS_REQUIRE_SERVICES=1 forbids skipping", pytrace=False)
    pytest.skip(message)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def mqtt_url() -> str:
    if not port_open(MQTT_HOST, MQTT_PORT):
        missing("Mosquitto MQTT broker", f"{MQTT_HOST}:{MQTT_PORT}")
    return f"mqtt://{MQTT_HOST}:{MQTT_PORT}"


def mqtt_test_settings(data_dir: Path, database_url: str, root: str, **overrides: Any) -> Settings:
    """A subscriber on its own topic root and client id, with a short session on the shared
    broker, so tests neither see each other's messages nor leave week-long sessions behind."""
    fields: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "mqtt_url": mqtt_url(),
        "mqtt_topic": f"{root}/devices/+/telemetry",
        "mqtt_share_group": "",
        "mqtt_client_id": f"cityops-test-{secrets.token_hex(4)}",
        "mqtt_session_expiry_s": 5,
        **overrides,
    }
    return Settings(**fields)


def wait_for(check: Callable[[], bool], seconds: float = 20) -> None:
    """Poll until `check` holds (things that cross a broker or a thread take a moment)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def rows(rt: Runtime, table: sa.Table) -> int:
    with rt.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
