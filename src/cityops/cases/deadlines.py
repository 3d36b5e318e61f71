"""Time limits (处置时限) and the case clock that counts against them.

Each dispatched case has a limit by event class and severity, counted in working time on the
`WorkingCalendar` or, for urgent matters (flooding, fire), in calendar time. The clock starts
at dispatch, stops while the case is on hold (挂账) or deferred (缓办), and grows with each
approved extension (延期). The limits are data (`data/cases/time_limits.yaml`) that each city
sets; the clock is a pure value, recomputed from the case whenever it is asked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from cityops.cases.calendar import WorkingCalendar, describe_errors
from cityops.core.errors import ConfigError
from cityops.events.model import Severity

_LIMIT = re.compile(r"^([1-9][0-9]*)([mhd])$")
_CALENDAR_UNIT_S = {"m": 60, "h": 3600, "d": 86400}


class Mode(StrEnum):
    WORKING = "working"  # counted on the working calendar only
    CALENDAR = "calendar"  # counted around the clock (自然时)


class Light(StrEnum):
    """What the operator sees: 绿灯 in time, 黄灯 close to the limit, 红灯 past it."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True, slots=True)
class TimeLimit:
    seconds: int
    mode: Mode

    def __post_init__(self) -> None:
        if self.seconds <= 0:
            raise ValueError(f"a time limit must be positive, not {self.seconds} s")

    @classmethod
    def parse(cls, text: str, mode: Mode, working_day_s: int) -> TimeLimit:
        """``"30m"``, ``"2h"``, ``"3d"``; a working ``d`` is `working_day_s` of working time."""
        match = _LIMIT.match(text.strip())
        if match is None:
            raise ValueError(f"time limit {text!r} is not a whole number of m, h or d, e.g. '2h'")
        amount, unit = int(match[1]), match[2]
        per_unit = working_day_s if unit == "d" and mode is Mode.WORKING else _CALENDAR_UNIT_S[unit]
        return cls(amount * per_unit, mode)


# --- the limits table -----------------------------------------------------------------------

LimitText = Annotated[str, Field(pattern=_LIMIT.pattern)]


class LimitSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: LimitText
    mode: Mode


class LimitEntry(LimitSpec):
    class_code: Annotated[str, Field(pattern=r"^[EC]\d{2}(\d{2})?$")]
    """An exact class (``E1001``) or a major class prefix (``E10``)."""
    severity: Severity | None = None


class TimeLimitsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default: LimitSpec
    yellow_share: float = Field(default=0.8, gt=0, lt=1)
    """Share of the limit used at which the light turns yellow."""
    limits: tuple[LimitEntry, ...] = ()

    @model_validator(mode="after")
    def _check_unique(self) -> Self:
        seen: dict[tuple[str, Severity | None], int] = {}
        for i, entry in enumerate(self.limits):
            key = (entry.class_code, entry.severity)
            if key in seen:
                raise ValueError(
                    f"limits.{i} repeats limits.{seen[key]} ({entry.class_code}, "
                    f"severity {entry.severity or 'any'})"
                )
            seen[key] = i
        return self


class TimeLimits:
    """The limit for a class and severity: the most specific entry wins.

    Exact code + severity, then exact code, then major prefix + severity, then major prefix,
    then the default.
    """

    def __init__(
        self,
        default: TimeLimit,
        entries: dict[tuple[str, Severity | None], TimeLimit],
        yellow_share: float = 0.8,
    ) -> None:
        self.default = default
        self.yellow_share = yellow_share
        self._entries = dict(entries)

    def limit_for(self, class_code: str, severity: Severity) -> TimeLimit:
        major = class_code[:3]
        for key in ((class_code, severity), (class_code, None), (major, severity), (major, None)):
            if (found := self._entries.get(key)) is not None:
                return found
        return self.default


