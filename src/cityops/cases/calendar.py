"""The government working calendar (工作日历) that working-time limits are counted on.

A working day has fixed working periods (e.g. 08:30–12:00 and 13:30–17:30). Weekends are off,
public holidays are off, and the State Council moves some weekend days into working days
(调休上班). Holidays and make-up days come from data, one file per year, because they change
every year with the 国务院办公厅关于节假日安排的通知. For a year with no such file the calendar
knows only weekends and weekdays: `covers(day)` tells which years are known.

Times are epoch milliseconds UTC; days and periods are local to the calendar's time zone.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from cityops.core.datafile import describe
from cityops.core.errors import ConfigError

_DAY = dt.timedelta(days=1)


WeekdayName = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[WeekdayName, ...] = get_args(WeekdayName)
"""In ISO order, so a day's number is its index + 1, as `date.isoweekday()` counts."""


def parse_period(text: str) -> tuple[int, int]:
    """``"08:30-12:00"`` → minutes after local midnight ``(510, 720)``; the end may be 24:00."""
    try:
        start, end = (_minutes(part) for part in text.split("-"))
    except ValueError:
        raise ValueError(f"period {text!r} is not HH:MM-HH:MM") from None
    if not start < end:
        raise ValueError(f"period {text!r} ends before it starts")
    return start, end


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.strip().split(":")
    value = int(hours) * 60 + int(minutes)
    if len(minutes) != 2 or not 0 <= int(minutes) < 60 or not 0 <= value <= 24 * 60:
        raise ValueError(hhmm)
    return value


def _check_periods(periods: Sequence[tuple[int, int]]) -> None:
    if not periods:
        raise ValueError("a working day needs at least one working period")
    for (_, end), (start, _) in itertools.pairwise(periods):
        if start < end:
            raise ValueError("working periods must be in order and must not overlap")


class WorkingCalendar:
    """Working days and hours in one time zone; counts and adds working time.

    Each day's periods are computed once as epoch-ms intervals and cached, and every method
    walks day by day over them, so a span of n days costs O(n), not O(minutes).
    """

    def __init__(
        self,
        *,
        periods: Iterable[str] = ("08:30-12:00", "13:30-17:30"),
        weekend: Iterable[int] = (6, 7),
        holidays: Iterable[dt.date] = (),
        makeup_days: Iterable[dt.date] = (),
        years: Iterable[int] = (),
        timezone: str = "Asia/Shanghai",
    ) -> None:
        self._periods = tuple(parse_period(p) for p in periods)
        _check_periods(self._periods)
        self.weekend = frozenset(weekend)
        """ISO weekday numbers, Monday 1 … Sunday 7."""
        if not self.weekend <= set(range(1, 8)) or len(self.weekend) == 7:
            raise ValueError(f"weekend {sorted(self.weekend)} is not some of the days 1..7")
        self.holidays = frozenset(holidays)
        self.makeup_days = frozenset(makeup_days)
        if both := sorted(self.holidays & self.makeup_days):
            raise ValueError(f"{both[0]} is both a holiday and a make-up working day")
        self.years = frozenset(years)
        self.tz = ZoneInfo(timezone)
        self.working_day_s = sum(end - start for start, end in self._periods) * 60
        """The length of one working day, the unit of a working-day time limit."""
        self._intervals = functools.lru_cache(maxsize=4096)(self._compute_intervals)

    def covers(self, day: dt.date) -> bool:
        """Whether the data knows this year's holidays; if not, only weekends are off."""
        return day.year in self.years

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.makeup_days:
            return True
        return day not in self.holidays and day.isoweekday() not in self.weekend

    def is_working_time(self, ms: int) -> bool:
        return any(a <= ms < b for a, b in self._intervals(self._local_date(ms)))

    def working_ms_between(self, start_ms: int, end_ms: int) -> int:
        """Working milliseconds in [start_ms, end_ms); 0 if end is not after start."""
        if end_ms <= start_ms:
            return 0
        total = 0
        day, last = self._local_date(start_ms), self._local_date(end_ms)
        while day <= last:
            for a, b in self._intervals(day):
                total += max(0, min(b, end_ms) - max(a, start_ms))
            day += _DAY
        return total

    def add_working_ms(self, start_ms: int, ms: int) -> int:
        """The first instant by which `ms` of working time has passed since `start_ms`.

        Outside working hours the count starts with the next working period; a duration that
        ends exactly at the end of a period is due then (12:00), not after lunch.
        """
        if ms < 0:
            raise ValueError("cannot add a negative working time")
        if ms == 0:
            return start_ms
        remaining, day = ms, self._local_date(start_ms)
        while True:
            for a, b in self._intervals(day):
                if b <= start_ms:
                    continue
                begin = max(a, start_ms)
                if remaining <= b - begin:
                    return begin + remaining
                remaining -= b - begin
            day += _DAY

    def working_seconds_between(self, start_ms: int, end_ms: int) -> int:
        return self.working_ms_between(start_ms, end_ms) // 1000

    def add_working_seconds(self, start_ms: int, seconds: int) -> int:
        return self.add_working_ms(start_ms, seconds * 1000)

    def _local_date(self, ms: int) -> dt.date:
        return dt.datetime.fromtimestamp(ms // 1000, self.tz).date()

    def _compute_intervals(self, day: dt.date) -> tuple[tuple[int, int], ...]:
        if not self.is_working_day(day):
            return ()
        return tuple((self._epoch_ms(day, a), self._epoch_ms(day, b)) for a, b in self._periods)

    def _epoch_ms(self, day: dt.date, minutes: int) -> int:
        # Wall-clock time on that date (24:00 is the next midnight), so DST zones stay right.
        day, minutes = (day + _DAY, 0) if minutes == 24 * 60 else (day, minutes)
        local = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=self.tz)
        return int(local.timestamp()) * 1000


