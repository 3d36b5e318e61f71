"""Thing models (物模型): what a kind of device reports, declared as data and checked on load.

Shaped like the TSL of the Alibaba/Huawei/OneNET IoT platforms, reduced to what validation,
status and the screens need: typed properties with unit, range and whether required, and the
heartbeat timeout after which a silent device counts as offline.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cityops.core.datafile import parse_yaml

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class DataType(StrEnum):
    FLOAT = "float"
    INT = "int"
    BOOL = "bool"
    ENUM = "enum"
    STRING = "string"


class Property(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    type: DataType
    unit: str = ""
    min: float | None = None
    max: float | None = None
    required: bool = False
    values: tuple[str, ...] = ()
    """Allowed values of an `enum` property."""
    max_length: int = Field(default=256, ge=1, le=4096)

    @model_validator(mode="after")
    def _check_consistent(self) -> Self:
        numeric = self.type in (DataType.FLOAT, DataType.INT)
        if not numeric and (self.min is not None or self.max is not None):
            raise ValueError(f"min/max apply to numeric properties, not to type {self.type}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        if (self.type == DataType.ENUM) != bool(self.values):
            raise ValueError("an enum property needs `values`, and only an enum property has them")
        return self


class Category(StrEnum):
    DRAINAGE = "drainage"
    WATER_QUALITY = "water_quality"
    FIRE = "fire"
    MUNICIPAL = "municipal"
    VIDEO = "video"
    OTHER = "other"


class ThingModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    category: Category
    report_interval_s: int = Field(gt=0)
    heartbeat_timeout_s: int = Field(gt=0)
    battery_property: str | None = None
    properties: tuple[Property, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_properties(self) -> Self:
        ids = [p.id for p in self.properties]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate property ids: {', '.join(dupes)}")
        if self.battery_property and self.battery_property not in ids:
            raise ValueError(f"battery_property {self.battery_property!r} is not a property")
        if self.heartbeat_timeout_s < self.report_interval_s:
            raise ValueError("heartbeat_timeout_s must be at least report_interval_s")
        return self

    @cached_property
    def by_id(self) -> dict[str, Property]:
        return {p.id: p for p in self.properties}

    @cached_property
    def required_ids(self) -> frozenset[str]:
        return frozenset(p.id for p in self.properties if p.required)


def parse_model(text: str, origin: str) -> ThingModel:
    """Parse one model from YAML or JSON text; errors name `origin` and the failing field."""
    return parse_yaml(text, origin, ThingModel, "thing model")


def load_models(paths: Iterable[Path]) -> dict[str, ThingModel]:
    """Load every *.yaml/*.yml/*.json model under the given folders; later ids override earlier."""
    models: dict[str, ThingModel] = {}
    for folder in paths:
        for path in sorted(folder.iterdir()):
            if path.suffix in {".yaml", ".yml", ".json"}:
                model = parse_model(path.read_text(encoding="utf-8"), str(path))
                models[model.id] = model
    return models


def shipped_models_dir() -> Path:
    return Path(str(resources.files("cityops") / "data" / "models"))


def load_shipped_and(extra: Path | None = None) -> dict[str, ThingModel]:
    folders = [shipped_models_dir()]
    if extra is not None:
        folders.append(extra)
    return load_models(folders)
