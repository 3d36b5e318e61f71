"""Time limits are data; the case clock counts against them, pausing and extending as told."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cityops.cases.calendar import WorkingCalendar, load_calendar, shipped_calendar_dir
from cityops.cases.deadlines import (
    CaseClock,
    Light,
    Mode,
    TimeLimit,
    load_time_limits,
    parse_time_limits,
)
from cityops.core.errors import ConfigError
from cityops.events.model import Severity

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = 3600
MINUTE = 60


def at(local: str) -> int:
    """Epoch ms of a wall-clock time in Shanghai, e.g. ``at("2026-03-06 16:30")``."""
    return int(dt.datetime.fromisoformat(local).replace(tzinfo=SHANGHAI).timestamp()) * 1000


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return load_calendar([shipped_calendar_dir()])


def working(hours: float) -> TimeLimit:
    return TimeLimit(round(hours * HOUR), Mode.WORKING)


def calendar_time(hours: float) -> TimeLimit:
    return TimeLimit(round(hours * HOUR), Mode.CALENDAR)


# --- limits ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "mode", "seconds"),
    [
        ("30m", Mode.CALENDAR, 30 * MINUTE),
        ("2h", Mode.WORKING, 2 * HOUR),
        ("1d", Mode.CALENDAR, 24 * HOUR),
        ("3d", Mode.WORKING, 3 * 27_000),  # three working days of 7.5 h
    ],
)
def test_a_limit_reads_minutes_hours_and_days(text: str, mode: Mode, seconds: int) -> None:
    assert TimeLimit.parse(text, mode, working_day_s=27_000) == TimeLimit(seconds, mode)


@pytest.mark.parametrize("text", ["2", "1.5h", "0h", "2 hours", "-1d", "3w"])
def test_a_limit_that_is_not_a_whole_number_of_units_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a whole number"):
        TimeLimit.parse(text, Mode.WORKING, working_day_s=27_000)


def test_the_shipped_limits_treat_urgent_matters_in_calendar_time(cal: WorkingCalendar) -> None:
    limits = load_time_limits(cal)
    assert limits.limit_for("E1001", Severity.RED) == calendar_time(1)
    assert limits.limit_for("E1001", Severity.ORANGE) == calendar_time(2)
    assert limits.limit_for("E1001", Severity.YELLOW) == calendar_time(4)
    assert limits.limit_for("E1001", Severity.BLUE) == working(7.5)
    assert limits.limit_for("E1003", Severity.BLUE) == calendar_time(0.5)
    assert limits.limit_for("E1005", Severity.RED) == calendar_time(2)
    assert limits.limit_for("E1002", Severity.YELLOW) == working(7.5)
    assert limits.limit_for("E0102", Severity.BLUE) == working(2)
    assert limits.limit_for("E0503", Severity.BLUE) == working(4)
    assert limits.limit_for("E1006", Severity.BLUE) == working(3 * 7.5)
    assert limits.limit_for("E9901", Severity.RED) == working(3 * 7.5)
    assert limits.yellow_share == 0.8


SPECIFIC = """
default: {limit: 5d, mode: working}
limits:
  - {class_code: E05, limit: 4h, mode: working}
  - {class_code: E05, severity: red, limit: 3h, mode: working}
  - {class_code: E0501, limit: 2h, mode: working}
  - {class_code: E0501, severity: red, limit: 1h, mode: calendar}
