"""The taxonomy is data: the shipped classes load, a city's folder extends them, errors are
precise (file, entry, problem) and redefining a shipped code takes an explicit override."""

from __future__ import annotations

from pathlib import Path

import pytest

from cityops.core.errors import ConfigError
from cityops.taxonomy.loader import load_taxonomy
from cityops.taxonomy.model import Kind

FIXED = {
    "E0102": ("暴露垃圾", "Exposed garbage"),
    "E0105": ("水域不洁", "Dirty water surface (floating debris)"),
    "E0502": ("出店经营", "Business spilling out of the shop door"),
    "E0504": ("机动车乱停放", "Illegally parked motor vehicle"),
}
IOT = {
    "E1001": "下穿通道积水",
    "E1002": "河道水质异常",
    "E1003": "烟感火警",
    "E1004": "电气火灾隐患",
    "E1005": "井盖位移",
    "E1006": "设备离线",
    "E1007": "设备故障",
    "E1008": "设备低电量",
}
CITY = """
majors:
  - {code: E20, name_zh: 河长制, name_en: River chief duties}
classes:
  - {code: E2001, name_zh: 河长公示牌缺失, name_en: River-chief sign missing}
  - {code: E0199, name_zh: 共享单车堆积, name_en: Shared bikes piled up}
"""


def test_the_shipped_taxonomy_has_the_standard_majors_with_their_minors() -> None:
    taxonomy = load_taxonomy()
    event_majors = [m for m in taxonomy.majors() if m.kind is Kind.EVENT]
    assert [m.code for m in event_majors] == ["E01", "E02", "E03", "E04", "E05", "E06", "E10"]
    assert [m.name_zh for m in event_majors[:6]] == [
        "市容环境",
        "宣传广告",
        "施工管理",
        "突发事件",
        "街面秩序",
        "其他事件",
    ]
    component_majors = [m for m in taxonomy.majors() if m.kind is Kind.COMPONENT]
    assert [m.name_zh for m in component_majors] == [
        "公用设施",
        "道路交通",
        "市容环境",
        "园林绿化",
        "房屋土地",
        "其他设施",
    ]
    for major in taxonomy.majors():
        assert len(taxonomy.select(major=major.code)) >= 4, major.code
    assert 70 <= len(taxonomy.select(kind=Kind.EVENT)) <= 100
    assert len(taxonomy.select(kind=Kind.COMPONENT)) >= 40


def test_every_class_has_both_names_and_a_code_of_its_kind() -> None:
    for c in load_taxonomy().classes():
        assert c.name_zh
        assert c.name_en
        assert c.major_name_zh
        assert c.major_name_en
        assert c.code.startswith(c.major_code)
        assert c.code[0] == ("E" if c.kind is Kind.EVENT else "C")


@pytest.mark.parametrize(("code", "names"), FIXED.items())
def test_codes_other_rooms_rely_on_keep_their_meaning(code: str, names: tuple[str, str]) -> None:
    found = load_taxonomy().require(code)
    assert (found.name_zh, found.name_en) == names
    assert found.origin == "GB/T 30428.2"
    assert not found.iot


def test_the_iot_classes_are_the_platforms_extension_major_e10() -> None:
    taxonomy = load_taxonomy()
    iot = taxonomy.select(iot=True)
    assert {c.code: c.name_zh for c in iot} == IOT
    assert {(c.major_code, c.major_name_zh, c.origin, c.kind) for c in iot} == {
        ("E10", "物联感知", "CityOps", Kind.EVENT)
    }


