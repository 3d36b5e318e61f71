"""W3C datetimes in and out, and the XML rendering of the Spark convention."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta, timezone

import pytest

from cityops.open311.w3c import format_w3c, parse_w3c
from cityops.open311.xml_document import to_xml

CST = timezone(timedelta(hours=8))
NEW_YEAR_UTC = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def test_datetimes_are_written_with_the_districts_offset() -> None:
    assert format_w3c(NEW_YEAR_UTC, CST) == "2026-01-01T08:00:00+08:00"
    assert format_w3c(NEW_YEAR_UTC + 999, CST) == "2026-01-01T08:00:00+08:00"


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("2026-01-01T00:00:00Z", NEW_YEAR_UTC),
        ("2026-01-01T08:00:00+08:00", NEW_YEAR_UTC),
        ("2026-01-01T08:00+08:00", NEW_YEAR_UTC),
        ("2026-01-01T03:00:00.250-05:00", NEW_YEAR_UTC + 8 * 3_600_000 + 250),
        ("2026-01-01", NEW_YEAR_UTC - 8 * 3_600_000),  # midnight in the district
        ("2026-01", NEW_YEAR_UTC - 8 * 3_600_000),
        ("2026", NEW_YEAR_UTC - 8 * 3_600_000),
    ],
)
def test_every_w3c_form_is_read(text: str, ms: int) -> None:
    assert parse_w3c(text, CST) == ms


@pytest.mark.parametrize(
    "text", ["2026-01-01T08:00:00", "2026-01-01 08:00:00Z", "20260101", "2026-13-01", "today"]
)
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=repr(text)):
        parse_w3c(text, CST)


def test_xml_renders_lists_as_repeated_singular_elements() -> None:
    payload = [{"code": 400, "description": "a"}, {"code": 404, "description": None}]
    document = to_xml("errors", payload)
    assert document.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<errors><error>')
    root = ET.fromstring(document)
    assert [(e.findtext("code"), e.findtext("description")) for e in root] == [
        ("400", "a"),
        ("404", ""),
    ]


def test_xml_writes_booleans_like_the_spec_and_drops_characters_xml_cannot_carry() -> None:
    root = ET.fromstring(to_xml("service_definition", {"ok": True, "text": "井盖\x00没了 <&>"}))
    assert (root.findtext("ok"), root.findtext("text")) == ("true", "井盖没了 <&>")
