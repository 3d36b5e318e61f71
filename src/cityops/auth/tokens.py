"""Opaque bearer tokens, stored only as hashes.

Tokens are 32 random bytes, so a plain SHA-256 is enough to store them (a slow password hash
buys nothing against a 256-bit secret and would cost a hash per request on the ingest path).
"""

from __future__ import annotations

import hashlib
import secrets
from enum import StrEnum

import msgspec


class Role(StrEnum):
    ADMIN = "admin"
    INGEST = "ingest"
    """May write telemetry for any device, nothing else (gateways, the simulator)."""
    VIEWER = "viewer"
    # The case workflow's roles (data/cases/workflow.yaml); unit roles act for one unit.
    INTAKE_OPERATOR = "intake_operator"  # 受理员
    DISPATCHER = "dispatcher"  # 派遣员
    DUTY_CHIEF = "duty_chief"  # 值班长
    INSPECTOR = "inspector"  # 监督员
    UNIT_HANDLER = "unit_handler"  # 处置单位人员
    GRID_WORKER = "grid_worker"  # 网格员
    SERVICE_COMPANY = "service_company"  # 服务企业
    VOLUNTEER = "volunteer"  # 志愿者
    SUPERVISOR = "supervisor"  # 督查员


class PrincipalKind(StrEnum):
    API_KEY = "api_key"
    DEVICE = "device"
    USER = "user"


class Principal(msgspec.Struct, frozen=True):
    """Who is calling: an API key with a role, or a device that may write only its own data."""

    kind: PrincipalKind
    id: str
    role: Role | None = None
    unit: str | None = None
    grids: tuple[str, ...] = ()
    """Area-code prefixes (grid, community, street) a person is limited to; empty: no limit."""
    name: str | None = None

    def sees(self, area_code: str | None) -> bool:
        """The area rule of devices, events and the screens: no limit, or a code under one of
        this principal's areas (things outside do not exist for them)."""
        return not self.grids or (area_code or "").startswith(self.grids)

    def may_write_device(self, device_id: str) -> bool:
        if self.kind is PrincipalKind.DEVICE:
            return self.id == device_id
        return self.role in (Role.ADMIN, Role.INGEST)


def new_token(prefix: str) -> str:
    """A fresh secret; the prefix tells a human what kind of secret a leaked string is."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