def parse_time_limits(text: str, origin: str, calendar: WorkingCalendar) -> TimeLimits:
    """Parse a limits file; working days are converted with the calendar's day length."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{origin}: not valid YAML: {exc}") from exc
    try:
        spec = TimeLimitsFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{origin}: invalid time limits:\n{describe_errors(exc)}") from exc

    def limit(s: LimitSpec) -> TimeLimit:
        return TimeLimit.parse(s.limit, s.mode, calendar.working_day_s)

    entries = {(e.class_code, e.severity): limit(e) for e in spec.limits}
    return TimeLimits(limit(spec.default), entries, spec.yellow_share)


def load_time_limits(calendar: WorkingCalendar, path: Path | None = None) -> TimeLimits:
    path = path or shipped_time_limits_path()
    return parse_time_limits(path.read_text(encoding="utf-8"), str(path), calendar)


def shipped_time_limits_path() -> Path:
    return Path(str(resources.files("cityops") / "data" / "cases" / "time_limits.yaml"))


# --- the clock ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseClock:
    """How much of a case's limit is used, computed from its history; no state of its own.

    `pauses` are (start, end) with end None while the pause goes on; paused time does not
    count (working time for a working limit, any time for a calendar one). Overlapping pauses
    count once; time before dispatch never counts. Extensions are seconds in the limit's mode
    and add up. Times are epoch ms.
    """

    limit: TimeLimit
    dispatched_at: int
    calendar: WorkingCalendar
    pauses: Sequence[tuple[int, int | None]] = ()
    extensions_s: Sequence[int] = ()

    def __post_init__(self) -> None:
        for start, end in self.pauses:
            if end is not None and end < start:
                raise ValueError(f"pause ({start}, {end}) ends before it starts")
        if any(s < 0 for s in self.extensions_s):
            raise ValueError("an extension cannot be negative")

    @property
    def total_ms(self) -> int:
        """The limit plus all approved extensions, in the limit's mode."""
        return (self.limit.seconds + sum(self.extensions_s)) * 1000

    def counted_ms(self, now: int) -> int:
        """Time counted against the limit from dispatch to `now`, pauses left out."""
        total = 0
        for start, end in self._running_spans():
            if start >= now:
                break
            total += self._between(start, now if end is None else min(end, now))
        return total

    def due_at(self) -> int | None:
        """When the limit runs out; None if a pause still going on came before that."""
        remaining = self.total_ms
        for start, end in self._running_spans():
            if end is None:  # running from here on, no pause to come
                return self._add(start, remaining)
            available = self._between(start, end)
            if remaining <= available:
                return self._add(start, remaining)
            remaining -= available
        return None

    def remaining_s(self, now: int) -> int:
        """Limit time left (working seconds for a working limit); 0 once overdue."""
        return max(0, self.total_ms - self.counted_ms(now)) // 1000

    def used_share(self, now: int) -> float:
        """0 at dispatch, 1 at the due time, above 1 once overdue."""
        return self.counted_ms(now) / self.total_ms

    def overdue(self, now: int) -> bool:
        """Whether the limit has run out (at the due instant itself, too)."""
        return self.counted_ms(now) >= self.total_ms

    def overdue_s(self, now: int) -> int:
        """How far past the limit, counted like the limit (paused time does not add)."""
        return max(0, self.counted_ms(now) - self.total_ms) // 1000

    def light(self, now: int, yellow_share: float = 0.8) -> Light:
        share = self.used_share(now)
        if share >= 1:
            return Light.RED
        return Light.YELLOW if share >= yellow_share else Light.GREEN

    def _running_spans(self) -> list[tuple[int, int | None]]:
        """The stretches between pauses, in order; the last is open-ended unless paused."""
        spans: list[tuple[int, int | None]] = []
        cursor: int | None = self.dispatched_at
        for start, end in sorted(self.pauses, key=lambda p: p[0]):
            if cursor is None:  # an open pause swallows everything after it
                break
            if start > cursor:
                spans.append((cursor, start))
            cursor = None if end is None else max(cursor, end)
        if cursor is not None:
            spans.append((cursor, None))
        return spans

    def _between(self, start: int, end: int) -> int:
        if self.limit.mode is Mode.CALENDAR:
            return max(0, end - start)
        return self.calendar.working_ms_between(start, end)

    def _add(self, start: int, ms: int) -> int:
        if self.limit.mode is Mode.CALENDAR:
            return start + ms
        return self.calendar.add_working_ms(start, ms)
