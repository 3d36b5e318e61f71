"""STUB — to be written by the audit engineer. The signatures are the contract."""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa

from cityops.core.clock import Clock


class VerifyResult(msgspec.Struct, frozen=True):
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str | None = None


class AuditLog:
    def __init__(self, engine: sa.Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def append(
        self,
        actor: str,
        action: str,
        target: str | None = None,
        details: dict[str, Any] | None = None,
        *,
        conn: sa.Connection | None = None,
    ) -> None:
        """Record one entry (in `conn`'s transaction when given, so it commits with the change)."""

    def verify(self) -> VerifyResult:
        return VerifyResult(ok=True, entries=0)
