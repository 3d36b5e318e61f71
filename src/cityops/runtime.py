"""Composition root: builds every service once, in dependency order, and starts/stops them.

Every edge (the API, the MQTT subscriber, the CLI, the demo) works through one `Runtime`, so
there is exactly one writer per store and one in-memory registry per process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import sqlalchemy as sa

from cityops.audit.log import AuditLog
from cityops.auth.api_keys import ApiKeys
from cityops.auth.users import UserService
from cityops.bus.local import READINGS_STORED, LocalBus
from cityops.cases.calendar import load_calendar, shipped_calendar_dir
from cityops.cases.deadlines import load_time_limits
from cityops.cases.followers import CaseFollowers
from cityops.cases.intake import Intake, load_intake
from cityops.cases.routing import load_routing
from cityops.cases.service import CASES_CHANGED, CaseService
from cityops.cases.units import check_scope, load_units
from cityops.cases.workflow import load_workflow
from cityops.core.clock import Clock, SystemClock
from cityops.core.config import Settings
from cityops.core.types import Reading
from cityops.detections.service import DetectionService
from cityops.devices.registry import DeviceRegistry
from cityops.devices.service import DeviceService
from cityops.devices.shadow import ShadowStore
from cityops.devices.status_counts import StatusCounts
from cityops.devices.thing_model import load_shipped_and
from cityops.district.index import GridIndex
from cityops.district.model import Area
from cityops.district.service import load_areas
from cityops.events.detector import Detector
from cityops.events.service import EVENTS_CHANGED, EventService
from cityops.evidence.store import EvidenceStore
from cityops.ingest.mqtt import MqttIngest
from cityops.ingest.pipeline import IngestService
from cityops.ingest.rate import StoredRate
from cityops.ingest.writer import Writer
from cityops.open311.catalog import load_catalog
from cityops.open311.service import Open311Service
from cityops.rules.engine import RuleEngine
from cityops.rules.service import RuleService
from cityops.store import readings as readings_store
from cityops.store.engine import make_engine
from cityops.store.migrate import upgrade
from cityops.taxonomy.loader import load_taxonomy

log = logging.getLogger(__name__)

REPLAY_LATE_MS = 3_600_000
"""At start, readings committed after the detector's checkpoint are judged again if stamped
no earlier than this before it."""


class District:
    """The loaded district: its areas and the grid index, swapped whole after an import."""

    def __init__(self) -> None:
        self.areas: list[Area] = []
        self.index = GridIndex.from_areas([])

    def load(self, engine: sa.Engine) -> None:
        areas = load_areas(engine)
        self.index = GridIndex.from_areas(areas)
        self.areas = areas

    def locate_many(self, lons: Sequence[float], lats: Sequence[float]) -> list[str | None]:
        return self.index.locate_many(lons, lats)


class Runtime:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.engine = make_engine(
            settings.resolved_database_url(), sqlite_synchronous=settings.sqlite_synchronous
        )
        self.bus = LocalBus()
        self.registry = DeviceRegistry(load_shipped_and(settings.models_dir))
        self.district = District()
        self.shadows = ShadowStore()
        self.status_counts = StatusCounts(self.registry, self.shadows, self.clock)
        self.audit = AuditLog(self.engine, self.clock)
        self.users = UserService(self.engine, self.clock, self.audit)
        self.users.known_scope = self._known_scope
        self.api_keys = ApiKeys(self.engine, self.clock, self.audit)
        self.devices = DeviceService(self.engine, self.registry, self.district, self.clock)
        self.writer = Writer(
            self.engine, max_queued=settings.write_queue_max, now_ms=self.clock.now_ms
        )
        self.ingest = IngestService(
            self.registry, self.writer, self.clock, future_tolerance_s=settings.future_tolerance_s
        )
        self.mqtt: MqttIngest | None = None
        if settings.mqtt_url:
            self.mqtt = MqttIngest(
                settings.mqtt_url,
                self.ingest,
                topic=settings.mqtt_topic,
                share_group=settings.mqtt_share_group,
                client_id=settings.mqtt_client_id,
                max_payload_bytes=settings.mqtt_max_payload_bytes,
                session_expiry_s=settings.mqtt_session_expiry_s,
            )
        self._wire_detection(settings)
        self._wire_cases()
        self.writer.add_listener(self._publish_stored)
        self.bus.subscribe(READINGS_STORED, self._apply_shadows)
        self.bus.subscribe(READINGS_STORED, self.detector.on_stored)
        self.stored_rate = StoredRate(self._grid_of_device)
        self.bus.subscribe(READINGS_STORED, self.stored_rate.on_stored)
        self._stop_flush = threading.Event()
        self._flusher = threading.Thread(
            target=self._flush_loop, name="cityops-shadow", daemon=True
        )
        self.started = False

    def _wire_detection(self, settings: Settings) -> None:
        self.taxonomy = load_taxonomy(settings.taxonomy_dir)
        self.events = EventService(self.engine, self.bus, self.clock)
        self.rule_engine = RuleEngine(self.taxonomy)
        self.rules = RuleService(
            self.engine, self.rule_engine, self.taxonomy, self.events, self.clock, audit=self.audit
        )
        self.evidence = EvidenceStore(self.engine, settings.data_dir / "evidence", self.clock)
        self.detections = DetectionService(
            self.engine,
            self.registry,
            self.taxonomy,
            self.events,
            self.evidence,
            self.clock,
            settings.detection_mappings_dir,
            future_tolerance_s=settings.future_tolerance_s,
        )
        catalog = None
        if settings.open311_services_path is not None:
            catalog = load_catalog(self.taxonomy, settings.open311_services_path)
        self.open311 = Open311Service(
            self.engine, self.taxonomy, self.events, self.district, self.clock, catalog=catalog
        )
        self.detector = Detector(
            self.rule_engine,
            self.events,
            self.registry,
            self.shadows,
            self.clock,
            tick_s=settings.rules_tick_s,
            lock=self.rules.lock,
        )
        self.rules.progress = lambda: self.detector.evaluated_through

    def _wire_cases(self) -> None:
        calendar = load_calendar([shipped_calendar_dir()])
        units = load_units([])
        self.cases = CaseService(
            self.engine,
            self.bus,
            self.clock,
            workflow=load_workflow(),
            units=units,
            routing=load_routing(units),
            limits=load_time_limits(calendar),
            calendar=calendar,
            audit=self.audit,
        )
        self.intake = Intake(self.cases, load_intake())
        self.bus.subscribe(EVENTS_CHANGED, self.intake.on_events_changed)
        self.case_followers = CaseFollowers(self.cases, self.events, self.open311)
        self.bus.subscribe(CASES_CHANGED, self.case_followers.on_case_changed)

    def _configure_cases(self) -> None:
        """Units and routing follow the imported district (its streets and communities)."""
        units = load_units(self.district.areas)
        self.cases.units = units
        self.cases.routing = load_routing(units)
        root = next((a.code for a in self.district.areas if a.parent_code is None), "")
        self.cases.district_code = root

    def _known_scope(self, unit: str | None, areas: Sequence[str]) -> None:
        check_scope(self.cases.units, self.district.areas, unit, areas)

    def _grid_of_device(self, device_id: str) -> str | None:
        device = self.registry.get(device_id)
        return device.grid_code if device is not None else None

    def _publish_stored(self, readings: Sequence[Reading], at: int) -> None:
        self.bus.publish(READINGS_STORED, (readings, at))

    def _apply_shadows(self, message: tuple[Sequence[Reading], int]) -> None:
        self.shadows.apply(*message)

    def start(self, *, migrate: bool = True) -> None:
        if migrate:
            upgrade(self.engine)
        self.district.load(self.engine)
        self._configure_cases()
        devices = self.devices.load()
        shadows = self.shadows.load(self.engine)
        events = self.events.load()
        # Events committed just before a crash may never have reached intake (it runs from the
        # in-process bus after the commit): offer every open event again; those with a case
        # are skipped.
        self.intake.on_events_changed(self.events.open_events())
        # Likewise a case closed just before a crash: its followers clear the events and
        # close the citizen's request.
        self.case_followers.resume()
        rules = self.rules.load()
        replayed = self._judge_unjudged()
        log.info(
            "loaded %d devices, %d shadows, %d open events, %d rules; %d readings judged again",
            devices,
            shadows,
            events,
            rules,
            replayed,
        )
        self.detector.start()
        self.writer.start()
        self._flusher.start()
        if self.mqtt is not None:
            self.mqtt.start()
        self.started = True

    def _judge_unjudged(self) -> int:
        """Readings committed after the last rule-state checkpoint may never have reached the
        rules (they wait in the detector's in-memory queue, and a crash loses the queue): judge
        them again before new input. Readings stamped more than REPLAY_LATE_MS before the
        checkpoint are not looked for (the engine treats such late readings as history)."""
        through = self.rules.checkpoint()
        if through is None:  # a new store: from now on
            self.detector.evaluated_through = self.clock.now_ms()
            self.rules.flush_state()
            return 0
        with self.engine.connect() as conn:
            ids = [device.id for device in self.registry]
            missed = readings_store.received_after(conn, ids, through - REPLAY_LATE_MS, through)
        self.detector.replay(missed, through)
        return len(missed)

    def stop(self) -> None:
        if not self.started:
            return
        if self.mqtt is not None:
            self.mqtt.stop()
        self.writer.stop()
        self.detector.stop()
        self._stop_flush.set()
        self._flusher.join(10)
        self.shadows.flush(self.engine)
        self.rules.flush_state()
        self.engine.dispose()
        self.started = False

    def _flush_loop(self) -> None:
        """Snapshots and the deadline tick, each on its own interval."""
        rules_due = self.clock.now_ms() + self.settings.rules_state_flush_s * 1000
        while not self._stop_flush.wait(self.settings.shadow_flush_s):
            try:
                self.shadows.flush(self.engine)
                if self.clock.now_ms() >= rules_due:
                    self.rules.flush_state()
                    rules_due = self.clock.now_ms() + self.settings.rules_state_flush_s * 1000
                self.cases.tick()
            except Exception:
                log.exception("maintenance step failed; retrying next interval")
