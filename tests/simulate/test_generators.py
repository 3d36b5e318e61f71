from __future__ import annotations

from cityops.devices.thing_model import ThingModel, parse_model
from cityops.simulate.fleet import DeviceSpec
from cityops.simulate.generators import values_at
from tests.simulate.helpers import violations


def _first(fleet: list[DeviceSpec], model: str) -> DeviceSpec:
    return next(d for d in fleet if d.model == model)


def test_values_are_a_pure_function_of_seed_device_and_time(
    fleet: list[DeviceSpec], models: dict[str, ThingModel]
) -> None:
    for device in fleet[::50]:
        model = models[device.model]
        assert values_at(7, device, model, 3600.0) == values_at(7, device, model, 3600.0)
    gauge = _first(fleet, "water_quality_station")
    model = models[gauge.model]
    assert values_at(7, gauge, model, 3600.0) != values_at(8, gauge, model, 3600.0)
    assert values_at(7, gauge, model, 3600.0) != values_at(7, gauge, model, 3601.0)


def test_dissolved_oxygen_peaks_in_the_afternoon(
    fleet: list[DeviceSpec], models: dict[str, ThingModel]
) -> None:
    station = _first(fleet, "water_quality_station")
    model = models[station.model]

    def do_at(hour: int) -> float:
        value = values_at(7, station, model, hour * 3600.0, start_clock_s=0)["do_mg_l"]
        assert isinstance(value, float)
        return value

    assert do_at(15) > do_at(9) > do_at(3)


def test_electrical_load_is_higher_by_day_than_at_night(
    fleet: list[DeviceSpec], models: dict[str, ThingModel]
) -> None:
    sensors = [d for d in fleet if d.model == "electrical_fire_sensor"][:20]
    model = models["electrical_fire_sensor"]

    def load(hour: int) -> float:
        total = 0.0
        for sensor in sensors:
            value = values_at(7, sensor, model, hour * 3600.0, start_clock_s=0)["current_a"]
            assert isinstance(value, float)
            total += value
        return total

    assert load(14) > 1.5 * load(3)


def test_battery_drains_over_time(fleet: list[DeviceSpec], models: dict[str, ThingModel]) -> None:
    gauge = _first(fleet, "underpass_water_level")
    model = models[gauge.model]
    now = values_at(7, gauge, model, 0.0)["battery_pct"]
    in_a_year = values_at(7, gauge, model, 365 * 86400.0)["battery_pct"]
    assert isinstance(now, float)
    assert isinstance(in_a_year, float)
    assert in_a_year < now - 10


def test_a_dry_underpass_reads_under_a_centimetre(
    fleet: list[DeviceSpec], models: dict[str, ThingModel]
) -> None:
    model = models["underpass_water_level"]
    for gauge in [d for d in fleet if d.model == "underpass_water_level"]:
        for t in (0.0, 5000.0, 40_000.0):
            level = values_at(7, gauge, model, t)["water_level_cm"]
            assert isinstance(level, float)
            assert 0.0 <= level <= 1.0


def test_a_model_without_a_generator_still_gets_valid_values(fleet: list[DeviceSpec]) -> None:
    model = parse_model(
        """
        id: noise_meter
        name_zh: 噪声监测
        name_en: Noise meter
        category: other
        report_interval_s: 60
        heartbeat_timeout_s: 300
        properties:
          - {id: laeq_db, name_zh: 等效声级, name_en: LAeq, type: float, min: 20, max: 140,
             required: true}
          - {id: mode, name_zh: 模式, name_en: Mode, type: enum, values: [a, b], required: true}
          - {id: samples, name_zh: 样本, name_en: Samples, type: int, min: 0, max: 10}
        """,
        "noise_meter.yaml",
    )
    values = values_at(7, fleet[0], model, 100.0)
    assert violations(model, values) == []
    assert set(values) == {"laeq_db", "mode", "samples"}
