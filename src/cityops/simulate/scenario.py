"""Scenario files: what happens in the district, when, declared as YAML and checked on load.

Times are scenario seconds from the start; the simulator's `speed` maps them to real time.
Devices are named by device id (UWL-UP-007) or, for fixed places, by place id (UP-007);
anything left unnamed is chosen from the fleet by the seed.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cityops.core.datafile import parse_yaml
from cityops.core.errors import ConfigError

Seconds = Annotated[float, Field(ge=0)]
Span = Annotated[float, Field(gt=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rainstorm(_Strict):
    """Underpasses fill up, hold, and drain; each peaks at its own depth from `peak_cm`."""

    kind: Literal["rainstorm"]
    underpasses: tuple[str, ...] = ()
    count: int = Field(default=0, ge=0)
    """How many more underpasses the seed picks, besides those named."""
    start_s: Seconds = 0
    stagger_s: Seconds = 120
    """The storm cell crosses the district: each underpass starts up to this much later."""
    rise_s: Span = 900
    hold_s: Seconds = 1200
    recede_s: Span = 1800
    peak_cm: tuple[float, float] = (8.0, 60.0)
    report_every_s: Span = 60

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.underpasses and not self.count:
            raise ValueError("name `underpasses` or give a `count` to choose")
        low, high = self.peak_cm
        if not 0 < low <= high <= 500:
            raise ValueError("peak_cm must be [low, high] with 0 < low <= high <= 500")
        return self

    @property
    def end_s(self) -> float:
        return self.start_s + self.stagger_s + self.rise_s + self.hold_s + self.recede_s


class PollutionSpill(_Strict):
    """A station's readings turn worse than GB 3838 Class V, then the river flushes it out."""

    kind: Literal["pollution_spill"]
    station: str | None = None
    start_s: Seconds = 0
    duration_s: Span = 1800
    ramp_s: Seconds = 300
    recover_s: Seconds = 900
    nh3n_mg_l: float = Field(default=6.0, gt=2.0, le=100)
    cod_mg_l: float = Field(default=85.0, gt=40.0, le=1000)
    do_mg_l: float = Field(default=1.2, ge=0, lt=2.0)
    report_every_s: Span = 120

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.ramp_s >= self.duration_s:
            raise ValueError("ramp_s must be shorter than duration_s")
        return self

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s + self.recover_s


class FireAlarm(_Strict):
    """A venue's wiring overheats and leaks current; smoke follows after `smoke_after_s`."""

    kind: Literal["fire_alarm"]
    venue: str | None = None
    """SMK-000042, EFS-000042 or 000042: the venue with that number."""
    start_s: Seconds = 0
    duration_s: Span = 900
    smoke_after_s: Seconds = 180
    report_every_s: Span = 60

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.smoke_after_s >= self.duration_s:
            raise ValueError("smoke_after_s must be shorter than duration_s")
        return self

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


class ManholeDisplaced(_Strict):
    """A manhole cover is knocked askew and stays so until repaired (or the end)."""

    kind: Literal["manhole_displaced"]
    device: str | None = None
    start_s: Seconds = 0
    duration_s: Span | None = None
    tilt_deg: float = Field(default=38.0, gt=15, le=180)
    report_every_s: Span = 300

    @property
    def end_s(self) -> float:
        return self.start_s + (self.duration_s or float("inf"))


class Dropout(_Strict):
    """Devices go silent for a while (power cut, NB-IoT outage), so offline detection fires."""

    kind: Literal["dropout"]
    devices: tuple[str, ...] = ()
    fraction: float = Field(default=0.0, ge=0, le=1)
    models: tuple[str, ...] = ()
    """Restrict the `fraction` to devices of these thing models."""
    start_s: Seconds = 0
    duration_s: Span = 1800

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.devices and not self.fraction:
            raise ValueError("name `devices` or give a `fraction` to choose")
        return self

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


class Detections(_Strict):
    """A video-analytics vendor reports what cameras see: from each chosen camera, the same
    `label` `repeat` times, `every_s` apart, as `POST /api/v1/detections` with a snapshot."""

    kind: Literal["detections"]
    vendor: str = Field(min_length=1, max_length=64)
    label: str = Field(min_length=1, max_length=100)
    cameras: tuple[str, ...] = ()
    count: int = Field(default=0, ge=0)
    """How many more cameras (with AI enabled and not silenced) the seed picks."""
    near: str | None = None
    """Pick the `count` such cameras nearest this device or place instead (WQS-WQ-03, WQ-03)."""
    start_s: Seconds = 0
    every_s: Span = 300
    repeat: int = Field(default=1, ge=1, le=10_000)
    confidence: tuple[float, float] = (0.75, 0.95)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.cameras and not self.count:
            raise ValueError("name `cameras` or give a `count` to choose")
        low, high = self.confidence
        if not 0 <= low <= high <= 1:
            raise ValueError("confidence must be [low, high] with 0 <= low <= high <= 1")
        return self

    @property
    def end_s(self) -> float:
        return self.start_s + self.every_s * (self.repeat - 1)


Incident = Annotated[
    Rainstorm | PollutionSpill | FireAlarm | ManholeDisplaced | Dropout | Detections,
    Field(discriminator="kind"),
]


class Scenario(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    seed: int = 7
    speed: float = Field(default=1.0, gt=0, le=100_000)
    duration_s: Span = 3600
    start_clock: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    """Local time of day (Asia/Shanghai) at scenario start; drives the daily cycles."""
    incidents: tuple[Incident, ...] = ()

    @model_validator(mode="after")
    def _check_times(self) -> Self:
        for i, incident in enumerate(self.incidents):
            if incident.start_s >= self.duration_s:
                raise ValueError(
                    f"incidents[{i}] ({incident.kind}) starts at {incident.start_s:g} s,"
                    f" not before the end of the scenario ({self.duration_s:g} s)"
                )
        return self

    @property
    def start_clock_s(self) -> int:
        hours, minutes = self.start_clock.split(":")
        return int(hours) * 3600 + int(minutes) * 60


def parse_scenario(text: str, origin: str) -> Scenario:
    """Parse a scenario from YAML text; errors name `origin` and each failing field."""
    return parse_yaml(text, origin, Scenario, "scenario")


def load_scenario(path: Path) -> Scenario:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read scenario: {exc.strerror}") from exc
    return parse_scenario(text, str(path))


def shipped_scenarios_dir() -> Path:
    return Path(str(resources.files("cityops") / "data" / "scenarios"))


def resolve_scenario(name_or_path: str) -> Scenario:
    """`demo` or `rainstorm` for a shipped scenario, else a path to a YAML file."""
    if re.fullmatch(r"[a-z][a-z0-9_-]*", name_or_path):
        shipped = shipped_scenarios_dir() / f"{name_or_path}.yaml"
        if shipped.exists():
            return load_scenario(shipped)
    return load_scenario(Path(name_or_path))
