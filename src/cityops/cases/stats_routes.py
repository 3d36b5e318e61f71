"""STUB — GET /api/v1/stats/cases (written by the KPI engineer)."""

from fastapi import APIRouter

router = APIRouter(tags=["cases 案卷"])
