"""STUB — /open311/v2/..."""

from fastapi import APIRouter

router = APIRouter(tags=["open311 市民上报"])
