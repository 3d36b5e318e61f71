"""STUB — /api/v1/auth/login, refresh, logout, me."""

from fastapi import APIRouter

router = APIRouter(tags=["auth 登录"])
