"""People's tokens and web sessions, independent of how the person proved who they are.

Every token is an opaque random string stored only as its SHA-256 (`user_tokens.token_hash`), so
a copy of the database grants nothing. Three kinds:

- access (`coa_`, 15 minutes): `Authorization: Bearer` for API clients and scripts;
- refresh (`cor_`, 7 days, single use): trades itself for a new pair; presenting a spent one
  again means it was copied (or a retry raced), so every token of that person is revoked, as the
  OAuth 2.0 security best practice for rotating refresh tokens advises;
- session (`cos_`, 8 hours): the browser cookie, paired with a CSRF token stored as a hash too.

This module knows only a user id. Passwords (`UserService.authenticate`) are one way to get
one; single sign-on is another: an OIDC callback route would validate the identity provider's ID
token, map its (`iss`, `sub`) to a user id (a `user_identities` table), and then call the same
`issue_pair` or `open_session`, so revocation, expiry, CSRF and the `Principal` built from the
user row stay exactly as they are for password logins.
"""

from __future__ import annotations

import hmac
import secrets
from enum import StrEnum

import msgspec
import sqlalchemy as sa

from cityops.auth.tokens import hash_token, new_token
from cityops.core.clock import Clock
from cityops.core.errors import Unauthorized
from cityops.store.schema import user_tokens

MINUTE_MS = 60_000


class TokenKind(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"
    SESSION = "session"


PREFIX = {TokenKind.ACCESS: "coa", TokenKind.REFRESH: "cor", TokenKind.SESSION: "cos"}
LIFETIME_MS = {
    TokenKind.ACCESS: 15 * MINUTE_MS,
    TokenKind.REFRESH: 7 * 24 * 60 * MINUTE_MS,
    TokenKind.SESSION: 8 * 60 * MINUTE_MS,
}


class TokenPair(msgspec.Struct, frozen=True):
    access_token: str
    refresh_token: str
    expires_in: int
    """Seconds the access token lives."""


class WebSession(msgspec.Struct, frozen=True):
    token: str
    csrf_token: str
    expires_in: int


class Grant(msgspec.Struct, frozen=True):
    """What a live token stands for."""

    user_id: str
    kind: TokenKind
    csrf_hash: str | None = None

    def csrf_matches(self, presented: str | None) -> bool:
        if self.csrf_hash is None or not presented:
            return False
        return hmac.compare_digest(self.csrf_hash, hash_token(presented))


class RefreshReused(Unauthorized):
    """A spent refresh token came back; every token of `user_id` has been revoked."""

    def __init__(self, user_id: str) -> None:
        super().__init__("this refresh token was already used; log in again")
        self.user_id = user_id


class Sessions:
    def __init__(self, engine: sa.Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def issue_pair(self, user_id: str) -> TokenPair:
        with self._engine.begin() as conn:
            return self._issue_pair(conn, user_id)

    def open_session(self, user_id: str) -> WebSession:
        """A browser session; the CSRF token goes to the page, the session token to a cookie."""
        csrf = secrets.token_urlsafe(32)
        with self._engine.begin() as conn:
            self._forget_expired(conn, user_id)
            token = self._insert(conn, user_id, TokenKind.SESSION, csrf_hash=hash_token(csrf))
        return WebSession(token, csrf, LIFETIME_MS[TokenKind.SESSION] // 1000)

    def rotate(self, refresh_token: str) -> tuple[str, TokenPair]:
        """Spend a refresh token for a new pair; returns the user id with it."""
        digest = hash_token(refresh_token)
        now = self._clock.now_ms()
        refresh = (user_tokens.c.token_hash == digest) & (user_tokens.c.kind == TokenKind.REFRESH)
        with self._engine.begin() as conn:
            # Spending is one conditional UPDATE, so two concurrent refreshes cannot both win.
            spent = conn.execute(
                user_tokens.update()
                .where(refresh, user_tokens.c.revoked_at.is_(None), user_tokens.c.expires_at > now)
                .values(revoked_at=now)
                .returning(user_tokens.c.user_id)
            ).first()
            if spent is not None:
                return spent.user_id, self._issue_pair(conn, spent.user_id)
            row = conn.execute(
                sa.select(user_tokens.c.user_id, user_tokens.c.revoked_at).where(refresh)
            ).first()
        if row is not None and row.revoked_at is not None:
            self.revoke_user(row.user_id)
            raise RefreshReused(row.user_id)
        raise Unauthorized("unknown or expired refresh token")

    def lookup(self, token: str, kind: TokenKind) -> Grant | None:
        """The live grant behind `token`, only if it is of `kind`: a session cookie pasted into
        an Authorization header must not skip the CSRF check that the cookie path enforces."""
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(user_tokens.c.user_id, user_tokens.c.csrf_hash).where(
                    user_tokens.c.token_hash == hash_token(token),
                    user_tokens.c.kind == kind,
                    user_tokens.c.revoked_at.is_(None),
                    user_tokens.c.expires_at > self._clock.now_ms(),
                )
            ).first()
        return None if row is None else Grant(row.user_id, kind, row.csrf_hash)

    def revoke(self, token: str, *, user_id: str | None = None) -> bool:
        """Revoke one token (only `user_id`'s, when given); False if it was not live."""
        condition = (user_tokens.c.token_hash == hash_token(token)) & user_tokens.c.revoked_at.is_(
            None
        )
        if user_id is not None:
            condition &= user_tokens.c.user_id == user_id
        with self._engine.begin() as conn:
            result = conn.execute(
                user_tokens.update().where(condition).values(revoked_at=self._clock.now_ms())
            )
        return result.rowcount > 0

    def revoke_user(self, user_id: str, conn: sa.Connection | None = None) -> None:
        """Every live token of a person (disabled, password changed, refresh token stolen)."""
        stmt = (
            user_tokens.update()
            .where(user_tokens.c.user_id == user_id, user_tokens.c.revoked_at.is_(None))
            .values(revoked_at=self._clock.now_ms())
        )
        if conn is not None:
            conn.execute(stmt)
            return
        with self._engine.begin() as own:
            own.execute(stmt)

    def _issue_pair(self, conn: sa.Connection, user_id: str) -> TokenPair:
        self._forget_expired(conn, user_id)
        access = self._insert(conn, user_id, TokenKind.ACCESS)
        refresh = self._insert(conn, user_id, TokenKind.REFRESH)
        return TokenPair(access, refresh, LIFETIME_MS[TokenKind.ACCESS] // 1000)

    def _insert(
        self, conn: sa.Connection, user_id: str, kind: TokenKind, csrf_hash: str | None = None
    ) -> str:
        token = new_token(PREFIX[kind])
        now = self._clock.now_ms()
        conn.execute(
            user_tokens.insert().values(
                token_hash=hash_token(token),
                user_id=user_id,
                kind=kind.value,
                csrf_hash=csrf_hash,
                created_at=now,
                expires_at=now + LIFETIME_MS[kind],
            )
        )
        return token

    def _forget_expired(self, conn: sa.Connection, user_id: str) -> None:
        """Keeps the table to live tokens (plus spent, unexpired refresh tokens, which reuse
        detection needs); done per person at each login, so no sweeper thread is needed."""
        conn.execute(
            user_tokens.delete().where(
                user_tokens.c.user_id == user_id, user_tokens.c.expires_at <= self._clock.now_ms()
            )
        )
