"""Plausible names for the small venues (九小场所) that carry fire sensors. The names are data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VenueKind:
    tag: str
    weight: float
    suffixes: tuple[str, ...]


VENUE_KINDS: tuple[VenueKind, ...] = (
    VenueKind("shop", 0.30, ("便利店", "超市", "五金店", "水果店", "烟酒店", "文具店", "粮油店")),
    VenueKind("restaurant", 0.28, ("面馆", "饭店", "小吃店", "烧烤店", "快餐店", "酒家", "饺子馆")),
    VenueKind("hotel", 0.08, ("宾馆", "旅馆", "快捷酒店", "招待所", "客栈")),
    VenueKind("salon", 0.10, ("理发店", "美容美发", "足浴店", "洗浴中心")),
    VenueKind("workshop", 0.08, ("服装加工厂", "印刷厂", "汽修厂", "家具加工坊")),
    VenueKind("internet-cafe", 0.05, ("网咖", "网吧")),
    VenueKind("clinic", 0.05, ("诊所", "口腔诊所", "中医诊所")),
    VenueKind("kindergarten", 0.03, ("幼儿园", "托育中心")),
    VenueKind("karaoke", 0.03, ("KTV", "歌舞厅")),
)

_PREFIXES = (
    "老王", "小李", "阿强", "福满", "鑫源", "好运来", "金太阳", "红星", "东方", "惠民",
    "家乐", "永兴", "顺发", "宏达", "佳佳", "新华", "阳光", "和平", "平安", "明珠",
    "如意", "兴旺", "隆昌", "万家", "春风", "吉祥", "同心", "友谊", "百姓", "老街坊",
    "川味", "湘里", "蜀香", "粤海", "徽州", "兰州", "沙县", "东北人", "江南", "金稻",
)  # fmt: skip


def venue_name(kind: VenueKind, pick_prefix: int, pick_suffix: int) -> str:
    """A name like 福满饭店; the picks are any non-negative integers (taken modulo the pools)."""
    return _PREFIXES[pick_prefix % len(_PREFIXES)] + kind.suffixes[pick_suffix % len(kind.suffixes)]
