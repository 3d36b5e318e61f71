"""Why a login was refused; the HTTP edge maps each to its status.

Unauthorized (core)
 ├── LoginFailed     401  unknown name, wrong password or disabled: one answer for all
 ├── AccountLocked   423  too many consecutive failures for this name
 └── RefreshReused   401  (auth.sessions) a spent refresh token came back
CityOpsError (core)
 ├── Throttled       429  too many failures from this address
 └── WeakPassword         (auth.passwords) the password breaks the policy
"""

from __future__ import annotations

from cityops.core.errors import CityOpsError, Unauthorized


class LoginFailed(Unauthorized):
    def __init__(self) -> None:
        super().__init__("wrong username or password")


class AccountLocked(Unauthorized):
    def __init__(self, retry_after_s: int) -> None:
        super().__init__("too many failed logins; the account is locked for a while")
        self.retry_after_s = retry_after_s


class Throttled(CityOpsError):
    def __init__(self, retry_after_s: int) -> None:
        super().__init__("too many failed logins from this address; try again later")
        self.retry_after_s = retry_after_s
