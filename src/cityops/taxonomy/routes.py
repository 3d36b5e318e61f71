"""STUB — GET /api/v1/taxonomy."""

from fastapi import APIRouter

router = APIRouter(tags=["taxonomy 分类"])
