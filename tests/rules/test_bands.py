"""Bands: severity follows the level up and down, with a margin, until below the clear level."""

from __future__ import annotations

from cityops.events.model import Severity
from tests.rules.support import MIN, T0, Feeder, device, engine_with, kinds, registry, rule, signals

UNDERPASS_BANDS = {
    "type": "bands",
    "property": "water_level_cm",
    "bands": [
        {"above": 15, "severity": "blue"},
        {"above": 27, "severity": "yellow"},
        {"above": 40, "severity": "orange"},
        {"above": 50, "severity": "red"},
    ],
    "clear": 5,
    "margin": 2,
}


def feed_levels(levels: list[float]) -> Feeder:
    feed = Feeder(engine_with(rule(UNDERPASS_BANDS, severity=None)), registry(device()))
    for i, level in enumerate(levels):
        feed(T0 + i * MIN, water_level_cm=level)
    return feed


def test_severity_escalates_band_by_band_as_water_rises() -> None:
    feed = feed_levels([3, 14.9, 15, 27, 39.9, 40, 50, 80])
    assert kinds(feed.outcomes) == [
        "S:blue",
        "S:yellow",
        "S:yellow",
        "S:orange",
        "S:red",
        "S:red",
    ]


def test_a_sudden_rise_jumps_straight_to_the_band_reached() -> None:
    assert kinds(feed_levels([0, 55]).outcomes) == ["S:red"]


def test_severity_de_escalates_only_past_the_margin_and_stays_open_until_clear() -> None:
    feed = feed_levels([55, 48.5, 47.9, 38.5, 37.5, 12, 5, 4.9])
    # 48.5 is within 2 cm of the red band: still red; 47.9 is orange; 38.5 still orange;
    # 37.5 yellow; 12 (below every band but above the clear level) stays open at blue.
    assert kinds(feed.outcomes) == [
        "S:red",
        "S:red",
        "S:orange",
        "S:orange",
        "S:yellow",
        "S:blue",
        "S:blue",
        "C",
    ]


def test_below_the_first_band_nothing_opens() -> None:
    assert feed_levels([14, 10, 14.99]).outcomes == []


def test_the_evidence_names_the_band() -> None:
    (signal,) = signals(feed_levels([33]).outcomes)
    assert signal.severity is Severity.YELLOW
    assert signal.evidence["band"] == {"above": 27, "severity": "yellow"}
    assert signal.evidence["values"] == {"water_level_cm": 33}


def test_after_a_clear_a_new_rise_starts_from_the_first_band() -> None:
    feed = feed_levels([45, 2, 20])
    assert kinds(feed.outcomes) == ["S:orange", "C", "S:blue"]
