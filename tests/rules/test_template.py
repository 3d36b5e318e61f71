"""Message templates render readable titles and never fail."""

from __future__ import annotations

import pytest

from cityops.rules.template import render
from tests.rules.support import T0, device, engine_with, reading, registry, rule, signals

CONTEXT = {"device_name": "人民路下穿", "value": 32.456, "unit": "cm", "flag": True, "n": 6.0}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{device_name}积水{value}{unit}", "人民路下穿积水32.46cm"),
        ("{value:.1f}", "32.5"),
        ("{n}", "6"),
        ("{flag}", "是"),
        ("{unknown}与{device_name}", "{unknown}与人民路下穿"),
        ("{unknown:>5}", "{unknown:>5}"),
        ("{device_name:.1f}", "人民路下穿"),  # a spec that does not fit: the plain value
        ("{device_name.__class__}", "{device_name.__class__}"),  # no attribute access
        ("{value[0]}", "{value[0]}"),
        ("{0}{}", "{0}{}"),
        ("{{literal}}", "{literal}"),
        ("未闭合 {", "未闭合 {"),
    ],
)
def test_placeholders_render_and_anything_odd_stays_as_written(
    template: str, expected: str
) -> None:
    assert render(template, CONTEXT) == expected


def test_a_signal_title_uses_the_device_property_and_severity_names() -> None:
    message = (
        "{device_name}|{device_id}|{property_name}|{value}{unit}|{severity_zh}|{severity_level}"
        "|{grid_code}|{rule_name}|{nope}"
    )
    eng = engine_with(
        rule(
            {"type": "threshold", "property": "water_level_cm", "op": ">", "value": 15},
            message=message,
        )
    )
    (signal,) = signals(eng.evaluate([reading(T0, water_level_cm=20.5)], registry(device())))
    assert (
        signal.title == "测试UWL-1|UWL-1|积水深度|20.5cm|较重|III|330106001001001|测试规则|{nope}"
    )


def test_an_english_title_goes_into_the_evidence() -> None:
    eng = engine_with(
        rule(
            {"type": "threshold", "property": "water_level_cm", "op": ">", "value": 15},
            message_en="{device_id}: {property_name_en} {value} {unit} ({severity})",
        )
    )
    (signal,) = signals(eng.evaluate([reading(T0, water_level_cm=20.0)], registry(device())))
    assert signal.evidence["title_en"] == "UWL-1: Water depth 20 cm (yellow)"
