"""Password hashing and the minimum policy."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from cityops.auth.passwords import Passwords, WeakPassword, check_policy
from cityops.auth.tokens import Role
from cityops.auth.users import UserService
from cityops.runtime import Runtime
from cityops.store.schema import users as users_table
from tests.auth.conftest import PASSWORD


def test_a_password_is_stored_as_an_argon2id_encoded_hash() -> None:
    passwords = Passwords()
    encoded = passwords.hash(PASSWORD)
    assert encoded.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in encoded
    assert passwords.verify(encoded, PASSWORD)
    assert not passwords.verify(encoded, PASSWORD + "x")


def test_a_broken_hash_fails_verification_instead_of_raising() -> None:
    assert not Passwords().verify("not-a-hash", PASSWORD)


@pytest.mark.parametrize(
    ("username", "password", "rule"),
    [
        ("alice", "short", "at least 10"),
        ("alice", "x" * 1025, "at most"),
        ("alice.wang", "Alice.Wang", "username"),
        ("zhangsan12", "ＺＨＡＮＧＳＡＮ12", "username"),  # full-width is the same name
    ],
)
def test_the_policy_refuses_weak_passwords(username: str, password: str, rule: str) -> None:
    with pytest.raises(WeakPassword, match=rule) as caught:
        check_policy(username, password)
    assert password not in str(caught.value)


def test_the_policy_counts_characters_not_bytes() -> None:
    check_policy("li", "一网统管城市运行管理")  # ten characters, thirty bytes


def test_a_hash_with_old_parameters_is_upgraded_on_the_next_login(
    runtime: Runtime, users: UserService
) -> None:
    users.create("bob", "Bob", PASSWORD, Role.VIEWER)  # hashed with the cheap test parameters
    upgraded = UserService(runtime.engine, runtime.clock, runtime.audit)
    upgraded.authenticate("bob", PASSWORD)
    with runtime.engine.connect() as conn:
        stored = conn.execute(sa.select(users_table.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert upgraded.authenticate("bob", PASSWORD).username == "bob"


def test_creating_a_user_enforces_the_policy(users: UserService) -> None:
    with pytest.raises(WeakPassword):
        users.create("carol", "Carol", "carol", Role.VIEWER)
    assert users.list() == []
