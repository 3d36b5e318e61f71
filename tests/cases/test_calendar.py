"""The working calendar counts office hours only: no lunch, evenings, weekends or holidays."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cityops.cases.calendar import WorkingCalendar, load_calendar, shipped_calendar_dir
from cityops.core.errors import ConfigError

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = 3600


def at(local: str) -> int:
    """Epoch ms of a wall-clock time in Shanghai, e.g. ``at("2026-03-06 16:30")``."""
    return int(dt.datetime.fromisoformat(local).replace(tzinfo=SHANGHAI).timestamp()) * 1000


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return load_calendar([shipped_calendar_dir()])


def test_the_shipped_calendar_works_0830_to_1730_with_a_lunch_break(cal: WorkingCalendar) -> None:
    assert cal.working_day_s == 7.5 * HOUR
    assert cal.is_working_time(at("2026-03-04 08:30"))
    assert not cal.is_working_time(at("2026-03-04 12:30"))
    assert not cal.is_working_time(at("2026-03-04 17:30"))


def test_lunch_break_does_not_count(cal: WorkingCalendar) -> None:
    assert cal.working_seconds_between(at("2026-03-04 11:00"), at("2026-03-04 14:00")) == 1.5 * HOUR


def test_evening_and_night_do_not_count(cal: WorkingCalendar) -> None:
    assert cal.working_seconds_between(at("2026-03-04 17:00"), at("2026-03-05 09:00")) == HOUR


def test_weekend_does_not_count(cal: WorkingCalendar) -> None:
    # Friday 17:00 → Monday 09:00
    assert cal.working_seconds_between(at("2026-03-06 17:00"), at("2026-03-09 09:00")) == HOUR


def test_public_holiday_does_not_count(cal: WorkingCalendar) -> None:
    # 清明节 2026-04-04..06 (Sat–Mon): Friday 17:00 → Tuesday 09:00
    assert not cal.is_working_day(dt.date(2026, 4, 6))
    assert cal.working_seconds_between(at("2026-04-03 17:00"), at("2026-04-07 09:00")) == HOUR


def test_make_up_working_saturday_counts(cal: WorkingCalendar) -> None:
    # 劳动节 调休: Saturday 2026-05-09 is a working day
    assert cal.is_working_day(dt.date(2026, 5, 9))
    assert not cal.is_working_day(dt.date(2026, 5, 10))
    friday_to_monday = cal.working_seconds_between(at("2026-05-08 17:00"), at("2026-05-11 09:00"))
    assert friday_to_monday == 0.5 * HOUR + 7.5 * HOUR + 0.5 * HOUR


def test_the_2026_spring_festival_is_off_and_its_make_up_saturdays_are_on(
    cal: WorkingCalendar,
) -> None:
    days = {dt.date(2026, 2, d): cal.is_working_day(dt.date(2026, 2, d)) for d in range(13, 25)}
    assert [d.day for d, working in days.items() if working] == [13, 14, 24]


def test_years_without_data_know_only_weekends(cal: WorkingCalendar) -> None:
    new_year_2027 = dt.date(2027, 1, 1)  # a Friday; no 2027 data shipped
    assert not cal.covers(new_year_2027)
    assert cal.is_working_day(new_year_2027)
    assert not cal.is_working_day(dt.date(2027, 1, 2))


def test_adding_from_23_00_counts_from_08_30_next_working_day(cal: WorkingCalendar) -> None:
    assert cal.add_working_seconds(at("2026-03-04 23:00"), 2 * HOUR) == at("2026-03-05 10:30")
    assert cal.add_working_seconds(at("2026-03-06 23:00"), 60) == at("2026-03-09 08:31")


def test_two_working_hours_from_friday_16_30_are_due_monday_09_30(cal: WorkingCalendar) -> None:
    assert cal.add_working_seconds(at("2026-03-06 16:30"), 2 * HOUR) == at("2026-03-09 09:30")


def test_time_ending_with_a_period_is_due_at_its_end_not_after_lunch(cal: WorkingCalendar) -> None:
    assert cal.add_working_seconds(at("2026-03-04 11:00"), HOUR) == at("2026-03-04 12:00")


def test_a_city_folder_overrides_hours_and_replaces_a_year(tmp_path: Path) -> None:
    (tmp_path / "hours.yaml").write_text('working_periods: ["09:00-17:00"]\n', encoding="utf-8")
    (tmp_path / "2026.yaml").write_text(
        "year: 2026\nholidays: [{name: 城市日, start: 2026-03-04}]\n", encoding="utf-8"
    )
    cal = load_calendar([shipped_calendar_dir(), tmp_path])
    assert cal.working_day_s == 8 * HOUR
    assert not cal.is_working_day(dt.date(2026, 3, 4))
    assert cal.is_working_day(dt.date(2026, 10, 1))  # the shipped 2026 file was replaced whole


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("working_periods: ['08:30-12:00', '17:00-13:30']", "working_periods.1", "ends before"),
        ("working_periods: ['8.30-12']", "working_periods.0", "is not HH:MM-HH:MM"),
        ("working_periods: ['08:30-12:00', '11:00-17:00']", "working_periods", "overlap"),
        ("weekend: [saturday, sundae]", "weekend.1", "'sunday'"),
        ("timezone: Asia/Atlantis", "timezone", "unknown time zone"),
        ("year: 2026\nholidays: [{name: x, start: 2027-01-01}]", "holidays.0.start", "not in"),
        (
            "year: 2026\nholidays: [{name: x, start: 2026-01-03, end: 2026-01-01}]",
            "holidays.0.end",
            "before",
        ),
        ("year: 2026\nholidays: [{name: x, start: 2026-01-01, days: 3}]", "holidays.0.days", ""),
        ("holidays: [{name: x, start: 2026-01-01}]", "year", "need the year"),
        (
            "year: 2026\nholidays: [{name: x, start: 2026-01-03}]\n"
            "makeup_working_days: [{name: x, date: 2026-01-03}]",
            "makeup_working_days.0.date",
            "also a holiday",
        ),
        ("hours: 8", "hours", "Extra inputs are not permitted"),
    ],
)
def test_an_invalid_calendar_file_names_the_file_and_the_field(
    tmp_path: Path, text: str, field: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_calendar([shipped_calendar_dir(), path])
    assert str(path) in str(info.value)
    assert f"  {field}: " in str(info.value)
    assert message in str(info.value)


def test_a_make_up_day_on_a_weekday_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "2026.yaml"
    path.write_text("year: 2026\nmakeup_working_days: [{name: x, date: 2026-03-04}]\n")
    with pytest.raises(ConfigError, match=r"makeup_working_days\.0\.date: 2026-03-04 is not a"):
        load_calendar([shipped_calendar_dir(), path])


def test_a_calendar_without_working_periods_is_refused(tmp_path: Path) -> None:
    (tmp_path / "2026.yaml").write_text("year: 2026\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no file sets working_periods"):
        load_calendar([tmp_path])


# --- properties -----------------------------------------------------------------------------

STARTS = st.integers(at("2025-12-01 00:00"), at("2027-02-01 00:00"))  # data year and beyond
DURATIONS = st.integers(0, 40 * 27_000)  # up to 40 working days, in seconds


@given(start=STARTS, seconds=DURATIONS)
def test_counting_back_what_was_added_gives_the_same_working_time(
    cal: WorkingCalendar, start: int, seconds: int
) -> None:
    end = cal.add_working_seconds(start, seconds)
    assert end >= start
    assert cal.working_seconds_between(start, end) == seconds


@given(start=STARTS, a=DURATIONS, b=DURATIONS)
def test_adding_and_counting_are_monotonic(
    cal: WorkingCalendar, start: int, a: int, b: int
) -> None:
    a, b = sorted((a, b))
    assert cal.add_working_seconds(start, a) <= cal.add_working_seconds(start, b)
    early, late = start + a * 1000, start + b * 1000
    assert cal.working_seconds_between(start, early) <= cal.working_seconds_between(start, late)
