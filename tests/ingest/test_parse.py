"""Splitting payloads into items, and the reasons for the ones that cannot be read."""

from __future__ import annotations

import pytest

from cityops.ingest.parse import parse_ts, split_items
from cityops.ingest.reasons import Code, Invalid

NOW = 1_767_225_600_000


def test_a_single_reading_is_one_item() -> None:
    items = split_items(b'{"device_id": "d1", "ts": 1, "values": {"a": 1}}', ndjson=False)
    assert len(items) == 1
    assert items[0].reading is not None
    assert items[0].reading.device_id == "d1"


def test_an_array_keeps_each_items_raw_bytes() -> None:
    body = b'[{"device_id": "d1", "ts": 1, "values": {"a": 1}}, {"oops": true}]'
    items = split_items(body, ndjson=False)
    assert [i.index for i in items] == [0, 1]
    assert items[1].raw == b'{"oops": true}'
    assert items[1].error is not None
    assert items[1].error.code is Code.BAD_SHAPE


def test_ndjson_is_one_item_per_non_blank_line() -> None:
    body = (
        b'{"device_id":"d1","ts":1,"values":{"a":1}}\n'
        b"\n"
        b'{"device_id":"d2","ts":2,"values":{"a":2}}\n'
    )
    items = split_items(body, ndjson=True)
    assert [i.reading.device_id for i in items if i.reading] == ["d1", "d2"]


def test_malformed_json_is_one_rejected_item_with_the_whole_body() -> None:
    items = split_items(b'[{"device_id": "d1", ', ndjson=False)
    assert len(items) == 1
    assert items[0].error is not None
    assert items[0].error.code is Code.MALFORMED_JSON
    assert items[0].raw == b'[{"device_id": "d1", '


def test_nan_in_one_item_rejects_only_that_item_and_names_the_property() -> None:
    body = (
        b'[{"device_id": "d1", "ts": 1, "values": {"a": 1}},'
        b' {"device_id": "d1", "ts": 2, "values": {"a": NaN}}]'
    )
    items = split_items(body, ndjson=False)
    assert items[0].reading is not None
    assert items[1].error is not None
    assert items[1].error.code is Code.NOT_FINITE
    assert "in a" in items[1].error.reason


def test_infinity_and_overflow_are_not_finite() -> None:
    for body in (
        b'{"device_id":"d","ts":1,"values":{"a":Infinity}}',
        b'{"device_id":"d","ts":1,"values":{"a":1e999}}',
    ):
        (item,) = split_items(body, ndjson=False)
        assert item.error is not None
        assert item.error.code is Code.NOT_FINITE


def test_unknown_top_level_fields_are_rejected() -> None:
    (item,) = split_items(b'{"device_id":"d","ts":1,"values":{"a":1},"extra":1}', ndjson=False)
    assert item.error is not None
    assert "extra" in item.error.reason


@pytest.mark.parametrize(
    ("ts", "expected"),
    [
        (NOW, NOW),
        ("2026-01-01T08:00:00+08:00", NOW),
        ("2026-01-01T00:00:00Z", NOW),
    ],
)
def test_timestamps_are_epoch_ms_or_iso_with_offset(ts: int | str, expected: int) -> None:
    assert parse_ts(ts, NOW, 300_000) == expected


@pytest.mark.parametrize(
    ("ts", "code", "words"),
    [
        ("2026-01-01T00:00:00", Code.BAD_TIMESTAMP, "no UTC offset"),
        ("yesterday", Code.BAD_TIMESTAMP, "not ISO 8601"),
        (1_767_225_600, Code.BAD_TIMESTAMP, "epoch seconds?"),
        (NOW + 3_600_000, Code.FUTURE_TIMESTAMP, "3600 s in the future"),
    ],
)
def test_bad_timestamps_say_what_is_wrong(ts: int | str, code: Code, words: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_ts(ts, NOW, 300_000)
    assert caught.value.code is code
    assert words in caught.value.reason


def test_a_slightly_fast_device_clock_is_tolerated() -> None:
    assert parse_ts(NOW + 60_000, NOW, 300_000) == NOW + 60_000
