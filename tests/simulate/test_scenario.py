from __future__ import annotations

from pathlib import Path

import pytest

from cityops.core.errors import ConfigError
from cityops.simulate.fleet import DeviceSpec
from cityops.simulate.overlays import plan_incidents
from cityops.simulate.scenario import load_scenario, parse_scenario, resolve_scenario


def test_the_shipped_scenarios_load_and_resolve_against_the_default_fleet(
    fleet: list[DeviceSpec],
) -> None:
    for name in ("demo", "rainstorm"):
        scenario = resolve_scenario(name)
        assert scenario.name == name
        assert plan_incidents(scenario, fleet, scenario.seed)


def test_the_demo_plays_out_in_about_ten_minutes_at_its_default_speed() -> None:
    demo = resolve_scenario("demo")
    assert 8 * 60 <= demo.duration_s / demo.speed <= 12 * 60
    kinds = {i.kind for i in demo.incidents}
    assert kinds == {
        "rainstorm", "pollution_spill", "fire_alarm", "manhole_displaced", "dropout", "detections",
    }  # fmt: skip
    storm = next(i for i in demo.incidents if i.kind == "rainstorm")
    assert storm.start_s / demo.speed < 60  # rising in the first minutes
    assert storm.end_s < demo.duration_s  # and drained before the end


def test_an_unknown_field_is_named_with_the_file_and_its_path(tmp_path: Path) -> None:
    path = tmp_path / "storm.yaml"
    path.write_text(
        "name: s\nincidents:\n  - kind: rainstorm\n    count: 2\n    peak: 30\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert str(path) in message
    assert "incidents.0.rainstorm.peak: Extra inputs are not permitted" in message


def test_an_unknown_incident_kind_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"incidents\.0: Input tag 'earthquake'"):
        parse_scenario("name: s\nincidents: [{kind: earthquake}]\n", "x.yaml")


def test_a_spill_that_is_not_worse_than_class_v_is_refused() -> None:
    text = "name: s\nincidents: [{kind: pollution_spill, nh3n_mg_l: 1.5, do_mg_l: 3}]\n"
    with pytest.raises(ConfigError) as caught:
        parse_scenario(text, "spill.yaml")
    message = str(caught.value)
    assert "spill.yaml: invalid scenario" in message
    assert "incidents.0.pollution_spill.nh3n_mg_l: Input should be greater than 2" in message
    assert "incidents.0.pollution_spill.do_mg_l: Input should be less than 2" in message


def test_a_rainstorm_needs_underpasses_or_a_count() -> None:
    with pytest.raises(ConfigError, match="name `underpasses` or give a `count`"):
        parse_scenario("name: s\nincidents: [{kind: rainstorm}]\n", "x.yaml")


def test_an_incident_starting_after_the_end_is_refused() -> None:
    text = "name: s\nduration_s: 600\nincidents: [{kind: fire_alarm, start_s: 900}]\n"
    with pytest.raises(ConfigError, match=r"incidents\[0\] \(fire_alarm\) starts at 900 s"):
        parse_scenario(text, "x.yaml")


def test_a_bad_start_clock_is_refused() -> None:
    with pytest.raises(ConfigError, match="start_clock: String should match pattern"):
        parse_scenario("name: s\nstart_clock: '25:00'\n", "x.yaml")


def test_invalid_yaml_names_the_file() -> None:
    with pytest.raises(ConfigError, match=r"broken\.yaml: not valid YAML"):
        parse_scenario("name: [unclosed\n", "broken.yaml")


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read scenario"):
        resolve_scenario(str(tmp_path / "nope.yaml"))


def test_unknown_devices_are_named_when_the_scenario_meets_the_fleet(
    fleet: list[DeviceSpec],
) -> None:
    storm = parse_scenario("name: s\nincidents: [{kind: rainstorm, underpasses: [UP-999]}]", "x")
    with pytest.raises(ConfigError, match=r"'s': incidents.0 \(rainstorm\).underpasses: .*UP-999"):
        plan_incidents(storm, fleet, 7)
    silent = parse_scenario("name: s\nincidents: [{kind: dropout, devices: [CAM-X]}]", "x")
    with pytest.raises(ConfigError, match=r"devices: unknown devices CAM-X"):
        plan_incidents(silent, fleet, 7)


def test_underpasses_may_be_named_by_place_or_by_device(fleet: list[DeviceSpec]) -> None:
    text = "name: s\nincidents: [{kind: rainstorm, underpasses: [UP-002, UWL-UP-003], count: 1}]"
    plan = plan_incidents(parse_scenario(text, "x"), fleet, 7)
    assert {"UWL-UP-002", "UWL-UP-003"} <= set(plan)
    assert len(plan) == 3
