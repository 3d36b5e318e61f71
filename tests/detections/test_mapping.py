from __future__ import annotations

from pathlib import Path

import pytest

from cityops.core.errors import ConfigError
from cityops.detections.mapping import load_mappings, parse_mapping
from cityops.events.model import Severity
from cityops.taxonomy.model import EventClass, Kind, Taxonomy

CITY = """
vendor: hk-vision
name_zh: 海瞰视觉（本市配置）
name_en: HK Vision (city)
labels:
  garbage_exposed: {class_code: E0102, min_confidence: 0.9, severity: yellow,
                    dedup_radius_m: 10, dedup_window_s: 600}
"""


def _class(code: str) -> EventClass:
    return EventClass(
        code=code,
        kind=Kind.EVENT,
        major_code=code[:3],
        major_name_zh="市容环境",
        major_name_en="City appearance",
        name_zh="测试",
        name_en="Test",
    )


def test_the_two_shipped_vendors_map_their_own_labels_to_the_same_classes() -> None:
    mappings = load_mappings()
    assert [v.vendor for v in mappings.vendors()] == ["dh-ai", "hk-vision"]
    for vendor_id in ("dh-ai", "hk-vision"):
        vendor = mappings.get(vendor_id)
        assert vendor is not None
        codes = {m.class_code for m in vendor.labels.values()}
        assert {"E0102", "E0502", "E0504", "E0105"} <= codes
    hk, dh = mappings.get("hk-vision"), mappings.get("dh-ai")
    assert hk is not None
    assert dh is not None
    assert hk.labels["garbage_exposed"].class_code == dh.labels["exposed_trash"].class_code
    assert "exposed_trash" not in hk.labels


def test_shipped_mappings_name_only_classes_of_the_shipped_taxonomy() -> None:
    from cityops.taxonomy.loader import load_taxonomy

    taxonomy = load_taxonomy()
    if not len(taxonomy):
        pytest.skip("no taxonomy shipped yet")
    assert len(load_mappings(None, taxonomy)) == 2


def test_a_city_folder_replaces_a_shipped_vendor(tmp_path: Path) -> None:
    (tmp_path / "hk.yaml").write_text(CITY, encoding="utf-8")
    hk = load_mappings(tmp_path).get("hk-vision")
    assert hk is not None
    assert list(hk.labels) == ["garbage_exposed"]
    assert hk.labels["garbage_exposed"].severity is Severity.YELLOW


def test_an_unknown_field_and_a_bad_value_are_named_with_the_file_and_path() -> None:
    text = CITY.replace("severity: yellow", "severity: purple, colour: red")
    with pytest.raises(ConfigError) as caught:
        parse_mapping(text, "city/hk.yaml")
    message = str(caught.value)
    assert message.startswith("city/hk.yaml: invalid detection mapping:")
    assert "labels.garbage_exposed.severity: Input should be 'blue', 'yellow'" in message
    assert "labels.garbage_exposed.colour: Extra inputs are not permitted" in message


def test_a_confidence_threshold_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"min_confidence: Input should be less than or equal"):
        parse_mapping(CITY.replace("min_confidence: 0.9", "min_confidence: 90"), "x.yaml")


def test_a_component_code_is_not_an_event_class() -> None:
    with pytest.raises(ConfigError, match=r"class_code: String should match pattern"):
        parse_mapping(CITY.replace("E0102", "C0102"), "x.yaml")


def test_a_class_missing_from_the_taxonomy_is_refused_on_load(tmp_path: Path) -> None:
    (tmp_path / "hk.yaml").write_text(CITY.replace("E0102", "E0999"), encoding="utf-8")
    taxonomy = Taxonomy([_class(c) for c in ("E0102", "E0502", "E0504", "E0105")])
    with pytest.raises(ConfigError, match=r"'hk-vision': label 'garbage_exposed' maps to E0999"):
        load_mappings(tmp_path, taxonomy)


def test_two_files_for_one_vendor_in_a_folder_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(CITY, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(CITY, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"b\.yaml: vendor 'hk-vision' is already mapped by"):
        load_mappings(tmp_path)


def test_a_missing_city_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read detection mappings"):
        load_mappings(tmp_path / "nope")
