"""API keys: created by an admin (CLI), checked on every request by hash lookup."""

from __future__ import annotations

import secrets
import threading

import msgspec
import sqlalchemy as sa

from cityops.audit.log import AuditLog
from cityops.auth.tokens import Principal, PrincipalKind, Role, hash_token, new_token
from cityops.core.clock import Clock
from cityops.core.errors import NotFound
from cityops.store.schema import api_keys


class ApiKeyInfo(msgspec.Struct, frozen=True):
    id: str
    name: str
    role: Role
    created_at: int
    revoked_at: int | None
    unit: str | None = None


class ApiKeys:
    """Key lookups are cached in memory; revocation goes through this object and clears it."""

    def __init__(self, engine: sa.Engine, clock: Clock, audit: AuditLog | None = None) -> None:
        self._audit = audit
        self._engine = engine
        self._clock = clock
        self._cache: dict[str, Principal | None] = {}
        self._lock = threading.Lock()

    def create(
        self, name: str, role: Role, unit: str | None = None, *, actor: str = "system"
    ) -> tuple[ApiKeyInfo, str]:
        """Returns the key's record and the secret, which is never stored and shown only now."""
        key_id = secrets.token_hex(8)
        secret = new_token("cok")
        info = ApiKeyInfo(key_id, name, role, self._clock.now_ms(), None, unit)
        with self._engine.begin() as conn:
            conn.execute(
                api_keys.insert().values(
                    id=key_id,
                    name=name,
                    role=role.value,
                    key_hash=hash_token(secret),
                    created_at=info.created_at,
                    unit=unit,
                )
            )
            if self._audit is not None:
                details = {"name": name, "role": role.value, "unit": unit}
                self._audit.append(actor, "api_key_created", key_id, details, conn=conn)
        return info, secret

    def revoke(self, key_id: str, *, actor: str = "system") -> None:
        with self._engine.begin() as conn:
            result = conn.execute(
                api_keys.update()
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=self._clock.now_ms())
            )
            if result.rowcount == 0:
                raise NotFound(f"no active API key {key_id!r}")
            if self._audit is not None:
                self._audit.append(actor, "api_key_revoked", key_id, None, conn=conn)
        with self._lock:
            self._cache.clear()

    def list(self) -> list[ApiKeyInfo]:
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(api_keys).order_by(api_keys.c.created_at)).all()
        return [ApiKeyInfo(r.id, r.name, Role(r.role), r.created_at, r.revoked_at) for r in rows]

    def principal(self, secret: str) -> Principal | None:
        digest = hash_token(secret)
        with self._lock:
            if digest in self._cache:
                return self._cache[digest]
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(api_keys.c.id, api_keys.c.role, api_keys.c.unit).where(
                    api_keys.c.key_hash == digest, api_keys.c.revoked_at.is_(None)
                )
            ).first()
        found = (
            None
            if row is None
            else Principal(PrincipalKind.API_KEY, row.id, Role(row.role), row.unit)
        )
        with self._lock:
            if len(self._cache) > 10_000:  # unknown keys are cached too; bound the memory
                self._cache.clear()
            self._cache[digest] = found
        return found
