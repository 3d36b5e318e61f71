"""GB 3838-2002 Environmental quality standards for surface water: classes from parameters.

Table 1 gives, per parameter, the limit of each class I–V. A sample's class for one
parameter is the best class whose limit it meets; the water's class is the worst class over
its parameters; a parameter beyond the Class V limit makes the water 劣V ("worse than V").
Only the basic items that river and lake stations measure online are listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

WaterClass = Literal["I", "II", "III", "IV", "V", "劣V"]
Parameter = Literal["do", "codmn", "cod", "bod5", "nh3n", "tp", "tn", "ph"]

CLASSES: tuple[WaterClass, ...] = ("I", "II", "III", "IV", "V", "劣V")
CLASS_ZH = ("Ⅰ类", "Ⅱ类", "Ⅲ类", "Ⅳ类", "Ⅴ类", "劣Ⅴ类")
WORSE_THAN_V = 5

# Limits of classes I..V. DO is a floor (at least), pH a range, the others ceilings (at most).
DO_FLOOR = (7.5, 6.0, 5.0, 3.0, 2.0)
CEILINGS: dict[str, tuple[float, ...]] = {
    "codmn": (2.0, 4.0, 6.0, 10.0, 15.0),  # 高锰酸盐指数
    "cod": (15.0, 15.0, 20.0, 30.0, 40.0),  # 化学需氧量
    "bod5": (3.0, 3.0, 4.0, 6.0, 10.0),  # 五日生化需氧量
    "nh3n": (0.15, 0.5, 1.0, 1.5, 2.0),  # 氨氮
    "tp": (0.02, 0.1, 0.2, 0.3, 0.4),  # 总磷 (rivers; lakes and reservoirs are stricter)
    "tn": (0.2, 0.5, 1.0, 1.5, 2.0),  # 总氮 (lakes and reservoirs)
}
PH_RANGE = (6.0, 9.0)

PARAMETER_ZH = {
    "do": "溶解氧",
    "codmn": "高锰酸盐指数",
    "cod": "化学需氧量",
    "bod5": "五日生化需氧量",
    "nh3n": "氨氮",
    "tp": "总磷",
    "tn": "总氮",
    "ph": "pH",
}


def class_index(name: WaterClass) -> int:
    return CLASSES.index(name)


def grade_parameter(parameter: str, value: float) -> int:
    """The class index (0 = I … 5 = 劣V) that one parameter's value meets."""
    if parameter == "ph":
        low, high = PH_RANGE
        return 0 if low <= value <= high else WORSE_THAN_V
    if parameter == "do":
        return next((i for i, floor in enumerate(DO_FLOOR) if value >= floor), WORSE_THAN_V)
    limits = CEILINGS[parameter]
    return next((i for i, ceiling in enumerate(limits) if value <= ceiling), WORSE_THAN_V)


def grade(values: Mapping[str, float]) -> tuple[int, list[str]]:
    """The water's class index over the given parameters, and the parameters that set it.

    Parameters not measured yet are simply absent: a partial sample can only under-state the
    class, never raise a false alarm.
    """
    worst = -1
    setters: list[str] = []
    for parameter, value in values.items():
        index = grade_parameter(parameter, value)
        if index > worst:
            worst, setters = index, [parameter]
        elif index == worst:
            setters.append(parameter)
    return worst, setters