# --- data files -----------------------------------------------------------------------------

Name = Annotated[str, Field(min_length=1)]


def _valid_period(text: str) -> str:
    parse_period(text)
    return text


PeriodText = Annotated[str, AfterValidator(_valid_period)]


class Holiday(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    start: dt.date
    end: dt.date | None = None
    """Last day off, inclusive; a one-day holiday leaves it out."""

    def days(self) -> list[dt.date]:
        last = self.end or self.start
        return [self.start + n * _DAY for n in range((last - self.start).days + 1)]


class MakeupDay(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    date: dt.date


class CalendarFile(BaseModel):
    """One file of a calendar folder: settings, or one year's holidays, or both."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str | None = None
    working_periods: tuple[PeriodText, ...] | None = Field(default=None, min_length=1)
    weekend: tuple[WeekdayName, ...] | None = None
    year: int | None = Field(default=None, ge=1949, le=2200)
    holidays: tuple[Holiday, ...] = ()
    makeup_working_days: tuple[MakeupDay, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("working_periods")
    @classmethod
    def _check_periods(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None:
            _check_periods([parse_period(p) for p in value])
        return value

    @field_validator("weekend")
    @classmethod
    def _check_weekend(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None and len(set(value)) == 7:
            raise ValueError("every day of the week is a weekend day")
        return value


def _year_problems(data: CalendarFile) -> list[str]:
    """Checks across fields, reported like pydantic's: the path to the entry, then the problem."""
    if data.year is None:
        given = data.holidays or data.makeup_working_days
        return ["  year: holidays and make-up days need the year they belong to"] if given else []
    problems, offs = [], set[dt.date]()
    for i, h in enumerate(data.holidays):
        for field, day in (("start", h.start), ("end", h.end)):
            if day is not None and day.year != data.year:
                problems.append(f"  holidays.{i}.{field}: {day} is not in year {data.year}")
        if h.end is not None and h.end < h.start:
            problems.append(f"  holidays.{i}.end: {h.end} is before start {h.start}")
        offs.update(h.days())
    for i, m in enumerate(data.makeup_working_days):
        if m.date.year != data.year:
            problems.append(f"  makeup_working_days.{i}.date: {m.date} is not in year {data.year}")
        if m.date in offs:
            problems.append(f"  makeup_working_days.{i}.date: {m.date} is also a holiday")
    return problems


describe_errors = describe


def parse_calendar_file(text: str, origin: str) -> CalendarFile:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{origin}: not valid YAML: {exc}") from exc
    try:
        parsed = CalendarFile.model_validate(data or {})
    except ValidationError as exc:
        raise ConfigError(f"{origin}: invalid calendar:\n{describe_errors(exc)}") from exc
    if problems := _year_problems(parsed):
        raise ConfigError(f"{origin}: invalid calendar:\n" + "\n".join(problems))
    return parsed


def load_calendar(paths: Iterable[Path]) -> WorkingCalendar:
    """Build the calendar from YAML files and folders of them, in order.

    Later settings override earlier ones, and a later file for the same `year` replaces the
    earlier one whole, so a city's folder after the shipped one can correct or add a year.
    """
    files = [
        f
        for p in paths
        for f in (
            sorted(x for x in p.iterdir() if x.suffix in {".yaml", ".yml"}) if p.is_dir() else [p]
        )
    ]
    timezone = "Asia/Shanghai"
    periods: tuple[str, ...] = ()
    weekend: tuple[WeekdayName, ...] = ("saturday", "sunday")
    years: dict[int, tuple[str, CalendarFile]] = {}
    for path in files:
        data = parse_calendar_file(path.read_text(encoding="utf-8"), str(path))
        timezone = data.timezone or timezone
        periods = data.working_periods or periods
        weekend = weekend if data.weekend is None else data.weekend
        if data.year is not None:
            years[data.year] = (str(path), data)
    origin = ", ".join(str(f) for f in files) or "no calendar files"
    if not periods:
        raise ConfigError(f"{origin}: no file sets working_periods")
    weekdays = [WEEKDAYS.index(name) + 1 for name in weekend]
    for path_name, data in years.values():
        for i, m in enumerate(data.makeup_working_days):
            if m.date.isoweekday() not in weekdays:
                raise ConfigError(
                    f"{path_name}: invalid calendar:\n  makeup_working_days.{i}.date: "
                    f"{m.date} is not a weekend day, so it is a working day already"
                )
    return WorkingCalendar(
        periods=periods,
        weekend=weekdays,
        holidays=[d for _, data in years.values() for h in data.holidays for d in h.days()],
        makeup_days=[m.date for _, data in years.values() for m in data.makeup_working_days],
        years=years.keys(),
        timezone=timezone,
    )


def shipped_calendar_dir() -> Path:
    return Path(str(resources.files("cityops") / "data" / "cases" / "calendar"))
