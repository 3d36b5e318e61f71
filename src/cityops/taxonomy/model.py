"""Classes of city events and components.

Codes: a kind letter (E event, C component) + 2-digit major class + 2-digit minor class,
e.g. ``E0102`` 市容环境/暴露垃圾. Cities add classes (their own majors from 20 up); the
IoT-sensed classes sit in the platform's extension major ``E10`` 物联感知.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

import msgspec

from cityops.core.errors import ConfigError


class Kind(StrEnum):
    EVENT = "event"  # 事件
    COMPONENT = "component"  # 部件

    @classmethod
    def of_code(cls, code: str) -> Kind:
        """The kind a code's first letter names (``E0102`` → event)."""
        return cls.EVENT if code.startswith("E") else cls.COMPONENT


class MajorClass(msgspec.Struct, frozen=True, kw_only=True):
    """A major class (大类), e.g. ``E01`` 市容环境."""

    code: str
    kind: Kind
    name_zh: str
    name_en: str
    origin: str = "GB/T 30428.2"


class EventClass(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    kind: Kind
    major_code: str
    major_name_zh: str
    major_name_en: str
    name_zh: str
    name_en: str
    iot: bool = False
    """Sensed by devices rather than reported by people."""
    origin: str = "GB/T 30428.2"
    """Where the class comes from: the standard's style, the platform, or a city's file."""


class Taxonomy:
    def __init__(self, classes: Iterable[EventClass], majors: Iterable[MajorClass] = ()) -> None:
        self._by_code = {c.code: c for c in classes}
        self._majors = {m.code: m for m in majors}

    def __len__(self) -> int:
        return len(self._by_code)

    def get(self, code: str) -> EventClass | None:
        return self._by_code.get(code)

    def require(self, code: str) -> EventClass:
        found = self._by_code.get(code)
        if found is None:
            raise ConfigError(f"unknown event class {code!r}")
        return found

    def classes(self) -> list[EventClass]:
        return sorted(self._by_code.values(), key=lambda c: c.code)

    def majors(self) -> list[MajorClass]:
        return sorted(self._majors.values(), key=lambda m: m.code)

    def major(self, code: str) -> MajorClass | None:
        return self._majors.get(code)

    def select(
        self, *, kind: Kind | None = None, major: str | None = None, iot: bool | None = None
    ) -> list[EventClass]:
        """The classes matching every filter given (None matches all), sorted by code."""
        return [
            c
            for c in self.classes()
            if (kind is None or c.kind is kind)
            and (major is None or c.major_code == major)
            and (iot is None or c.iot is iot)
        ]
