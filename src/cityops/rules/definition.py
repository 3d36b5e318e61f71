"""The rule language: what operators write (YAML or JSON), parsed into typed definitions.

A rule says which devices it watches (`scope`), when they are in breach (`condition`), and
what event that is (`class_code`, `severity`, `message`). Conditions are a tagged union on
`type` and nest (`sustained`, `all`, `any` hold other conditions). The models here check
shape and types only; `checks.py` adds the cross-field rules with precise paths.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from cityops.events.model import Severity
from cityops.rules.gb3838 import Parameter, WaterClass

RuleId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
PropertyId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
AreaCode = Annotated[str, Field(pattern=r"^[0-9]{6,16}$")]
Seconds = Annotated[float, Field(gt=0, le=30 * 86_400)]
Pair = tuple[float, float]

DEFAULT_MESSAGE = "{device_name}：{rule_name}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Threshold(_Strict):
    """`property op value` (e.g. > 50, clear below 45), or `property equals value` for flags."""

    type: Literal["threshold"]
    property: PropertyId
    op: Literal[">", ">=", "<", "<=", "between", "outside"] | None = None
    value: float | Pair | None = None
    clear: float | Pair | None = None
    """Hysteresis: once in breach, stays so until the value passes this level (or range)."""
    equals: bool | float | str | None = None


class Sustained(_Strict):
    """The inner condition must hold for `for_s` (by reading time) before the rule raises."""

    type: Literal["sustained"]
    condition: Condition
    for_s: Seconds
    clear_for_s: Annotated[float, Field(ge=0, le=30 * 86_400)] = 0
    """Once raised, the inner condition must be false this long before the rule clears."""


class Rate(_Strict):
    """The property moved by at least `delta` within `window_s` (rising for `up`)."""

    type: Literal["rate"]
    property: PropertyId
    direction: Literal["up", "down"] = "up"
    delta: Annotated[float, Field(gt=0)]
    window_s: Annotated[float, Field(gt=0, le=86_400)]
    clear: Annotated[float, Field(ge=0)] | None = None
    """Cleared when the change within the window falls below this (default: `delta`)."""


class NoData(_Strict):
    """Nothing received from the device for `for_s`; only as a rule's whole condition."""

    type: Literal["no_data"]
    for_s: Seconds


class Band(_Strict):
    above: float
    """The band starts at this value (inclusive)."""
    severity: Severity


class Bands(_Strict):
    """Severity by level: the highest band the value reaches; cleared below `clear`."""

    type: Literal["bands"]
    property: PropertyId
    bands: tuple[Band, ...] = Field(min_length=1, max_length=10)
    clear: float
    margin: Annotated[float, Field(ge=0)] = 0
    """De-escalate from a band only once the value is this far below it (stops flapping)."""


class WaterQuality(_Strict):
    """GB 3838-2002 class over several parameters; raises when worse than `worse_than`."""

    type: Literal["water_quality"]
    standard: Literal["GB 3838-2002"] = "GB 3838-2002"
    parameters: dict[Parameter, PropertyId] = Field(min_length=1)
    """Standard parameter → the device property that measures it, e.g. nh3n: nh3n_mg_l."""
    worse_than: WaterClass
    clear_at: WaterClass | None = None
    """Cleared when the class is this or better (default: `worse_than`)."""
    severities: dict[WaterClass, Severity] = Field(default_factory=dict)


class AllOf(_Strict):
    type: Literal["all"]
    conditions: tuple[Condition, ...] = Field(min_length=1, max_length=20)


class AnyOf(_Strict):
    type: Literal["any"]
    conditions: tuple[Condition, ...] = Field(min_length=1, max_length=20)


Condition = Annotated[
    Threshold | Sustained | Rate | NoData | Bands | WaterQuality | AllOf | AnyOf,
    Field(discriminator="type"),
]
CONDITION_TYPES = frozenset(
    {"threshold", "sustained", "rate", "no_data", "bands", "water_quality", "all", "any"}
)


class Scope(_Strict):
    """Which devices a rule watches: OR within each list, AND across lists; empty = any."""

    models: tuple[PropertyId, ...] = ()
    grids: tuple[AreaCode, ...] = ()
    """Area codes (grid, community or street); a device matches by prefix of its grid code."""
    tags: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()


class Rule(_Strict):
    id: RuleId
    name_zh: str = Field(min_length=1, max_length=100)
    name_en: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    enabled: bool = True
    scope: Scope = Scope()
    condition: Condition
    class_code: str = Field(pattern=r"^[A-Z][0-9]{4}$")
    severity: Severity | None = None
    """The event's severity when the condition does not grade it (bands, water quality)."""
    message: str = Field(default=DEFAULT_MESSAGE, min_length=1, max_length=300)
    """Event title template (Chinese), e.g. "{device_name}积水{value}{unit}"."""
    message_en: str = Field(default="", max_length=300)
    clear_message: str = Field(default="", max_length=300)
    """Template of the reason given when the event clears."""
    owner_unit: str = Field(default="", max_length=100)
    """The unit that handles these events (责任单位), for dispatch."""
    advice: str = Field(default="", max_length=1000)
    """What the handler should do (处置建议)."""
    tags: tuple[str, ...] = ()


for _model in (Sustained, AllOf, AnyOf, Rule):
    _model.model_rebuild()
