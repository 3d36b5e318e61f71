"""The detect step of the loop: committed readings → rule engine → event service.

Runs on its own thread so rule evaluation never delays the writer's next commit. The bus
hands it each committed batch; it drains everything queued, evaluates it as one batch, and
applies the outcomes in one event transaction. A timer evaluates time-based conditions (no
data for a duration) that no reading will ever trigger.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext

from cityops.core.clock import Clock
from cityops.core.types import Reading
from cityops.devices.registry import DeviceRegistry
from cityops.devices.shadow import ShadowStore
from cityops.events.service import EventService
from cityops.rules.engine import RuleEngine

log = logging.getLogger(__name__)


class Detector:
    def __init__(
        self,
        rules: RuleEngine,
        events: EventService,
        registry: DeviceRegistry,
        shadows: ShadowStore,
        clock: Clock,
        *,
        tick_s: float = 10.0,
        lock: AbstractContextManager[object] | None = None,
    ) -> None:
        self._rules = rules
        self._events = events
        self._registry = registry
        self._shadows = shadows
        self._clock = clock
        self._tick_s = tick_s
        self._lock: AbstractContextManager[object] = lock or nullcontext()
        self._queue: queue.Queue[tuple[Sequence[Reading], int] | None] = queue.Queue()
        self._idle = threading.Event()
        self._idle.set()
        self._thread = threading.Thread(target=self._run, name="cityops-detect", daemon=True)
        self.evaluated = 0
        self.evaluated_through: int | None = None
        """The commit time of the last batch judged (read under the rule lock, with the rule
        states it produced: the checkpoint saved with them)."""

    def on_stored(self, message: tuple[Sequence[Reading], int]) -> None:
        self._idle.clear()
        self._queue.put(message)

    def replay(self, readings: Sequence[Reading], through: int) -> None:
        """Judge readings committed after the last checkpoint (at start, before new input):
        a crash may have left them unjudged in the queue."""
        self._evaluate([(readings, through)])
        with self._lock:
            self.evaluated_through = max(self.evaluated_through or through, through)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(30)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every batch handed over so far is evaluated (for tests and shutdown)."""
        return self._idle.wait(timeout)

    def tick(self) -> None:
        """Evaluate time-based conditions now."""
        with self._lock:
            outcomes = self._rules.tick(self._clock.now_ms(), self._registry, self._shadows)
            self._events.apply(outcomes)

    def _run(self) -> None:
        next_tick = self._clock.now_ms() + self._tick_s * 1000
        while True:
            try:
                first = self._queue.get(timeout=self._tick_s)
            except queue.Empty:
                first = ((), 0)
            if first is None:
                return
            batch = [first]
            stop = self._drain_into(batch)
            self._evaluate(batch)
            if self._clock.now_ms() >= next_tick:
                self._safely(self.tick)
                next_tick = self._clock.now_ms() + self._tick_s * 1000
            if self._queue.empty():
                self._idle.set()
            if stop:
                return

    def _drain_into(self, batch: list[tuple[Sequence[Reading], int]]) -> bool:
        while True:
            try:
                more = self._queue.get_nowait()
            except queue.Empty:
                return False
            if more is None:
                return True
            batch.append(more)

    def _evaluate(self, batches: list[tuple[Sequence[Reading], int]]) -> None:
        readings = [r for part, _ in batches for r in part]
        if not readings:
            return
        through = max(at for _, at in batches)
        self._safely(lambda: self._evaluate_locked(readings, through))
        self.evaluated += len(readings)

    def _evaluate_locked(self, readings: list[Reading], through: int) -> None:
        with self._lock:
            try:
                self._events.apply(self._rules.evaluate(readings, self._registry))
            finally:  # judged (or failed, and logged): a replay would fail the same way
                self.evaluated_through = max(self.evaluated_through or through, through)

    @staticmethod
    def _safely(step: object) -> None:
        try:
            step()  # type: ignore[operator]
        except Exception:  # a bad rule or a store hiccup must not stop detection
            log.exception("detection step failed")