def test_a_city_folder_adds_its_own_majors_and_minors(tmp_path: Path) -> None:
    (tmp_path / "linjiang.yaml").write_text(CITY, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a taxonomy file")
    taxonomy = load_taxonomy(tmp_path)
    assert len(taxonomy) == len(load_taxonomy()) + 2
    own = taxonomy.require("E2001")
    assert (own.major_name_zh, own.origin, own.kind) == ("河长制", "linjiang.yaml", Kind.EVENT)
    assert taxonomy.require("E0199").major_name_zh == "市容环境"
    assert taxonomy.require("E0102").origin == "GB/T 30428.2"


def test_an_override_redefines_a_shipped_class_and_major(tmp_path: Path) -> None:
    (tmp_path / "city.yaml").write_text(
        "origin: 临江区\n"
        "majors:\n"
        "  - {code: E01, name_zh: 市容环卫, name_en: City cleanliness, override: true}\n"
        "classes:\n"
        "  - {code: E0102, name_zh: 垃圾暴露, name_en: Garbage exposed, override: true}\n",
        encoding="utf-8",
    )
    taxonomy = load_taxonomy(tmp_path)
    garbage = taxonomy.require("E0102")
    assert (garbage.name_zh, garbage.origin, garbage.major_name_zh) == (
        "垃圾暴露",
        "临江区",
        "市容环卫",
    )
    assert taxonomy.require("E0105").major_name_en == "City cleanliness"
    assert len(taxonomy) == len(load_taxonomy())


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "classes:\n  - {code: E0102, name_zh: 垃圾, name_en: Garbage}\n",
            "classes[0] (E0102): E0102 is a shipped class (defined at ",
        ),
        (
            "classes:\n  - {code: E0198, name_zh: 某, name_en: Something, override: true}\n",
            "classes[0] (E0198): `override: true`, but no shipped class has code E0198",
        ),
        (
            "majors:\n  - {code: E07, name_zh: 某, name_en: Something}\n",
            "majors[0] (E07): a city's own major classes are numbered from 20 up (E20-E99)",
        ),
        (
            "classes:\n  - {code: E2101, name_zh: 某, name_en: Something}\n",
            "classes[0] (E2101): its major class E21 is not defined",
        ),
        (
            "classes:\n  - {code: E0198, name_zh: 某}\n",
            "classes[0] (E0198): name_en: Field required",
        ),
        (
            "classes:\n  - {code: E01x1, name_zh: 某, name_en: Something}\n",
            "classes[0] (E01x1): code: String should match pattern",
        ),
        (
            "classes:\n  - {code: E0100, name_zh: 某, name_en: Something}\n",
            "classes[0] (E0100): code: String should match pattern",
        ),
        (
            "classes:\n  - {name_zh: 某, name_en: Something}\n",
            "classes[0]: code: Field required",
        ),
        (
            "classes:\n  - {code: C0199, name_zh: 某, name_en: Something, iot: true}\n",
            "classes[0] (C0199): iot applies to event classes only",
        ),
        (
            "classes:\n  - {code: E0198, name_zh: 某, name_en: Something, colour: red}\n",
            "classes[0] (E0198): colour: Extra inputs are not permitted",
        ),
        (
            "classes:\n  - {code: E0198, name_zh: 某, name_en: A}\n"
            "  - {code: E0198, name_zh: 某, name_en: B}\n",
            "classes[1] (E0198): E0198 is already defined at ",
        ),
        ("minors: []\n", "minors: Extra inputs are not permitted"),
        ("classes: [\n", "not valid YAML"),
    ],
)
def test_errors_name_the_file_the_entry_and_the_problem(
    tmp_path: Path, text: str, words: str
) -> None:
    path = tmp_path / "city.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_taxonomy(tmp_path)
    assert str(caught.value).startswith(f"{path}: ")
    assert words in str(caught.value)


def test_two_city_files_may_not_both_override_one_code(tmp_path: Path) -> None:
    line = "classes:\n  - {code: E0102, name_zh: 垃圾, name_en: Garbage, override: true}\n"
    (tmp_path / "a.yaml").write_text(line, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(line, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"b\.yaml: classes\[0\] \(E0102\): E0102 is already"):
        load_taxonomy(tmp_path)


def test_a_missing_city_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="the taxonomy folder does not exist"):
        load_taxonomy(tmp_path / "nowhere")
