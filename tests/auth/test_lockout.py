"""Lock-out after repeated failures, per-address throttling, and the generic failure answer."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from cityops.auth.errors import AccountLocked, LoginFailed
from cityops.auth.throttle import LoginThrottle
from cityops.auth.tokens import Role
from cityops.auth.users import UserInfo, UserService
from cityops.core.clock import FakeClock
from cityops.runtime import Runtime
from tests.auth.conftest import PASSWORD, AuditSpy, login


def test_five_failures_lock_the_account_for_fifteen_minutes(
    runtime: Runtime, users: UserService, alice: UserInfo, audit: AuditSpy
) -> None:
    for _ in range(4):
        with pytest.raises(LoginFailed):
            users.authenticate("alice", "wrong password!")
    with pytest.raises(AccountLocked):
        users.authenticate("alice", "wrong password!")
    with pytest.raises(AccountLocked):  # even the right password, while locked
        users.authenticate("alice", PASSWORD)
    assert users.get("alice").locked_until == runtime.clock.now_ms() + 15 * 60 * 1000
    assert audit.actions().count("account_locked") == 1

    runtime.clock.advance(15 * 60)  # type: ignore[attr-defined]
    assert users.authenticate("alice", PASSWORD).id == alice.id
    assert users.get("alice").locked_until is None


def test_a_success_resets_the_count_of_failures(users: UserService, alice: UserInfo) -> None:
    for _ in range(4):
        with pytest.raises(LoginFailed):
            users.authenticate("alice", "wrong password!")
    users.authenticate("alice", PASSWORD)
    for _ in range(4):
        with pytest.raises(LoginFailed):
            users.authenticate("alice", "wrong password!")
    assert users.authenticate("alice", PASSWORD).id == alice.id


def test_enabling_an_account_lifts_its_lock(users: UserService, alice: UserInfo) -> None:
    for _ in range(5):
        with pytest.raises((LoginFailed, AccountLocked)):
            users.authenticate("alice", "wrong password!")
    users.enable("alice")
    assert users.authenticate("alice", PASSWORD).id == alice.id


def test_the_api_answers_423_with_retry_after_when_locked(
    anon: TestClient, alice: UserInfo
) -> None:
    answers = [login(anon, password="wrong password!").status_code for _ in range(6)]
    assert answers == [401, 401, 401, 401, 423, 423]
    locked = login(anon)
    assert locked.status_code == 423
    assert int(locked.headers["Retry-After"]) == 15 * 60


def test_an_unknown_name_locks_like_a_real_one_so_423_reveals_nothing(anon: TestClient) -> None:
    answers = [login(anon, "nobody").status_code for _ in range(6)]
    assert answers == [401, 401, 401, 401, 423, 423]


def test_every_login_failure_gets_the_same_answer(
    users: UserService, alice: UserInfo, anon: TestClient
) -> None:
    users.create("dave", "Dave", PASSWORD, Role.VIEWER)
    users.disable("dave")
    wrong_password = login(anon, password="wrong password!")
    unknown_user = login(anon, "nobody")
    disabled_user = login(anon, "dave")
    for answer in (wrong_password, unknown_user, disabled_user):
        assert answer.status_code == 401
        assert answer.json() == wrong_password.json()


def test_twenty_failures_from_one_address_answer_429(
    runtime: Runtime, users: UserService, alice: UserInfo, anon: TestClient
) -> None:
    for i in range(20):  # spread over many names, as password spraying does
        assert login(anon, f"user{i}").status_code in (401, 423)
    throttled = login(anon)  # even the right password, from this address
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["Retry-After"]) <= 300
    runtime.clock.advance(300)  # type: ignore[attr-defined]
    assert login(anon).status_code == 200


def test_the_throttle_forgets_failures_outside_its_window() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock, limit=3, window_s=60)
    for _ in range(3):
        throttle.failed("10.0.0.1")
        clock.advance(10)
    assert throttle.retry_after("10.0.0.1") == 30
    assert throttle.retry_after("10.0.0.2") == 0
    clock.advance(30)
    assert throttle.retry_after("10.0.0.1") == 0