"""


@pytest.mark.parametrize(
    ("code", "severity", "expected"),
    [
        ("E0501", Severity.RED, calendar_time(1)),  # exact code + severity
        ("E0501", Severity.BLUE, working(2)),  # exact code
        ("E0502", Severity.RED, working(3)),  # prefix + severity
        ("E0502", Severity.BLUE, working(4)),  # prefix
        ("E0601", Severity.RED, working(5 * 7.5)),  # default
    ],
)
def test_the_most_specific_limit_wins(
    cal: WorkingCalendar, code: str, severity: Severity, expected: TimeLimit
) -> None:
    limits = parse_time_limits(SPECIFIC, "limits.yaml", cal)
    assert limits.limit_for(code, severity) == expected


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("limits: []", "default", "Field required"),
        ("default: {limit: 3d}", "default.mode", "Field required"),
        ("default: {limit: 3d, mode: wall}", "default.mode", "'working' or 'calendar'"),
        ("default: {limit: 3 days, mode: working}", "default.limit", "should match pattern"),
        (
            "default: {limit: 3d, mode: working}\n"
            "limits: [{class_code: E1001, severity: purple, limit: 1h, mode: calendar}]",
            "limits.0.severity",
            "'blue', 'yellow', 'orange' or 'red'",
        ),
        (
            "default: {limit: 3d, mode: working}\n"
            "limits: [{class_code: X1001, limit: 1h, mode: calendar}]",
            "limits.0.class_code",
            "should match pattern",
        ),
        (
            "default: {limit: 3d, mode: working}\n"
            "limits: [{class_code: E10, limit: 1h, mode: calendar, note: x}]",
            "limits.0.note",
            "Extra inputs are not permitted",
        ),
        (
            "default: {limit: 3d, mode: working}\n"
            "limits: [{class_code: E10, limit: 1h, mode: calendar},\n"
            "         {class_code: E10, limit: 2h, mode: calendar}]",
            "(top level)",
            "limits.1 repeats limits.0",
        ),
        ("default: {limit: 3d, mode: working}\nyellow_share: 1.2", "yellow_share", "less than 1"),
    ],
)
def test_an_invalid_limits_file_names_the_file_and_the_field(
    tmp_path: Path, cal: WorkingCalendar, text: str, field: str, message: str
) -> None:
    path = tmp_path / "time_limits.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_time_limits(cal, path)
    assert str(path) in str(info.value)
    assert f"  {field}: " in str(info.value)
    assert message in str(info.value)


def test_a_limit_of_no_time_is_refused() -> None:
    with pytest.raises(ValueError, match="must be positive"):
        TimeLimit(0, Mode.CALENDAR)


# --- the clock ------------------------------------------------------------------------------


def test_two_working_hours_from_friday_16_30_are_due_monday_09_30(cal: WorkingCalendar) -> None:
    clock = CaseClock(working(2), at("2026-03-06 16:30"), cal)
    assert clock.due_at() == at("2026-03-09 09:30")
    assert clock.remaining_s(at("2026-03-07 12:00")) == HOUR  # the weekend does not count


def test_a_clock_started_at_23_00_counts_from_08_30(cal: WorkingCalendar) -> None:
    clock = CaseClock(working(2), at("2026-03-04 23:00"), cal)
    assert clock.due_at() == at("2026-03-05 10:30")
    assert clock.used_share(at("2026-03-05 08:30")) == 0


def test_a_calendar_limit_ignores_nights_weekends_and_holidays(cal: WorkingCalendar) -> None:
    clock = CaseClock(calendar_time(1), at("2026-10-03 23:30"), cal)  # 国庆 Saturday night
    assert clock.due_at() == at("2026-10-04 00:30")


def test_pause_and_resume_shift_the_due_time_by_the_paused_working_time(
    cal: WorkingCalendar,
) -> None:
    dispatched = at("2026-03-04 09:00")
    assert CaseClock(working(4), dispatched, cal).due_at() == at("2026-03-04 14:30")
    # paused 11:00–14:00: 1.5 working hours (lunch excluded), so due 1.5 working hours later
    paused = CaseClock(
        working(4), dispatched, cal, [(at("2026-03-04 11:00"), at("2026-03-04 14:00"))]
    )
    assert paused.due_at() == at("2026-03-04 16:00")
    assert paused.counted_ms(at("2026-03-04 14:00")) == 2 * HOUR * 1000


def test_pauses_in_calendar_mode_subtract_calendar_time(cal: WorkingCalendar) -> None:
    pauses = [
        (at("2026-03-07 00:10"), at("2026-03-07 00:40")),
        (at("2026-03-07 01:00"), at("2026-03-07 01:05")),
    ]
    clock = CaseClock(calendar_time(1), at("2026-03-07 00:00"), cal, pauses)
    assert clock.due_at() == at("2026-03-07 01:35")


def test_while_paused_the_due_time_is_unknown_and_the_clock_stands_still(
    cal: WorkingCalendar,
) -> None:
    clock = CaseClock(working(2), at("2026-03-04 09:00"), cal, [(at("2026-03-04 10:00"), None)])
    assert clock.due_at() is None
    assert clock.remaining_s(at("2026-03-10 10:00")) == HOUR
    assert clock.light(at("2026-03-10 10:00")) == Light.GREEN


def test_a_case_already_overdue_when_paused_keeps_its_due_time(cal: WorkingCalendar) -> None:
    clock = CaseClock(working(1), at("2026-03-04 09:00"), cal, [(at("2026-03-04 11:00"), None)])
    assert clock.due_at() == at("2026-03-04 10:00")
    assert clock.overdue_s(at("2026-03-05 11:00")) == HOUR


def test_approved_extensions_add_up_and_move_the_due_time(cal: WorkingCalendar) -> None:
    dispatched = at("2026-03-04 09:00")
    assert CaseClock(working(2), dispatched, cal, extensions_s=[HOUR]).due_at() == at(
        "2026-03-04 12:00"
    )
    twice = CaseClock(working(2), dispatched, cal, extensions_s=[HOUR, HOUR])
    assert twice.due_at() == at("2026-03-04 14:30")


def test_lights_turn_yellow_at_80_percent_and_red_at_100(cal: WorkingCalendar) -> None:
    dispatched = at("2026-03-07 00:00")
    clock = CaseClock(calendar_time(2), dispatched, cal)
    minutes = [(dispatched + m * 60_000) for m in (0, 95, 96, 119, 120, 130)]
    assert [clock.light(t) for t in minutes] == ["green", "green", "yellow", "yellow", "red", "red"]
    assert [clock.overdue(t) for t in minutes] == [False] * 4 + [True] * 2
    assert clock.overdue_s(minutes[-1]) == 10 * MINUTE
    assert clock.remaining_s(minutes[1]) == 25 * MINUTE


def test_the_yellow_share_is_the_callers_to_set(cal: WorkingCalendar) -> None:
    clock = CaseClock(working(2), at("2026-03-04 09:00"), cal)
    assert clock.light(at("2026-03-04 10:00"), yellow_share=0.5) == Light.YELLOW
    assert clock.light(at("2026-03-04 10:00")) == Light.GREEN


def test_a_pause_that_ends_before_it_starts_is_refused(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        CaseClock(
            working(2),
            at("2026-03-04 09:00"),
            cal,
            [(at("2026-03-04 10:00"), at("2026-03-04 09:30"))],
        )


def test_overlapping_pauses_count_once(cal: WorkingCalendar) -> None:
    dispatched, hold = at("2026-03-04 09:00"), (at("2026-03-04 10:00"), at("2026-03-04 11:00"))
    nested = (at("2026-03-04 10:15"), at("2026-03-04 10:30"))
    once = CaseClock(working(4), dispatched, cal, [hold])
    both = CaseClock(working(4), dispatched, cal, [hold, nested])
    assert both.due_at() == once.due_at() == at("2026-03-04 15:30")
    assert both.counted_ms(at("2026-03-04 12:00")) == 2 * HOUR * 1000
