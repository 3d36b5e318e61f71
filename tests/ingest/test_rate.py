"""The stored-readings rate the screens show: by commit time, per area, for the last hour."""

from __future__ import annotations

from cityops.core.types import Reading
from cityops.ingest.rate import StoredRate

GRIDS = {"A": "330199001001001", "B": "330199003001001"}
T0 = 1_790_000_000_000


def batch(*device_ids: str) -> list[Reading]:
    return [Reading(device_id=d, ts=T0, values={}) for d in device_ids]


def test_counts_are_split_by_minute_and_hour_and_forget_older_batches() -> None:
    rate = StoredRate(GRIDS.get)
    rate.on_stored((batch("A"), T0 - 3_600_000))  # over an hour ago
    rate.on_stored((batch("A", "B"), T0 - 30 * 60_000))
    rate.on_stored((batch("A", "A", "B"), T0 - 5_000))
    assert rate.counts((), T0) == (3, 5)
    assert rate.counts(("330199001",), T0) == (2, 3)
    assert rate.counts(("330199002",), T0) == (0, 0)
    assert rate.counts((), T0 + 3_600_000) == (0, 0)


def test_readings_of_unknown_devices_count_for_the_whole_district_only() -> None:
    rate = StoredRate(GRIDS.get)
    rate.on_stored((batch("ghost"), T0))
    assert rate.counts((), T0) == (1, 1)
    assert rate.counts(("330199",), T0) == (0, 0)


def test_old_buckets_are_dropped_as_new_ones_arrive() -> None:
    rate = StoredRate(GRIDS.get)
    for minute in range(180):
        rate.on_stored((batch("A"), T0 + minute * 60_000))
    assert rate.counts((), T0 + 179 * 60_000) == (1, 60)
    assert len(rate._buckets) <= 360  # an hour of 10-second buckets at most
