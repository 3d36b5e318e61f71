"""Reading GeoJSON FeatureCollections, with errors that point at the offending feature.

Every error is a `ConfigError` whose message starts with the origin (usually the file name)
and the feature index, so whoever edits a district file can go straight to the mistake.
"""

from __future__ import annotations

import json
import math
from typing import Any, NoReturn

import shapely
from shapely.errors import GEOSException
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from cityops.core.errors import ConfigError

_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_AT_EQUATOR = 111_320.0


def fail(where: str, problem: str) -> NoReturn:
    raise ConfigError(f"{where}: {problem}")


def feature_at(origin: str, index: int, ident: object = None) -> str:
    """How errors name a feature: `origin: feature 3 (330199001001001)`."""
    label = f" ({ident})" if isinstance(ident, str) and ident else ""
    return f"{origin}: feature {index}{label}"


def read_features(data: bytes | str, origin: str) -> list[dict[str, Any]]:
    """Parse a FeatureCollection and return its features, each checked to be a Feature object."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{origin}: not valid JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        fail(origin, 'expected a GeoJSON object with "type": "FeatureCollection"')
    features = doc.get("features")
    if not isinstance(features, list):
        fail(origin, '"features" must be a list')
    for index, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            fail(feature_at(origin, index), 'expected an object with "type": "Feature"')
        if not isinstance(feature.get("properties"), dict):
            fail(feature_at(origin, index), '"properties" must be an object')
    return features


def required_text(
    props: dict[str, Any], key: str, where: str, max_length: int | None = None
) -> str:
    value = props.get(key)
    if not isinstance(value, str) or not value.strip():
        fail(where, f"property {key!r} must be a non-empty string, got {value!r}")
    if max_length is not None and len(value) > max_length:
        fail(where, f"property {key!r} is longer than {max_length} characters")
    return value


def optional_text(props: dict[str, Any], key: str, where: str) -> str | None:
    return None if props.get(key) is None else required_text(props, key, where)


def read_geometry(
    feature: dict[str, Any], where: str, allowed: frozenset[str]
) -> tuple[dict[str, Any], BaseGeometry]:
    """Return the feature's GeoJSON geometry and its shapely shape, checked valid and lon/lat."""
    geometry = feature.get("geometry")
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if not isinstance(geometry, dict) or kind not in allowed:
        fail(where, f"geometry must be one of {', '.join(sorted(allowed))}, got {kind!r}")
    try:
        geom = shape(geometry)
    except (GEOSException, ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
        raise ConfigError(f"{where}: malformed {kind} coordinates: {exc}") from exc
    if geom.is_empty:
        fail(where, f"{kind} is empty")
    if not geom.is_valid:
        fail(where, f"invalid {kind}: {shapely.is_valid_reason(geom)}")
    west, south, east, north = geom.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        fail(where, f"coordinates are not WGS84 lon/lat: bounds {geom.bounds}")
    return geometry, geom


def square_metres(geom: BaseGeometry) -> float:
    """Approximate area in m² of a small lon/lat geometry (a district spans a few km)."""
    if geom.is_empty:
        return 0.0
    scale = _M_PER_DEG_LAT * _M_PER_DEG_LON_AT_EQUATOR * math.cos(math.radians(geom.centroid.y))
    return float(geom.area) * scale
