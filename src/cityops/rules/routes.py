"""STUB — GET/POST/PUT/DELETE /api/v1/rules."""

from fastapi import APIRouter

router = APIRouter(tags=["rules 规则"])
