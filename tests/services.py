"""Reaching the real services (PostgreSQL, Mosquitto) from tests.

A test that needs a service skips, naming it, when the service is down; with
CITYOPS_REQUIRE_SERVICES=1 (set by CI) the same situation fails instead.
"""

from __future__ import annotations

import os
import socket

import pytest

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
