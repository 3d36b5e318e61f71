"""Start a real `cityops serve` process for a benchmark, with its own store and admin key."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    base_url: str
    api_key: str
    data_dir: Path
    env: dict[str, str]


@contextmanager
def running_server(
    extra_env: dict[str, str] | None = None, data_dir: Path | None = None
) -> Iterator[Server]:
    """A server on `data_dir` (a new temporary one by default; reuse it to restart)."""
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="cityops-bench-"))
    env = {**os.environ, "CITYOPS_DATA_DIR": str(data_dir), **(extra_env or {})}
    subprocess.run([BIN / "cityops", "db", "upgrade"], env=env, check=True, capture_output=True)
    key = (
        subprocess.run(
            [BIN / "cityops", "apikey", "create", "bench", "--role", "admin"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = free_port()
    log = (data_dir / "server.log").open("w")
    proc = subprocess.Popen(
        [BIN / "cityops", "serve", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc)
        yield Server(base, key, data_dir, env)
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


def _wait_healthy(base: str, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if proc.poll() is not None:
            raise RuntimeError("server exited; see server.log")
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not become healthy")


def register_gauges(server: Server, count: int, prefix: str = "BENCH") -> list[str]:
    ids = [f"{prefix}-{i:06d}" for i in range(count)]
    headers = {"Authorization": f"Bearer {server.api_key}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=120) as client:
        for start in range(0, count, 5000):
            chunk = [
                {
                    "id": device_id,
                    "model": "underpass_water_level",
                    "name": device_id,
                    "lon": 120.30,
                    "lat": 30.30,
                    "owner_unit": "bench",
                }
                for device_id in ids[start : start + 5000]
            ]
            answer = client.post("/api/v1/devices", json=chunk, params={"skip_existing": "true"})
            answer.raise_for_status()
    return ids
