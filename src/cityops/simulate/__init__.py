"""模拟 (simulate): a plausible district fleet, its readings over time, and incidents.

`prepare_simulator("demo", scale=1000)` builds the fleet over the sample district and loads
the scenario; register `sim.fleet` (`register_over_http`), then `await sim.run(target)` with a
`Target` (HTTP, MQTT or a callback). Scenarios may also have cameras report AI detections,
which HTTP and callback targets deliver to `/api/v1/detections`. `blast` is the
rate-controlled load generator.
"""

from cityops.simulate.detections import ScheduledDetection, plan_detections
from cityops.simulate.fleet import DeviceSpec, build_fleet
from cityops.simulate.geography import Geography, load_geography
from cityops.simulate.loadgen import BlastReport, blast
from cityops.simulate.mqtt_target import MqttTarget
from cityops.simulate.runner import RunStats, Simulator, prepare_simulator
from cityops.simulate.scenario import Scenario, load_scenario, resolve_scenario
from cityops.simulate.targets import (
    CallbackTarget,
    DetectionTarget,
    HttpTarget,
    Registration,
    SendResult,
    Target,
    TargetError,
    WireDetection,
    WireReading,
    register_over_http,
)

__all__ = [
    "BlastReport",
    "CallbackTarget",
    "DetectionTarget",
    "DeviceSpec",
    "Geography",
    "HttpTarget",
    "MqttTarget",
    "Registration",
    "RunStats",
    "Scenario",
    "ScheduledDetection",
    "SendResult",
    "Simulator",
    "Target",
    "TargetError",
    "WireDetection",
    "WireReading",
    "blast",
    "build_fleet",
    "load_geography",
    "load_scenario",
    "plan_detections",
    "prepare_simulator",
    "register_over_http",
    "resolve_scenario",
]
