"""People's accounts on a running runtime, with an API client that carries no credential."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from cityops.auth.passwords import Passwords
from cityops.auth.tokens import Role
from cityops.auth.users import UserInfo, UserService
from cityops.runtime import Runtime
from cityops.store.schema import metadata
from cityops.web.app import create_app

PASSWORD = "雨季巡查-2026-ok"
"""Meets the policy; Chinese characters count as characters."""

# Cheap argon2id parameters keep the suite fast; the production parameters have their own test.
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class AuditSpy:
    """Records what the service hands the audit log, to check the calls themselves."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str, str | None, dict[str, Any] | None]] = []

    def append(
        self,
        actor: str,
        action: str,
        target: str | None = None,
        details: dict[str, Any] | None = None,
        **_: Any,
    ) -> None:
        self.entries.append((actor, action, target, details))

    def actions(self) -> list[str]:
        return [entry[1] for entry in self.entries]


@pytest.fixture
def audit(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> AuditSpy:
    spy = AuditSpy()
    monkeypatch.setattr(runtime.audit, "append", spy.append)
    return spy


@pytest.fixture
def users(runtime: Runtime) -> UserService:
    """The service the API uses (`web.auth.users_of` finds it on the runtime); it writes to the
    real audit log unless a test also asks for `audit`."""
    service = UserService(runtime.engine, runtime.clock, runtime.audit, passwords=Passwords(FAST))
    service.known_scope = runtime.users.known_scope  # units and areas, as the runtime wires it
    runtime.users = service  # type: ignore[attr-defined]
    return service


@pytest.fixture
def alice(users: UserService) -> UserInfo:
    return users.create(
        "alice",
        "王丽",
        PASSWORD,
        Role.GRID_WORKER,
        unit="grid-330199003004",
        grids=["330199003004"],
    )


@pytest.fixture
def anon(runtime: Runtime, users: UserService) -> Iterator[TestClient]:
    """An API client with no credential of its own (plain http, like a dev server)."""
    with TestClient(create_app(runtime, manage_runtime=False)) as c:
        yield c


def login(client: TestClient, username: str = "alice", password: str = PASSWORD, **kw: Any) -> Any:
    return client.post(
        "/api/v1/auth/login", json={"username": username, "password": password, **kw}
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def database_text(runtime: Runtime) -> str:
    """Every row of every table, as text, to search for secrets."""
    with runtime.engine.connect() as conn:
        return "\n".join(
            repr(row) for table in metadata.sorted_tables for row in conn.execute(sa.select(table))
        )
