"""STUB — GET /api/v1/evidence/{id}."""

from fastapi import APIRouter

router = APIRouter(tags=["evidence 证据"])
