"""Real processes for the durability tests: the `cityops` CLI, a killable server, a broker."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.services import missing, port_open

BIN = Path(sys.executable).parent / "cityops"
DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "mosquitto"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def server_env(data_dir: Path, database_url: str) -> dict[str, str]:
    """The environment of every `cityops` process of one test: one store, no MQTT."""
    return {
        **os.environ,
        "CITYOPS_DATA_DIR": str(data_dir),
        "CITYOPS_DATABASE_URL": database_url,
        "CITYOPS_MQTT_URL": "",
    }


def cityops(env: dict[str, str], *args: str) -> str:
    """Run one `cityops` command to completion; its last output line."""
    done = subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"cityops {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout.strip().splitlines()[-1]


def create_api_keys(
    env: dict[str, str], roles: dict[str, tuple[str, str | None]]
) -> dict[str, str]:
    """Create one API key per name → (role, unit), all at once; the secrets by name."""
    procs = {}
    for name, (role, unit) in roles.items():
        cmd = [str(BIN), "apikey", "create", name, "--role", role]
        cmd += ["--unit", unit] if unit else []
        procs[name] = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True)
    secrets = {}
    for name, proc in procs.items():
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, f"apikey create {name} failed"
        secrets[name] = out.strip().splitlines()[-1]
    return secrets


class Server:
    """`cityops serve` on a fresh port; its output appended to `log`."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._log = log.open("ab")
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [str(BIN), "serve", "--port", str(self.port)],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_healthy()
        except BaseException:
            self.kill()
            raise
        self.start_s = time.monotonic() - started
        """From exec to the first healthy answer: what a restart costs."""

    def _wait_healthy(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited {self.proc.returncode}:\n{self._tail()}")
            try:
                if httpx.get(f"{self.base_url}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"server never became healthy:\n{self._tail()}")

    def _tail(self) -> str:
        self._log.flush()
        return self.log.read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, nothing is flushed."""
        self._end(signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM: the clean shutdown."""
        self._end(signal.SIGTERM)

    def _end(self, sig: signal.Signals) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        self.proc.wait(30)
        self._log.close()


@dataclass
class Broker:
    port: int
    proc: subprocess.Popen[bytes]

    def reload(self) -> None:
        """SIGHUP, as `systemctl reload mosquitto` sends: re-read passwords and the ACL."""
        self.proc.send_signal(signal.SIGHUP)
        time.sleep(0.3)


@contextmanager
def mosquitto(work: Path, config: Path, put: dict[str, str] | None = None) -> Iterator[Broker]:
    """A private broker on a free port running `config`; `put` replaces directives by name.

    Skips (or fails, under CITYOPS_REQUIRE_SERVICES=1) when mosquitto is not installed; fails
    when it is and will not start with the given configuration.
    """
    if shutil.which("mosquitto") is None:
        missing("Mosquitto MQTT broker", "no mosquitto executable on PATH")
    port = free_port()
    put = {
        "listener": f"listener {port} 127.0.0.1",
        "persistence_location": f"persistence_location {work}/",
        **(put or {}),
    }
    lines = [put.get(line.split(" ", 1)[0], line) for line in config.read_text().splitlines()]
    # Started as root, mosquitto would become the `mosquitto` user, who cannot enter pytest's
    # private temporary directory; `user root` keeps whoever runs the test (else it is ignored).
    lines.append("user root")
    (work / "mosquitto.conf").write_text("\n".join(lines) + "\n")
    log = work / "mosquitto.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["mosquitto", "-c", str(work / "mosquitto.conf")], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 5
        while not port_open("127.0.0.1", port):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"mosquitto did not start with {config.name}:\n{log.read_text()}")
            time.sleep(0.05)
        yield Broker(port, proc)
    finally:
        proc.terminate()
        proc.wait(10)
