"""Load the Open311 service list (YAML), checked against the spec's rules and the taxonomy.

A service that names an unknown event class, or a list attribute without values, would fail
on the first citizen report; loading refuses it instead, naming the file, service and field.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from cityops.core.errors import ConfigError
from cityops.events.model import Severity
from cityops.open311.model import (
    Attribute,
    AttributeValue,
    Catalog,
    Datatype,
    Service,
    ServiceType,
)
from cityops.taxonomy.model import Kind, Taxonomy

_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")
_LISTS = (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Value(_Strict):
    key: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
    name: str = Field(min_length=1)
    severity: Severity | None = None


class _Attribute(_Strict):
    code: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,31}$")]
    datatype: Datatype
    description: str = Field(min_length=1)
    required: bool = False
    variable: bool = True
    datatype_description: str | None = None
    values: list[_Value] = []
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if (self.datatype in _LISTS) != bool(self.values):
            raise ValueError("values belong to (and are needed by) list datatypes only")
        keys = [v.key for v in self.values]
        if len(set(keys)) != len(keys):
            raise ValueError("value keys must be unique")
        if (self.min is not None or self.max is not None) and self.datatype != Datatype.NUMBER:
            raise ValueError("min/max apply to number attributes only")
        return self


class _Service(_Strict):
    service_code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,63}$")]
    service_name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    group: str = Field(min_length=1)
    keywords: list[str] = []
    type: ServiceType = ServiceType.REALTIME
    class_code: str
    component_code: str | None = None
    severity: Severity = Severity.BLUE
    dedup_radius_m: float = Field(gt=0, le=5000)
    dedup_window_s: int = Field(gt=0)
    service_notice: str | None = None
    attributes: list[_Attribute] = []

    @model_validator(mode="after")
    def _check(self) -> Self:
        codes = [a.code for a in self.attributes]
        if len(set(codes)) != len(codes):
            raise ValueError("attribute codes must be unique")
        return self


class _Catalog(_Strict):
    jurisdiction_id: str = Field(min_length=1)
    utc_offset: str
    changeset: str = Field(min_length=1)
    contact: str = Field(min_length=1)
    key_service: str = Field(min_length=1)
    services: list[_Service] = Field(min_length=1)


def shipped_catalog_path() -> Path:
    return Path(str(resources.files("cityops") / "data" / "open311" / "services.yaml"))


def load_catalog(taxonomy: Taxonomy, path: Path | None = None) -> Catalog:
    path = path or shipped_catalog_path()
    try:
        raw = _Catalog.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}"
            for e in exc.errors()
        )
        raise ConfigError(f"{path}: {problems}") from exc
    codes = [s.service_code for s in raw.services]
    if len(set(codes)) != len(codes):
        raise ConfigError(f"{path}: service codes must be unique")
    for service in raw.services:
        _check_classes(taxonomy, service, f"{path}: service {service.service_code}")
    return Catalog(
        jurisdiction_id=raw.jurisdiction_id,
        utc_offset_min=_minutes(raw.utc_offset, path),
        changeset=raw.changeset,
        contact=raw.contact,
        key_service=raw.key_service,
        services=tuple(_service(s) for s in raw.services),
    )


def _minutes(offset: str, path: Path) -> int:
    """``+08:00`` → 480: the district's fixed offset from UTC (China keeps no summer time)."""
    match = _OFFSET.fullmatch(offset)
    if match is None:
        raise ConfigError(f"{path}: utc_offset: expected e.g. +08:00, got {offset!r}")
    sign, hours, minutes = match.groups()
    return (1 if sign == "+" else -1) * (int(hours) * 60 + int(minutes))


def _check_classes(taxonomy: Taxonomy, service: _Service, where: str) -> None:
    event_class = taxonomy.get(service.class_code)
    if event_class is None or event_class.kind is not Kind.EVENT:
        raise ConfigError(f"{where}: class_code {service.class_code} is not an event class")
    if service.component_code is not None:
        component = taxonomy.get(service.component_code)
        if component is None or component.kind is not Kind.COMPONENT:
            raise ConfigError(
                f"{where}: component_code {service.component_code} is not a component class"
            )


def _service(s: _Service) -> Service:
    return Service(
        service_code=s.service_code,
        service_name=s.service_name,
        description=s.description,
        group=s.group,
        keywords=tuple(s.keywords),
        type=s.type,
        class_code=s.class_code,
        component_code=s.component_code,
        severity=s.severity,
        dedup_radius_m=s.dedup_radius_m,
        dedup_window_s=s.dedup_window_s,
        service_notice=s.service_notice,
        attributes=tuple(
            Attribute(
                code=a.code,
                datatype=a.datatype,
                description=a.description,
                order=order,
                required=a.required,
                variable=a.variable,
                datatype_description=a.datatype_description,
                values=tuple(
                    AttributeValue(key=v.key, name=v.name, severity=v.severity) for v in a.values
                ),
                min=a.min,
                max=a.max,
            )
            for order, a in enumerate(s.attributes, start=1)
        ),
    )
