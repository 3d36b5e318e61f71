"""Vendor label mappings: what each video-analytics vendor's labels mean as CityOps events.

Every vendor names the same thing differently (``garbage_exposed``, ``exposed_trash``) and
scores confidence on its own scale, so the mapping is data a city can edit: per vendor label
the event class, the confidence below which a detection opens nothing, the severity, and how
near (metres) and how recent (seconds) a detection must be to join an open event rather than
open another. Shipped files live in ``cityops/data/detections``; a city's folder
(``CITYOPS_DETECTION_MAPPINGS_DIR``) is read after them and replaces a vendor it names again.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from cityops.core.datafile import parse_yaml
from cityops.core.errors import ConfigError
from cityops.events.model import Severity
from cityops.taxonomy.model import Taxonomy

VendorId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Label = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,99}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LabelMapping(_Strict):
    class_code: Annotated[str, Field(pattern=r"^E\d{4}$")]
    """An event class (E + major + minor); components (C…) are not events."""
    name_zh: str | None = None
    """The vendor's own name for the label, shown when the taxonomy has no name."""
    min_confidence: float = Field(ge=0, le=1)
    severity: Severity
    dedup_radius_m: float = Field(gt=0, le=10_000)
    dedup_window_s: int = Field(gt=0, le=30 * 86_400)


class VendorMapping(_Strict):
    vendor: VendorId
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    labels: dict[Label, LabelMapping] = Field(min_length=1)


class Mappings:
    """Vendor mappings by vendor id, as loaded at start-up."""

    def __init__(self, vendors: Iterable[VendorMapping]) -> None:
        self._by_id = {v.vendor: v for v in vendors}

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, vendor: str) -> VendorMapping | None:
        return self._by_id.get(vendor)

    def vendors(self) -> list[VendorMapping]:
        return sorted(self._by_id.values(), key=lambda v: v.vendor)


def parse_mapping(text: str, origin: str) -> VendorMapping:
    """One vendor's mapping from YAML (or JSON) text; errors name `origin` and each field."""
    return parse_yaml(text, origin, VendorMapping, "detection mapping")


def shipped_mappings_dir() -> Path:
    return Path(str(resources.files("cityops") / "data" / "detections"))


def load_mappings(extra_dir: Path | None = None, taxonomy: Taxonomy | None = None) -> Mappings:
    """The shipped mappings, then a city's; checked against `taxonomy` when it has classes."""
    vendors: dict[str, VendorMapping] = {}
    for folder in [shipped_mappings_dir(), *([extra_dir] if extra_dir else [])]:
        vendors.update(_load_folder(folder))
    if taxonomy is not None and len(taxonomy):
        # An empty taxonomy means none is loaded (yet); the code pattern was still checked.
        for vendor in vendors.values():
            for label, mapping in vendor.labels.items():
                if taxonomy.get(mapping.class_code) is None:
                    raise ConfigError(
                        f"detection mapping {vendor.vendor!r}: label {label!r} maps to"
                        f" {mapping.class_code}, which is not an event class of the taxonomy"
                    )
    return Mappings(vendors.values())


def _load_folder(folder: Path) -> dict[str, VendorMapping]:
    try:
        paths = sorted(p for p in folder.iterdir() if p.suffix in {".yaml", ".yml", ".json"})
    except OSError as exc:
        raise ConfigError(f"{folder}: cannot read detection mappings: {exc.strerror}") from exc
    found: dict[str, tuple[Path, VendorMapping]] = {}
    for path in paths:
        mapping = parse_mapping(path.read_text(encoding="utf-8"), str(path))
        if mapping.vendor in found:
            first = found[mapping.vendor][0]
            raise ConfigError(f"{path}: vendor {mapping.vendor!r} is already mapped by {first}")
        found[mapping.vendor] = (path, mapping)
    return {vendor: mapping for vendor, (_, mapping) in found.items()}
