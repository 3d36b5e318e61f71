"""Settings, read from the environment (prefix ``CITYOPS_``) so one binary serves every site."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CITYOPS_", extra="ignore")

    data_dir: Path = Path(".cityops")
    database_url: str = ""
    """SQLAlchemy URL; empty means the embedded SQLite file ``<data_dir>/cityops.db``."""

    mqtt_url: str = ""
    """``mqtt://[user:pass@]host:port``; empty disables the MQTT subscriber."""
    mqtt_topic: str = "cityops/devices/+/telemetry"
    mqtt_share_group: str = "cityops-ingest"
    """Shared-subscription group so several processes split the device traffic; empty disables."""
    mqtt_client_id: str = "cityops-ingest-1"
    mqtt_max_payload_bytes: int = 256 * 1024
    mqtt_session_expiry_s: int = 7 * 24 * 3600
    """The broker keeps our subscription and queues messages this long while we are away."""

    models_dir: Path | None = None
    """Extra thing-model files (YAML/JSON) loaded after the shipped ones."""

    taxonomy_dir: Path | None = None
    """A city's own event classes (YAML), added to the shipped taxonomy."""
    detection_mappings_dir: Path | None = None
    """A city's own vendor label mappings for camera AI, added to the shipped ones."""
    open311_services_path: Path | None = None
    """A city's own Open311 service list (YAML) instead of the shipped one."""
    rules_tick_s: float = 10.0
    """How often time-based rule conditions (no data for a duration) are evaluated."""
    rules_state_flush_s: float = 60.0
    """How often rule state (windows, pending durations) is snapshotted for a restart. Every
    reading touches some state, so a short interval costs real throughput (measured: 5 s takes
    about a quarter of the ingest rate); a restart forgets at most this much window history."""

    max_body_bytes: int = 8 * 1024 * 1024
    future_tolerance_s: int = 300
    """A reading stamped further in the future than this is rejected (device clock wrong)."""

    sqlite_synchronous: str = Field("FULL", pattern="^(FULL|NORMAL)$")
    """FULL survives power loss; NORMAL (WAL) survives a process crash but not power loss."""

    write_queue_max: int = 200_000
    """Readings waiting for the writer before ingest answers 503 (back-pressure)."""

    shadow_flush_s: float = 5.0

    basemap_url: str = ""
    """Map tiles for the screens, an XYZ template such as ``https://tiles.example/{z}/{x}/{y}.png``
    (a city's own tile server; nothing is fetched from a third party by default). Empty: the
    screens draw the district outlines on a plain background."""
    basemap_attribution: str = ""
    """The credit line the tile provider's licence asks for, shown on the map."""
    basemap_max_zoom: int = Field(18, ge=0, le=24)
    map_device_points: int = Field(20_000, ge=1, le=200_000)
    """Above this many devices in view the screens' map draws counts per grid instead of one
    point per device (20k points drew in about 0.5 s in Chromium here; bench/screen.py)."""

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'cityops.db').as_posix()}"
