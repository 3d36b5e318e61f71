"""People's accounts: a role, the unit they act for, the grids they are limited to.

`authenticate` is the password path to a `UserInfo`; tokens and sessions (`auth.sessions`) are
issued afterwards and never depend on how the person was identified. Lock-out state lives in
the store (`failed_logins`, `locked_until`) so it holds across processes and restarts; the
per-address throttle is in memory. No password, token or key is ever written to the audit log
or to a log line; a name that matches no account is not recorded either, because people type
their password into the username field often enough.
"""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from collections.abc import Callable, Sequence
from typing import Annotated, Any, NoReturn

import msgspec
import sqlalchemy as sa

from cityops.audit.log import AuditLog
from cityops.auth.errors import AccountLocked, LoginFailed, Throttled
from cityops.auth.passwords import Passwords, check_policy
from cityops.auth.sessions import Grant, RefreshReused, Sessions, TokenKind, TokenPair
from cityops.auth.throttle import LoginThrottle
from cityops.auth.tokens import Principal, PrincipalKind, Role
from cityops.core.clock import Clock
from cityops.core.errors import CityOpsError, Conflict, NotFound, Unauthorized
from cityops.store.schema import users

log = logging.getLogger(__name__)

LOCK_AFTER = 5
"""Consecutive failed logins that lock an account; each further failure renews the lock."""
LOCK_S = 15 * 60
USERNAME = re.compile(r"[\w.@-]{2,64}")
GRID_PREFIX = re.compile(r"[0-9A-Za-z]{1,20}")


class UserInfo(msgspec.Struct, frozen=True):
    id: str
    username: str
    display_name: str
    role: Role
    unit: str | None
    grids: tuple[str, ...]
    disabled: bool
    locked_until: int | None
    created_at: int

    def principal(self) -> Principal:
        return Principal(
            PrincipalKind.USER, self.id, self.role, self.unit, self.grids, self.display_name
        )


def normalize_username(username: str) -> str:
    """One spelling per account: full-width and upper-case input finds the same person."""
    return unicodedata.normalize("NFKC", username).strip().casefold()


