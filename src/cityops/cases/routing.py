"""The routing table (派遣规则): which unit handles which class of case where."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import msgspec
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from cityops.cases.model import Channel
from cityops.cases.units import Units
from cityops.core.errors import ConfigError

TERRITORIAL = "territorial"


class RouteIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    class_code: str = ""
    area: str = ""
    unit: str
    channel: Channel

    @classmethod
    def from_yaml(cls, raw: dict[str, object]) -> RouteIn:
        raw = dict(raw)
        if "class" in raw:
            raw["class_code"] = raw.pop("class")
        return cls.model_validate(raw)


class Route(msgspec.Struct, frozen=True):
    unit: str
    channel: Channel
    matched: str
    """Which entry decided (its class and area, or "default"), for the dispatcher to see why."""
    territorial: bool = False
    """The entry named no unit but 属地: the unit is the community (or street) of the grid."""


class RoutingTable:
    def __init__(self, routes: list[RouteIn], default: RouteIn, units: Units) -> None:
        for r in [*routes, default]:
            if r.unit != TERRITORIAL and units.get(r.unit) is None:
                raise ConfigError(f"route {r.class_code or 'default'}: unknown unit {r.unit!r}")
        # Most specific first: longer class code, then longer area prefix.
        self._routes = sorted(routes, key=lambda r: (len(r.class_code), len(r.area)), reverse=True)
        self._default = default
        self._units = units

    def entries(self) -> list[RouteIn]:
        """Every entry, most specific first; the default last (it matches any class and area)."""
        return [*self._routes, self._default]

    def route(self, class_code: str, grid_code: str | None) -> Route | None:
        for r in self._routes:
            if class_code.startswith(r.class_code) and (grid_code or "").startswith(r.area):
                found = self._resolve(r, grid_code, f"{r.class_code} {r.area}".strip())
                if found is not None:
                    return found
        return self._resolve(self._default, grid_code, "default")

    def _resolve(self, r: RouteIn, grid_code: str | None, matched: str) -> Route | None:
        if r.unit != TERRITORIAL:
            return Route(r.unit, r.channel, matched)
        unit = self._units.territorial(grid_code)
        return None if unit is None else Route(unit.code, r.channel, matched, territorial=True)


def load_routing(units: Units, path: Path | None = None) -> RoutingTable:
    path = path or Path(str(resources.files("cityops") / "data" / "cases" / "routing.yaml"))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        routes = [RouteIn.from_yaml(r) for r in data["routes"]]
        default = RouteIn.from_yaml(data["default"])
    except (yaml.YAMLError, ValidationError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: invalid routing table: {exc}") from exc
    return RoutingTable(routes, default, units)
