"""The simulated rainstorm, driving a UI test server over real HTTP from its own thread.

Playwright's sync API holds the test thread's event loop, so the simulator runs its own loop
in a thread and stops when the test is done with it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from cityops.devices.service import DeviceIn
from cityops.simulate import HttpTarget, prepare_simulator
from tests.ui.harness import UiServer

FIELDS = ("id", "model", "name", "lon", "lat", "owner_unit", "tags", "install_date")


@contextmanager
def rainstorm(server: UiServer, *, speed: float = 120, scale: int = 300) -> Iterator[None]:
    """The shipped `rainstorm` scenario: its fleet registered, then its readings sent until
    the block ends (at speed 120 the first underpass floods after about five seconds)."""
    sim = prepare_simulator("rainstorm", scale=scale, speed=speed)
    specs = [DeviceIn(**{f: getattr(s, f) for f in FIELDS}) for s in sim.fleet]
    server.runtime.devices.register(specs, skip_existing=True)
    stop = threading.Event()
    failure: list[BaseException] = []

    async def drive() -> None:
        target = HttpTarget(server.url, server.admin_key)
        running = asyncio.create_task(sim.run(target, duration_s=600))
        while not stop.is_set() and not running.done():
            await asyncio.sleep(0.1)
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await target.aclose()

    def main() -> None:
        try:
            asyncio.run(drive())
        except BaseException as exc:  # reported to the test, never lost in the thread
            failure.append(exc)

    thread = threading.Thread(target=main, name="rainstorm", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(15)
    assert not failure, failure
