"""The in-process bus of the embedded deployment.

Handlers run synchronously in the publisher's thread, in subscription order; a failing handler
is logged and skipped so one subscriber can never stall the sense loop. The distributed
deployment replaces this with NATS JetStream behind the same two methods.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Handler = Callable[[Any], None]

READINGS_STORED = "readings.stored"
"""Payload: `(readings: Sequence[Reading], committed_at_ms: int)` after each commit."""


class LocalBus:
    def __init__(self) -> None:
        self._handlers: defaultdict[str, list[Handler]] = defaultdict(list)

    def subscribe(self, topic: str, handler: Handler) -> None:
        self._handlers[topic].append(handler)

    def publish(self, topic: str, message: Any) -> None:
        for handler in self._handlers.get(topic, ()):
            try:
                handler(message)
            except Exception:
                log.exception("handler %r for %s failed", handler, topic)
