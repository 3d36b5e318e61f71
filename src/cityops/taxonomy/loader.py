"""Load the taxonomy: the shipped classes, then a city's folder, all checked before use.

A file (YAML) lists major classes and classes under full codes, so a code reads the same in
the data, the database and the API::

    origin: GB/T 30428.2                  # optional: the origin of entries that name none
    majors:
      - {code: E01, name_zh: 市容环境, name_en: City appearance and environment}
    classes:
      - {code: E0102, name_zh: 暴露垃圾, name_en: Exposed garbage}

Loading returns a `Taxonomy` that satisfies all of the following, or raises ConfigError naming
the file, the entry and the problem:

1. codes are ``E``/``C`` + 2-digit major (+ 2-digit minor, 01-99 for a class); both names set;
   ``iot: true`` only on event classes;
2. every code is defined once; every class's major is defined (in any file);
3. a city's folder adds its own majors numbered from 20 up, and classes under any major; it
   redefines a shipped code only with ``override: true``, and ``override`` on a code that is
   not shipped is refused too, so that a typo cannot quietly add a class.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, TypeVar

import msgspec
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cityops.core.errors import ConfigError
from cityops.taxonomy.model import EventClass, Kind, MajorClass, Taxonomy

CITY_MAJORS_FROM = 20
"""Majors below this number belong to the standard and the platform."""

DEFAULT_ORIGIN = "GB/T 30428.2"


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    origin: str | None = None
    override: bool = False


class _Major(_Entry):
    code: Annotated[str, Field(pattern=r"^[EC]\d{2}$")]


class _Class(_Entry):
    code: Annotated[str, Field(pattern=r"^[EC]\d{2}(0[1-9]|[1-9]\d)$")]
    iot: bool = False


E = TypeVar("E", bound=_Entry)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    origin: str | None = None
    majors: list[Any] = []
    classes: list[Any] = []


class _Defined(msgspec.Struct, frozen=True):
    entry: _Entry
    where: str
    origin: str
    shipped: bool
    overridden: bool = False


def shipped_taxonomy_dir() -> Path:
    return Path(str(resources.files("cityops") / "data" / "taxonomy"))


def load_taxonomy(extra_dir: Path | None = None) -> Taxonomy:
    """The shipped classes plus a city's folder (``CITYOPS_TAXONOMY_DIR``), if given."""
    book = _Book()
    for path in _files(shipped_taxonomy_dir()):
        book.add_file(path, shipped=True)
    if extra_dir is not None:
        if not extra_dir.is_dir():
            raise ConfigError(f"{extra_dir}: the taxonomy folder does not exist")
        for path in _files(extra_dir):
            book.add_file(path, shipped=False)
    return book.build()


def _files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.iterdir()):
        if path.suffix in {".yaml", ".yml"}:
            yield path


class _Book:
    """Definitions gathered across files, checked one by one and then as a whole."""

    def __init__(self) -> None:
        self.majors: dict[str, _Defined] = {}
        self.classes: dict[str, _Defined] = {}

    def add_file(self, path: Path, *, shipped: bool) -> None:
        content = _read(path)
        default_origin = content.origin or (DEFAULT_ORIGIN if shipped else path.name)
        for section, model, table in (
            ("majors", _Major, self.majors),
            ("classes", _Class, self.classes),
        ):
            for index, raw in enumerate(getattr(content, section)):
                entry, where = _parse(model, raw, f"{path}: {section}[{index}]")
                origin = entry.origin or default_origin
                _add(table, _Defined(entry, where, origin, shipped))

    def build(self) -> Taxonomy:
        majors = {
            code: MajorClass(
                code=code,
                kind=Kind.of_code(code),
                name_zh=d.entry.name_zh,
                name_en=d.entry.name_en,
                origin=d.origin,
            )
            for code, d in self.majors.items()
        }
        classes = []
        for code, d in self.classes.items():
            major = majors.get(code[:3])
            if major is None:
                raise ConfigError(f"{d.where}: its major class {code[:3]} is not defined")
            classes.append(
                EventClass(
                    code=code,
                    kind=major.kind,
                    major_code=major.code,
                    major_name_zh=major.name_zh,
                    major_name_en=major.name_en,
                    name_zh=d.entry.name_zh,
                    name_en=d.entry.name_en,
                    iot=isinstance(d.entry, _Class) and d.entry.iot,
                    origin=d.origin,
                )
            )
        return Taxonomy(classes, majors.values())


def _read(path: Path) -> _File:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    try:
        return _File.model_validate(data or {})
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_describe(exc)}") from exc


def _parse(model: type[E], raw: Any, where: str) -> tuple[E, str]:
    code = raw.get("code") if isinstance(raw, dict) else None
    if isinstance(code, str):
        where = f"{where} ({code})"
    try:
        entry = model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{where}: {_describe(exc)}") from exc
    if isinstance(entry, _Class) and entry.iot and not entry.code.startswith("E"):
        raise ConfigError(f"{where}: iot applies to event classes only")
    return entry, where


def _describe(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
        for err in exc.errors()
    )


def _add(table: dict[str, _Defined], new: _Defined) -> None:
    code = new.entry.code
    old = table.get(code)
    if new.shipped or old is None:
        if old is not None:
            raise ConfigError(f"{new.where}: {code} is already defined at {old.where}")
        if not new.shipped:
            _check_city_addition(code, new)
        table[code] = new
        return
    if not old.shipped or old.overridden:
        raise ConfigError(f"{new.where}: {code} is already defined at {old.where}")
    if not new.entry.override:
        raise ConfigError(
            f"{new.where}: {code} is a shipped class (defined at {old.where}); "
            "set `override: true` to redefine it"
        )
    table[code] = msgspec.structs.replace(new, overridden=True)


def _check_city_addition(code: str, new: _Defined) -> None:
    if new.entry.override:
        raise ConfigError(f"{new.where}: `override: true`, but no shipped class has code {code}")
    if len(code) == 3 and int(code[1:]) < CITY_MAJORS_FROM:
        raise ConfigError(
            f"{new.where}: a city's own major classes are numbered from {CITY_MAJORS_FROM} up "
            f"({code[0]}{CITY_MAJORS_FROM}-{code[0]}99)"
        )
