"""Thing models are data, checked on load with errors that name the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from cityops.core.errors import ConfigError
from cityops.devices.thing_model import DataType, load_models, load_shipped_and, parse_model

GOOD = """
id: tank_level
name_zh: 水箱液位
name_en: Tank level
category: other
report_interval_s: 60
heartbeat_timeout_s: 180
properties:
  - {id: level_m, name_zh: 液位, name_en: Level, type: float, unit: m,
     min: 0, max: 10, required: true}
"""


def test_the_shipped_models_cover_the_seed_devices() -> None:
    models = load_shipped_and()
    assert set(models) == {
        "underpass_water_level",
        "water_quality_station",
        "smoke_detector",
        "electrical_fire_sensor",
        "manhole_tilt_sensor",
        "camera",
    }
    wq = models["water_quality_station"].by_id
    assert {"do_mg_l", "nh3n_mg_l", "cod_mg_l", "ph", "turbidity_ntu"} <= set(wq)
    assert wq["nh3n_mg_l"].unit == "mg/L"
    assert models["underpass_water_level"].by_id["water_level_cm"].type is DataType.FLOAT


def test_a_good_model_parses() -> None:
    model = parse_model(GOOD, "tank.yaml")
    assert model.required_ids == {"level_m"}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("min: 0, max: 10", "min: 10, max: 0"), "min 10.0 is greater than max 0.0"),
        (("type: float", "type: decimal"), "properties.0.type"),
        (("heartbeat_timeout_s: 180", "heartbeat_timeout_s: 30"), "at least report_interval_s"),
        (("id: tank_level", "id: Tank Level"), "id: String should match pattern"),
        (("category: other", "category: other\ncolour: blue"), "colour: Extra inputs"),
        (("type: float, unit: m", "type: bool, unit: m"), "min/max apply to numeric"),
    ],
)
def test_errors_name_the_file_and_field(change: tuple[str, str], words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_model(GOOD.replace(*change), "tank.yaml")
    assert str(caught.value).startswith("tank.yaml: invalid thing model")
    assert words in str(caught.value)


def test_duplicate_properties_are_refused() -> None:
    doubled = GOOD + "  - {id: level_m, name_zh: x, name_en: x, type: int}\n"
    with pytest.raises(ConfigError, match="duplicate property ids: level_m"):
        parse_model(doubled, "tank.yaml")


def test_broken_yaml_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not valid YAML/JSON"):
        parse_model("id: [", "bad.yaml")


def test_a_site_folder_adds_and_overrides_models(tmp_path: Path) -> None:
    (tmp_path / "tank.yaml").write_text(GOOD)
    (tmp_path / "notes.txt").write_text("ignored")
    models = load_shipped_and(tmp_path)
    assert "tank_level" in models
    assert len(load_models([tmp_path])) == 1