class UserChanges(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What an admin may change about an account; a field left out stays as it is (`unit`
    and `grids` may be set to none/empty, which lifts the limit)."""

    display_name: Annotated[str, msgspec.Meta(max_length=100)] | msgspec.UnsetType = msgspec.UNSET
    role: Role | msgspec.UnsetType = msgspec.UNSET
    unit: Annotated[str, msgspec.Meta(max_length=64)] | msgspec.UnsetType | None = msgspec.UNSET
    grids: Annotated[list[str], msgspec.Meta(max_length=100)] | msgspec.UnsetType = msgspec.UNSET
    disabled: bool | msgspec.UnsetType = msgspec.UNSET


class UserService:
    def __init__(
        self,
        engine: sa.Engine,
        clock: Clock,
        audit: AuditLog,
        *,
        passwords: Passwords | None = None,
        sessions: Sessions | None = None,
        throttle: LoginThrottle | None = None,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._audit = audit
        self.passwords = passwords or Passwords()
        self.sessions = sessions or Sessions(engine, clock)
        self.throttle = throttle or LoginThrottle(clock)
        # Names with no account lock like real ones, so a 423 does not reveal that one exists.
        self._unknown = LoginThrottle(clock, limit=LOCK_AFTER, window_s=LOCK_S)
        self.known_scope: Callable[[str | None, Sequence[str]], None] = lambda _unit, _areas: None
        """Checks a unit and areas against the platform's (the runtime sets it: units and the
        district live there); raises CityOpsError naming what is unknown."""

    # --- accounts (admins) ---------------------------------------------------------------

    def create(
        self,
        username: str,
        display_name: str,
        password: str,
        role: Role,
        unit: str | None = None,
        grids: Sequence[str] = (),
        *,
        actor: str = "system",
    ) -> UserInfo:
        name = normalize_username(username)
        if not USERNAME.fullmatch(name):
            raise CityOpsError("a username has 2-64 letters, digits or . _ @ -")
        _check_account(display_name, role, unit, grids)
        self.known_scope(unit, grids)
        check_policy(name, password)
        now = self._clock.now_ms()
        info = UserInfo(
            secrets.token_hex(8),
            name,
            display_name or name,
            role,
            unit,
            tuple(grids),
            False,
            None,
            now,
        )
        row = msgspec.to_builtins(info) | {
            "password_hash": self.passwords.hash(password),
            "failed_logins": 0,
            "updated_at": now,
        }
        try:
            with self._engine.begin() as conn:
                conn.execute(users.insert().values(row))
                details = {"role": role.value, "unit": unit, "grids": list(info.grids)}
                self._audit.append(actor, "user_created", name, details, conn=conn)
        except sa.exc.IntegrityError as exc:
            raise Conflict(f"user {name!r} exists") from exc
        return info

    def get(self, username: str) -> UserInfo:
        found = self._find(users.c.username == normalize_username(username))
        if found is None:
            raise NotFound(f"no user {username!r}")
        return found

    def by_id(self, user_id: str) -> UserInfo | None:
        return self._find(users.c.id == user_id)

    def list(self) -> list[UserInfo]:
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(users).order_by(users.c.username)).all()
        return [_info(r) for r in rows]

    def disable(self, username: str, *, actor: str = "system") -> None:
        """Takes effect at once: every token is revoked in the same transaction."""
        user = self.get(username)
        with self._engine.begin() as conn:
            self._update(conn, user.id, disabled=True)
            self.sessions.revoke_user(user.id, conn)
            self._audit.append(actor, "user_disabled", user.username, conn=conn)

    def enable(self, username: str, *, actor: str = "system") -> None:
        """Also lifts a lock-out, which is how an admin unlocks someone early."""
        user = self.get(username)
        with self._engine.begin() as conn:
            self._update(conn, user.id, disabled=False, failed_logins=0, locked_until=None)
            self._audit.append(actor, "user_enabled", user.username, conn=conn)

    def update(
        self,
        username: str,
        changes: UserChanges,
        *,
        actor: str = "system",
        by_user: str | None = None,
    ) -> UserInfo:
        """Change name, role, unit, areas or whether the account is enabled, in one audited
        transaction. Role, unit and areas apply from the caller's next request (every request
        reads the account); disabling also revokes every token at once, as `disable` does.
        `by_user`: the id of the person making the change, who may not lock themselves out
        (disable their own account or give up its admin role; another admin can)."""
        user = self.get(username)
        if by_user == user.id and (
            changes.disabled is True or changes.role not in (msgspec.UNSET, Role.ADMIN)
        ):
            raise Conflict("you may not disable your own account or give up its admin role")
        given = {
            k: tuple(v) if k == "grids" else v
            for k, v in msgspec.structs.asdict(changes).items()
            if v is not msgspec.UNSET
        }
        after = msgspec.structs.replace(user, **given)
        if not after.display_name.strip():
            raise CityOpsError("a display name may not be empty")
        _check_account(after.display_name, after.role, after.unit, after.grids)
        self.known_scope(after.unit, after.grids)
        changed = {k: v for k, v in given.items() if getattr(user, k) != v}
        if not changed:
            return user
        with self._engine.begin() as conn:
            self._update(conn, user.id, **_columns(changed))
            fields = _columns({k: v for k, v in changed.items() if k != "disabled"})
            if fields:
                self._audit.append(actor, "user_updated", user.username, fields, conn=conn)
            if changed.get("disabled") is True:
                self.sessions.revoke_user(user.id, conn)
                self._audit.append(actor, "user_disabled", user.username, conn=conn)
            elif changed.get("disabled") is False:  # also lifts a lock-out, as `enable` does
                self._update(conn, user.id, failed_logins=0, locked_until=None)
                self._audit.append(actor, "user_enabled", user.username, conn=conn)
        return self.by_id(user.id) or after

    def set_password(self, username: str, password: str, *, actor: str = "system") -> None:
        """Revokes every token too: a password is changed because the old one may be known."""
        user = self.get(username)
        check_policy(user.username, password)
        encoded = self.passwords.hash(password)
        with self._engine.begin() as conn:
            self._update(conn, user.id, password_hash=encoded, failed_logins=0, locked_until=None)
            self.sessions.revoke_user(user.id, conn)
            self._audit.append(actor, "password_changed", user.username, conn=conn)

    # --- logging in ------------------------------------------------------------------------

    def authenticate(self, username: str, password: str, *, source: str | None = None) -> UserInfo:
        """The account behind a username and password, or `Throttled`, `AccountLocked` or
        `LoginFailed`. A locked account's password is not even tested, so guesses made during
        the lock teach nothing."""
        wait = self.throttle.retry_after(source)
        if wait:
            raise Throttled(wait)
        name = normalize_username(username)
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.username == name)).first()
        if row is None:
            self._fail_unknown(name, password, source)
        now = self._clock.now_ms()
        if row.locked_until is not None and row.locked_until > now:
            self.throttle.failed(source)
            self._audit.append("anonymous", "login_failed", name, _why("locked", source))
            raise AccountLocked(-(-(row.locked_until - now) // 1000))
        if not self.passwords.verify(row.password_hash, password):
            self.throttle.failed(source)
            self._count_failure(row.id, name, source)
            raise LoginFailed
        if row.disabled:
            self.throttle.failed(source)
            self._audit.append("anonymous", "login_failed", name, _why("disabled", source))
            raise LoginFailed
        changes: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
        if self.passwords.needs_rehash(row.password_hash):
            changes["password_hash"] = self.passwords.hash(password)
        with self._engine.begin() as conn:
            self._update(conn, row.id, **changes)
            details = {"source": source, "method": "password"}  # an IdP would name itself here
            self._audit.append(f"user:{row.id}", "login", name, details, conn=conn)
        return _info(row)

    def refresh(self, refresh_token: str) -> tuple[UserInfo, TokenPair]:
        try:
            user_id, pair = self.sessions.rotate(refresh_token)
        except RefreshReused as exc:
            self._audit.append("system", "refresh_token_reused", f"user:{exc.user_id}")
            raise
        user = self.by_id(user_id)
        if user is None or user.disabled:  # tokens die with the account; this is a backstop
            raise Unauthorized("unknown or expired refresh token")
        return user, pair

    def logout(self, user_id: str, token: str, refresh_token: str | None = None) -> None:
        """Revoke the token the person called with and, when given, their refresh token."""
        self.sessions.revoke(token, user_id=user_id)
        if refresh_token:
            self.sessions.revoke(refresh_token, user_id=user_id)
        self._audit.append(f"user:{user_id}", "logout", f"user:{user_id}")

    def principal_for(self, token: str, kind: TokenKind) -> tuple[Principal, Grant] | None:
        """The person behind a live token, with the grant (whose CSRF hash sessions check).

        Not cached: two primary-key reads per request are cheap, and a cache would let a user
        disabled from another process (the CLI) keep working until it expired."""
        grant = self.sessions.lookup(token, kind)
        if grant is None:
            return None
        user = self.by_id(grant.user_id)
        if user is None or user.disabled:
            return None
        return user.principal(), grant

    # --- internals -------------------------------------------------------------------------

    def _fail_unknown(self, name: str, password: str, source: str | None) -> NoReturn:
        """Answer as an existing account would, down to locking after five tries."""
        locked_for = self._unknown.retry_after(name)
        if not locked_for:
            self.passwords.verify_nothing(password)
            self._unknown.failed(name)
        self.throttle.failed(source)
        # The name is not recorded: it may be a password typed into the wrong field.
        self._audit.append("anonymous", "login_failed", None, _why("unknown_user", source))
        if locked_for:
            raise AccountLocked(locked_for)
        if self._unknown.retry_after(name):
            raise AccountLocked(LOCK_S)
        raise LoginFailed

    def _count_failure(self, user_id: str, name: str, source: str | None) -> None:
        """Count one wrong password; raises `AccountLocked` when this one locks the account."""
        now = self._clock.now_ms()
        with self._engine.begin() as conn:
            # Incremented in the database, so concurrent failures are all counted.
            failures: int = conn.execute(
                users.update()
                .where(users.c.id == user_id)
                .values(failed_logins=users.c.failed_logins + 1, updated_at=now)
                .returning(users.c.failed_logins)
            ).scalar_one()
            self._audit.append(
                "anonymous", "login_failed", name, _why("password", source), conn=conn
            )
            if failures < LOCK_AFTER:
                return
            until = now + LOCK_S * 1000
            self._update(conn, user_id, locked_until=until)
            details = {"failed_logins": failures, "locked_until": until, "source": source}
            self._audit.append("system", "account_locked", name, details, conn=conn)
        log.warning("account %s locked for %d s after %d failed logins", name, LOCK_S, failures)
        raise AccountLocked(LOCK_S)

    def _update(self, conn: sa.Connection, user_id: str, **values: Any) -> None:
        values["updated_at"] = self._clock.now_ms()
        conn.execute(users.update().where(users.c.id == user_id).values(**values))

    def _find(self, condition: sa.ColumnElement[bool]) -> UserInfo | None:
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(users).where(condition)).first()
        return None if row is None else _info(row)


def _info(row: sa.Row[Any]) -> UserInfo:
    return UserInfo(
        row.id,
        row.username,
        row.display_name,
        Role(row.role),
        row.unit,
        tuple(row.grids),
        row.disabled,
        row.locked_until,
        row.created_at,
    )


def _check_account(display_name: str, role: Role, unit: str | None, grids: Sequence[str]) -> None:
    """The rules every account meets, on creation and on each change."""
    bad = [g for g in grids if not GRID_PREFIX.fullmatch(g)]
    if bad:
        raise CityOpsError(f"grid prefixes are area codes; not {', '.join(bad)}")
    if role is Role.INGEST:
        raise CityOpsError("the ingest role is for systems; give them an API key")
    if len(display_name) > 100 or len(unit or "") > 64:
        raise CityOpsError("a display name has at most 100 characters, a unit at most 64")


def _columns(values: dict[str, Any]) -> dict[str, Any]:
    """Account fields as the users table stores them."""
    return {
        k: v.value if isinstance(v, Role) else list(v) if isinstance(v, tuple) else v
        for k, v in values.items()
    }


def _why(reason: str, source: str | None) -> dict[str, Any]:
    return {"reason": reason, "source": source}
