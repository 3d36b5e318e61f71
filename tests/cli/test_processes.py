"""Whole processes: the demo runs and exits 0; a killed server loses no acknowledged reading."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

BIN = Path(sys.executable).parent / "cityops"

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_healthy(base: str, proc: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "process exited early"
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("server never became healthy")


def test_the_demo_serves_the_district_then_exits_0(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "CITYOPS_DATABASE_URL": ""}
    cmd = [str(BIN), "demo", "--port", str(port), "--duration", "8", "--scale", "200"]
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    wait_healthy(base, proc)
    demo = json.loads((tmp_path / ".cityops" / "demo.json").read_text())
    assert demo["base_url"] == base
    auth = {"Authorization": f"Bearer {demo['api_key']}"}
    assert len(httpx.get(f"{base}/api/v1/grids", headers=auth).json()["features"]) == 60
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out.decode()
    assert demo["api_key"] in out.decode()
    assert (tmp_path / ".cityops" / "cityops.db").exists()


def test_a_killed_server_keeps_every_acknowledged_reading(
    tmp_path: Path, database_url: str
) -> None:
    port = free_port()
    env = {**os.environ, "CITYOPS_DATA_DIR": str(tmp_path), "CITYOPS_DATABASE_URL": database_url}
    key = (
        subprocess.run(
            [str(BIN), "apikey", "create", "crash", "--role", "admin"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    proc = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port)], env=env, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {key}"}
    wait_healthy(base, proc)
    body = {
        "id": "UWL-K-1",
        "model": "underpass_water_level",
        "name": "k",
        "lon": 120.3,
        "lat": 30.3,
        "owner_unit": "u",
    }
    httpx.post(f"{base}/api/v1/devices", json=body, headers=auth).raise_for_status()

    acked: list[int] = []
    stop = threading.Event()

    def send() -> None:
        t0 = int(time.time() * 1000) - 3_600_000
        n = 0
        with httpx.Client(headers=auth, timeout=5) as client:
            while not stop.is_set():
                batch = [
                    {"device_id": "UWL-K-1", "ts": t0 + n + i, "values": {"water_level_cm": 1.0}}
                    for i in range(50)
                ]
                try:
                    answer = client.post(f"{base}/api/v1/telemetry", json=batch)
                except httpx.HTTPError:
                    return  # the server died mid-request: that batch was never acknowledged
                if answer.status_code == 200:  # acknowledged: the items not listed as rejected
                    refused = {e["index"] for e in answer.json()["errors"]}
                    acked.extend(r["ts"] for i, r in enumerate(batch) if i not in refused)
                n += 50

    sender = threading.Thread(target=send)
    sender.start()
    time.sleep(1.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    stop.set()
    sender.join(10)
    assert len(acked) > 500, "the test did not get enough acknowledged readings to mean anything"

    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        stored = set(
            conn.execute(sa.text("SELECT ts FROM readings WHERE device_id = 'UWL-K-1'")).scalars()
        )
    engine.dispose()
    missing = set(acked) - stored
    assert not missing, f"{len(missing)} acknowledged readings lost"
