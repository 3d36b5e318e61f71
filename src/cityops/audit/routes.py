"""STUB — GET /api/v1/audit (admins)."""

from fastapi import APIRouter

router = APIRouter(tags=["audit 审计"])
