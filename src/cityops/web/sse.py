"""Server-Sent Events: the bus's event changes, fanned out to every connected screen.

Bus handlers run on whatever thread committed the change; each client has an asyncio queue
on the server's loop, fed with `call_soon_threadsafe`. A client too slow to keep up (queue
full) is disconnected instead of growing memory without bound.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec

from cityops.bus.local import LocalBus
from cityops.events.model import Event
from cityops.events.service import EVENTS_CHANGED

QUEUE_MAX = 1000
KEEPALIVE_S = 15.0


class Broadcaster:
    def __init__(self, bus: LocalBus) -> None:
        self._clients: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[list[Event] | None]]] = (
            set()
        )
        self._lock = threading.Lock()
        bus.subscribe(EVENTS_CHANGED, self._on_changed)

    @property
    def client_count(self) -> int:
        return len(self._clients)

    def _on_changed(self, changed: list[Event]) -> None:
        with self._lock:
            clients = list(self._clients)
        for loop, q in clients:
            loop.call_soon_threadsafe(_offer, q, list(changed))

    async def stream(
        self, keep: Callable[[Event], bool], render: Callable[[Event], dict[str, Any]]
    ) -> AsyncIterator[bytes]:
        q: asyncio.Queue[list[Event] | None] = asyncio.Queue(QUEUE_MAX)
        client = (asyncio.get_running_loop(), q)
        with self._lock:
            self._clients.add(client)
        try:
            yield b"retry: 3000\n\n"
            while True:
                try:
                    batch = await asyncio.wait_for(q.get(), KEEPALIVE_S)
                except TimeoutError:
                    yield b": keepalive\n\n"
                    continue
                if batch is None:
                    return  # too slow: the client reconnects and re-reads the list
                for event in batch:
                    if keep(event):
                        data = msgspec.json.encode(render(event))
                        yield b"id: %s\nevent: event\ndata: %s\n\n" % (event.id.encode(), data)
        finally:
            with self._lock:
                self._clients.discard(client)


def _offer(q: asyncio.Queue[list[Event] | None], batch: list[Event]) -> None:
    try:
        q.put_nowait(batch)
    except asyncio.QueueFull:
        while not q.empty():
            q.get_nowait()
        q.put_nowait(None)
