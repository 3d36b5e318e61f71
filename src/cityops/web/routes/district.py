"""The district: grids and other areas as GeoJSON; the thing models devices follow."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from cityops.district.model import Level
from cityops.district.service import areas_geojson
from cityops.web.auth import ReaderDep, RuntimeDep

router = APIRouter(tags=["district 区域"])


@router.get("/api/v1/grids", summary="Areas as GeoJSON 网格")
def get_grids(rt: RuntimeDep, _who: ReaderDep, level: Level = Level.GRID) -> dict[str, Any]:
    return areas_geojson(rt.district.areas, level=level)


@router.get("/api/v1/models", summary="Thing models 物模型")
def get_models(rt: RuntimeDep, _who: ReaderDep) -> list[dict[str, Any]]:
    return [m.model_dump(mode="json") for m in rt.registry.models.values()]
