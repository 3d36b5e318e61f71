"""Units (处置单位) and their hierarchy, used for dispatch, scoping and escalation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

import msgspec
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cityops.core.errors import ConfigError
from cityops.district.model import Area, Level


class Unit(msgspec.Struct, frozen=True):
    code: str
    name_zh: str
    name_en: str
    kind: str
    """district | street | community (from the district), or centre | department | company |
    volunteers | grid_station (网格工作站: a community's grid workers) from units.yaml."""
    parent: str | None


class _UnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
    name_zh: str
    name_en: str
    kind: str = Field(pattern="^(centre|department|company|volunteers|grid_station)$")
    parent: str | None = None


class _UnitsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    units: list[_UnitIn]


_AREA_KIND = {Level.DISTRICT: "district", Level.STREET: "street", Level.COMMUNITY: "community"}
_AREA_SUFFIX = {
    Level.DISTRICT: ("人民政府", " Government"),
    Level.STREET: ("办事处", " Office"),
    Level.COMMUNITY: ("居委会", " Committee"),
}


class Units:
    def __init__(self, units: Iterable[Unit]) -> None:
        self._by_code = {u.code: u for u in units}
        for unit in self._by_code.values():
            if unit.parent is not None and unit.parent not in self._by_code:
                raise ConfigError(f"unit {unit.code}: unknown parent {unit.parent!r}")

    def get(self, code: str) -> Unit | None:
        return self._by_code.get(code)

    def all(self) -> list[Unit]:
        return sorted(self._by_code.values(), key=lambda u: u.code)

    def parent_of(self, code: str) -> Unit | None:
        unit = self._by_code.get(code)
        return None if unit is None or unit.parent is None else self._by_code.get(unit.parent)

    def territorial(self, grid_code: str | None) -> Unit | None:
        """The community of a grid (属地), else its street, else the district."""
        if not grid_code:
            return None
        for length in (12, 9, 6):
            unit = self._by_code.get(grid_code[:length])
            if unit is not None:
                return unit
        return None

    def within(self, ancestor: str, code: str) -> bool:
        """Whether `code` is `ancestor` or below it."""
        current = self._by_code.get(code)
        while current is not None:
            if current.code == ancestor:
                return True
            current = self._by_code.get(current.parent) if current.parent else None
        return False


def area_units(areas: Iterable[Area]) -> list[Unit]:
    out = []
    for area in areas:
        if area.level in _AREA_KIND:
            zh, en = _AREA_SUFFIX[area.level]
            out.append(
                Unit(
                    area.code,
                    area.name_zh + zh,
                    area.name_en + en,
                    _AREA_KIND[area.level],
                    area.parent_code,
                )
            )
    return out


def load_units(areas: Iterable[Area], path: Path | None = None) -> Units:
    path = path or Path(str(resources.files("cityops") / "data" / "cases" / "units.yaml"))
    try:
        parsed = _UnitsFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"{path}: invalid units file: {exc}") from exc
    listed = [Unit(u.code, u.name_zh, u.name_en, u.kind, u.parent) for u in parsed.units]
    territorial = area_units(areas)
    root = next((u.code for u in territorial if u.kind == "district"), None)
    if root is None:  # no district imported yet: departments hang loose rather than fail
        listed = [
            msgspec.structs.replace(u, parent=None) if u.parent and u.parent.isdigit() else u
            for u in listed
        ]
    return Units([*territorial, *listed])


def check_scope(
    units: Units, areas: Iterable[Area], unit: str | None, codes: Sequence[str]
) -> None:
    """A person's unit must be one of the case units, their areas the district's (for
    `UserService.known_scope`: the API and the CLI check accounts alike)."""
    if unit is not None and units.get(unit) is None:
        raise ConfigError(f"unknown unit {unit!r}; see GET /api/v1/units")
    known = {a.code for a in areas}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ConfigError(f"not areas of the district: {', '.join(unknown)}")
