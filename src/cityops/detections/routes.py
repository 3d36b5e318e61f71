"""STUB — POST /api/v1/detections."""

from fastapi import APIRouter

router = APIRouter(tags=["detections AI识别"])
