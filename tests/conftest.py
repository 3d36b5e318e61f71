"""Fixtures shared by every room's tests: stores on both engines, a runtime, an API client."""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import uvicorn
from fastapi.testclient import TestClient

from cityops.auth.tokens import Role
from cityops.core.clock import FakeClock
from cityops.core.config import Settings
from cityops.runtime import Runtime
from cityops.store.engine import make_engine
from cityops.store.migrate import upgrade
from cityops.store.schema import metadata
from cityops.web.app import create_app
from tests.services import PG_ADMIN_URL, missing


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        missing("PostgreSQL", str(exc).splitlines()[0])
    name = f"cityops_test_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        conn.execute(sa.text(f"TRUNCATE {names}"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The same test on the embedded SQLite store and on the real PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cityops.db'}"
        return
    url: str = request.getfixturevalue("pg_database")
    _truncate(url)
    yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, shadow_flush_s=0.2)


@pytest.fixture
def runtime(settings: Settings, clock: FakeClock) -> Iterator[Runtime]:
    """A started runtime with the sample district imported."""
    from cityops.district.loader import sample_district_path
    from cityops.district.service import import_district_file

    rt = Runtime(settings, clock)
    upgrade(rt.engine)
    import_district_file(rt.engine, sample_district_path())
    rt.start()
    yield rt
    rt.stop()


@pytest.fixture
def admin_key(runtime: Runtime) -> str:
    return runtime.api_keys.create("test admin", Role.ADMIN)[1]


@pytest.fixture
def client(runtime: Runtime, admin_key: str) -> Iterator[TestClient]:
    """An API client authenticated with an admin key."""
    app = create_app(runtime, manage_runtime=False)
    with TestClient(app, headers={"Authorization": f"Bearer {admin_key}"}) as c:
        yield c


@pytest.fixture
def live(runtime: Runtime) -> Iterator[str]:
    """A real HTTP server in a thread, for what only a real server shows (streaming)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(runtime, manage_runtime=False)
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
