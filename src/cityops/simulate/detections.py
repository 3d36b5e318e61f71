"""Detections a video-analytics vendor would send during a scenario, planned up front.

`plan_detections` resolves each `detections` incident to cameras and moments: named cameras,
plus `count` picked by the seed among cameras that run AI and are not silenced by a dropout
(or the `count` nearest a device or place). Each sighting of the same thing keeps nearly the
same box, with a fresh confidence and snapshot, so the platform can join them into one event.
Everything is drawn from the seed: same seed and fleet, same detections.
"""

from __future__ import annotations

import base64
import math
import random
import zlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from cityops.core.errors import ConfigError
from cityops.simulate.fleet import DeviceSpec
from cityops.simulate.generators import camera_ai_enabled
from cityops.simulate.png import snapshot
from cityops.simulate.scenario import Detections, Scenario
from cityops.simulate.targets import WireDetection

CAMERA = "camera"


@dataclass(frozen=True)
class ScheduledDetection:
    t_s: float
    camera_id: str
    vendor: str
    label: str
    confidence: float
    bbox: tuple[float, float, float, float]
    """Normalised ``[x, y, w, h]``."""
    grain: int
    """Varies the snapshot's background, so each sighting is its own image."""

    def wire(self, ts: int) -> WireDetection:
        """The detection as posted, stamped `ts` (epoch ms), with its PNG snapshot inline."""
        image = snapshot(self.bbox, _colour(self.label), self.grain)
        return {
            "vendor": self.vendor,
            "camera_id": self.camera_id,
            "label": self.label,
            "confidence": self.confidence,
            "bbox": list(self.bbox),
            "ts": ts,
            "image_base64": base64.b64encode(image).decode(),
        }


def plan_detections(
    scenario: Scenario, fleet: Sequence[DeviceSpec], seed: int, silenced: Collection[str] = ()
) -> list[ScheduledDetection]:
    """Every detection of the scenario, in time order; unknown names raise ConfigError."""
    by_id = {d.id: d for d in fleet}
    planned: list[ScheduledDetection] = []
    for index, incident in enumerate(scenario.incidents):
        if not isinstance(incident, Detections):
            continue
        rng = random.Random(seed * 1_000_003 + index)
        where = f"scenario {scenario.name!r}: incidents.{index} (detections)"
        for camera_id in _cameras(incident, fleet, by_id, seed, set(silenced), rng, where):
            planned.extend(_sightings(incident, camera_id, rng))
    planned.sort(key=lambda d: (d.t_s, d.camera_id))
    return planned


def _cameras(
    incident: Detections,
    fleet: Sequence[DeviceSpec],
    by_id: dict[str, DeviceSpec],
    seed: int,
    silenced: set[str],
    rng: random.Random,
    where: str,
) -> list[str]:
    named = []
    for name in incident.cameras:
        device = by_id.get(name)
        if device is None or device.model != CAMERA:
            raise ConfigError(f"{where}.cameras: no camera {name!r}")
        named.append(name)
    candidates = [
        d
        for d in fleet
        if d.model == CAMERA
        and d.id not in named
        and d.id not in silenced
        and camera_ai_enabled(seed, d.id)
    ]
    if incident.count > len(candidates):
        raise ConfigError(
            f"{where}.count: {incident.count} but only {len(candidates)} more cameras run AI"
        )
    if incident.near is None:
        picked = sorted(d.id for d in rng.sample(candidates, incident.count))
    else:
        anchor = _anchor(incident.near, by_id)
        if anchor is None:
            raise ConfigError(f"{where}.near: no device or place {incident.near!r}")
        candidates.sort(key=lambda d: (_metres(d, anchor), d.id))
        picked = [d.id for d in candidates[: incident.count]]
    return named + picked


def _sightings(
    incident: Detections, camera_id: str, rng: random.Random
) -> list[ScheduledDetection]:
    w, h = rng.uniform(0.08, 0.3), rng.uniform(0.08, 0.3)
    x, y = rng.uniform(0.02, 0.95 - w), rng.uniform(0.3, 0.95 - h)
    low, high = incident.confidence
    sightings = []
    for k in range(incident.repeat):
        dx, dy = rng.uniform(-0.01, 0.01), rng.uniform(-0.01, 0.01)
        box = (round(x + dx, 4), round(y + dy, 4), round(w, 4), round(h, 4))
        sightings.append(
            ScheduledDetection(
                t_s=incident.start_s + k * incident.every_s,
                camera_id=camera_id,
                vendor=incident.vendor,
                label=incident.label,
                confidence=round(rng.uniform(low, high), 3),
                bbox=box,
                grain=rng.getrandbits(32),
            )
        )
    return sightings


def _anchor(name: str, by_id: dict[str, DeviceSpec]) -> DeviceSpec | None:
    """A device by id, or the gauge or station on a place (UP-001, WQ-03)."""
    for device_id in (name, f"WQS-{name}", f"UWL-{name}"):
        if device_id in by_id:
            return by_id[device_id]
    return None


def _metres(a: DeviceSpec, b: DeviceSpec) -> float:
    """Equirectangular distance: plenty for ranking cameras within a district."""
    x = math.radians(a.lon - b.lon) * math.cos(math.radians((a.lat + b.lat) / 2))
    y = math.radians(a.lat - b.lat)
    return 6_371_008.8 * math.hypot(x, y)


def _colour(label: str) -> tuple[int, int, int]:
    """A fixed colour per label, so the snapshots of one kind of thing look alike."""
    h = zlib.crc32(label.encode())
    return (h & 0xFF, (h >> 8) & 0xFF, (h >> 16) & 0xFF)
