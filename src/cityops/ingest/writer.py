"""One writer thread per store: group commit for every ingest path.

Callers hand over readings and dead letters and get a future. The writer drains whatever has
queued up, writes it all in one transaction, commits, hands the committed readings to the
listeners, and only then resolves the futures. Order of duties: write, commit, publish,
acknowledge — nothing is published or acknowledged before it is durable, and an acknowledged
caller can read its own readings back from the shadows. A failed transaction fails the
futures of that group (the callers got no acknowledgement and will retry); the writer goes on.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future

import msgspec
import sqlalchemy as sa

from cityops.core.errors import Overloaded
from cityops.core.types import DeadLetter, Reading
from cityops.store.readings import write_batch

log = logging.getLogger(__name__)

CommitListener = Callable[[Sequence[Reading], int], None]
"""Called after each commit with the committed readings and the commit time (epoch ms)."""


class Job(msgspec.Struct):
    readings: Sequence[Reading]
    letters: Sequence[DeadLetter]
    received_at: int
    future: Future[int]


_STOP = object()


class Writer:
    def __init__(
        self,
        engine: sa.Engine,
        *,
        max_queued: int = 200_000,
        max_group_rows: int = 50_000,
        now_ms: Callable[[], int],
    ) -> None:
        self._engine = engine
        self._queue: queue.Queue[Job | object] = queue.Queue()
        self._max_queued = max_queued
        self._max_group_rows = max_group_rows
        self._queued_rows = 0
        self._lock = threading.Lock()
        self._listeners: list[CommitListener] = []
        self._now_ms = now_ms
        self._thread = threading.Thread(target=self._run, name="cityops-writer", daemon=True)
        self.commits = 0
        self.rows_written = 0

    def add_listener(self, listener: CommitListener) -> None:
        self._listeners.append(listener)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish everything queued, then stop."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)

    @property
    def queued_rows(self) -> int:
        return self._queued_rows

    def submit(
        self, readings: Sequence[Reading], letters: Sequence[DeadLetter] = ()
    ) -> Future[int]:
        """Queue rows for the next commit; the future resolves with the count newly stored.

        Raises `Overloaded` instead of queueing beyond the bound (back-pressure to the edge).
        """
        size = len(readings) + len(letters)
        with self._lock:
            if self._queued_rows + size > self._max_queued and self._queued_rows > 0:
                raise Overloaded(f"write queue holds {self._queued_rows} rows; retry shortly")
            self._queued_rows += size
        future: Future[int] = Future()
        self._queue.put(Job(readings, letters, self._now_ms(), future))
        return future

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                break
            group: list[Job] = [first]  # type: ignore[list-item]
            rows = _rows(group[0])
            while rows < self._max_group_rows:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stopping = True
                    break
                group.append(nxt)  # type: ignore[arg-type]
                rows += _rows(nxt)  # type: ignore[arg-type]
            self._commit(group, rows)

    def _commit(self, group: list[Job], rows: int) -> None:
        batch = [(r, job.received_at) for job in group for r in job.readings]
        letters = [d for job in group for d in job.letters]
        try:
            with self._engine.begin() as conn:
                inserted = write_batch(conn, batch, letters)
        except Exception as exc:
            log.exception("write of %d rows failed; callers are not acknowledged", rows)
            for job in group:
                job.future.set_exception(exc)
            self._release(rows)
            return
        self._release(rows)
        self.commits += 1
        self.rows_written += inserted
        # Listeners first (they only update memory and enqueue): once a caller is acknowledged,
        # the shadow shows its readings and the detector has them in its queue.
        self._notify([r for r, _ in batch])
        for job in group:
            job.future.set_result(len(job.readings))

    def _notify(self, committed: list[Reading]) -> None:
        if not committed:
            return
        at = self._now_ms()
        for listener in self._listeners:
            try:
                listener(committed, at)
            except Exception:  # a listener must never stop the write path
                log.exception("commit listener %r failed", listener)

    def _release(self, rows: int) -> None:
        with self._lock:
            self._queued_rows -= rows


def _rows(job: Job) -> int:
    return len(job.readings) + len(job.letters)
