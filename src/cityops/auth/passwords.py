"""People's passwords: argon2id hashes and the minimum policy.

Unlike tokens (256 random bits, a plain SHA-256 suffices), passwords are guessable, so they get
a slow, memory-hard hash. The encoded string carries its own parameters, which lets a stored
hash be upgraded on the next successful login when the parameters change.
"""

from __future__ import annotations

import threading
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cityops.core.errors import CityOpsError

MIN_LENGTH = 10
MAX_LENGTH = 1024
"""Hashing cost grows with the input; nobody types more than this."""


class WeakPassword(CityOpsError):
    """The password does not meet the policy; the message says which rule (never the password)."""


def check_policy(username: str, password: str) -> None:
    """Length (in characters, so a Chinese passphrase counts fairly) and not the username."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"a password may have at most {MAX_LENGTH} characters")
    if _fold(password) == _fold(username):
        raise WeakPassword("the password may not be the username")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


class Passwords:
    """Hash and verify with one argon2id parameter set (argon2-cffi's RFC 9106 defaults)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._dummy: str | None = None
        self._lock = threading.Lock()

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, encoded: str, password: str) -> bool:
        try:
            return self._hasher.verify(encoded, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, encoded: str) -> bool:
        return self._hasher.check_needs_rehash(encoded)

    def verify_nothing(self, password: str) -> None:
        """Spend the time of a real check, so an unknown username answers as slowly as a known
        one and response times do not reveal which accounts exist."""
        with self._lock:
            if self._dummy is None:
                self._dummy = self._hasher.hash("cityops-dummy-password")
            dummy = self._dummy
        self.verify(dummy, password)
