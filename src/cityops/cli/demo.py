"""`cityops demo`: the embedded platform, the sample district and a simulated fleet, one command."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from rich.console import Console

from cityops.auth.tokens import Role
from cityops.cli.data import demo_rules_path
from cityops.core.config import Settings
from cityops.core.errors import NotFound
from cityops.devices.service import DeviceIn
from cityops.district.loader import sample_district_path
from cityops.district.service import import_district_file
from cityops.runtime import Runtime
from cityops.simulate import HttpTarget, MqttTarget, RunStats, Simulator, prepare_simulator
from cityops.simulate.targets import Target
from cityops.store.migrate import upgrade
from cityops.web.app import create_app

console = Console()
FOREVER_S = 10.0**9

# One person for each screen: (username, display name, role, unit, areas).
DEMO_ACCOUNTS: tuple[tuple[str, str, Role, str | None, tuple[str, ...]], ...] = (
    ("admin", "系统管理员", Role.ADMIN, None, ()),
    ("dispatcher", "派遣员 李明", Role.DISPATCHER, None, ()),
    ("chief", "值班长 陈静", Role.DUTY_CHIEF, None, ()),
    ("intake", "受理员 王芳", Role.INTAKE_OPERATOR, None, ()),
    ("inspector", "监督员 赵强", Role.INSPECTOR, None, ()),
    ("drainage", "排水管理处 刘洋", Role.UNIT_HANDLER, "dept-drainage", ()),
    ("gridworker", "江畔社区网格员 周敏", Role.GRID_WORKER, "grid-330199001001", ("330199001001",)),
)


def demo(
    port: Annotated[int, typer.Option(help="HTTP port")] = 8000,
    duration: Annotated[
        float | None, typer.Option(help="stop after this many seconds (default: until Ctrl-C)")
    ] = None,
    scale: Annotated[int, typer.Option(help="number of simulated devices")] = 1000,
    mqtt: Annotated[
        str | None,
        typer.Option(help="publish the fleet over this MQTT broker, e.g. mqtt://127.0.0.1:1883"),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="random seed (default: the scenario's)")] = None,
    scenario: Annotated[str, typer.Option(help="shipped scenario name or a YAML path")] = "demo",
    speed: Annotated[float | None, typer.Option(help="scenario time per real second")] = None,
    host: Annotated[str, typer.Option(help="bind address")] = "127.0.0.1",
) -> None:
    """Run the demo district on the embedded store (SQLite under .cityops/)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings(mqtt_url=mqtt or "", mqtt_client_id="cityops-demo", mqtt_share_group="")
    runtime = _prepare_runtime(settings)
    sim = prepare_simulator(scenario, scale=scale, seed=seed, speed=speed)
    registered, existing = runtime.devices.register(
        [DeviceIn(**_spec_fields(spec)) for spec in sim.fleet], skip_existing=True
    )
    key = _demo_key(runtime)
    accounts, password = ensure_demo_accounts(runtime, settings.data_dir)
    base_url = f"http://{host}:{port}"
    _write_demo_file(
        settings.data_dir,
        {"base_url": base_url, "api_key": key, "accounts": accounts, "password": password},
    )
    console.print(f"[bold]CityOps 演示 demo[/bold]  {base_url}   API docs {base_url}/docs")
    console.print(f"admin API key: {key}")
    names = ", ".join(f"{a['username']} ({a['role']})" for a in accounts)
    console.print(f"demo accounts: {names}; password for all: {password}")
    console.print(
        f"{len(registered) + len(existing)} devices ({len(registered)} new), "
        f"scenario {sim.scenario.name!r} at speed {sim.speed}; "
        f"fleet sends over {'MQTT ' + mqtt if mqtt else 'HTTP'}; "
        f"details in {settings.data_dir / 'demo.json'}"
    )
    try:
        asyncio.run(_serve_and_simulate(runtime, sim, host, port, key, mqtt, duration))
    finally:
        runtime.stop()
    console.print("demo stopped")


def _prepare_runtime(settings: Settings) -> Runtime:
    runtime = Runtime(settings)
    upgrade(runtime.engine)
    import_district_file(runtime.engine, sample_district_path())  # idempotent
    runtime.rules.seed(demo_rules_path(), models=runtime.registry.models)  # only new ids
    runtime.start(migrate=False)
    return runtime


def _spec_fields(spec: object) -> dict[str, object]:
    fields = ("id", "model", "name", "lon", "lat", "owner_unit", "tags", "install_date")
    return {f: getattr(spec, f) for f in fields}


def _demo_key(runtime: Runtime) -> str:
    """A fresh admin key per demo run; keys of earlier runs are revoked."""
    for old in runtime.api_keys.list():
        if old.name == "demo" and old.revoked_at is None:
            runtime.api_keys.revoke(old.id)
    return runtime.api_keys.create("demo", Role.ADMIN)[1]


def ensure_demo_accounts(runtime: Runtime, data_dir: Path) -> tuple[list[dict[str, str]], str]:
    """The demo's people, created where absent, and their one shared password.

    The password is made once per data directory and kept in `demo.json`, so it stays the same
    across runs; accounts that exist already are left as they are (a changed password stays).
    """
    password = _demo_password(data_dir)
    for username, name, role, unit, grids in DEMO_ACCOUNTS:
        try:
            runtime.users.get(username)
        except NotFound:
            runtime.users.create(username, name, password, role, unit, grids, actor="demo")
    return [{"username": a[0], "role": a[2].value} for a in DEMO_ACCOUNTS], password


def _demo_password(data_dir: Path) -> str:
    try:
        kept = json.loads((data_dir / "demo.json").read_text()).get("password")
    except (OSError, ValueError, AttributeError):
        kept = None
    return kept if isinstance(kept, str) and kept else secrets.token_urlsafe(12)


def _write_demo_file(data_dir: Path, content: dict[str, Any]) -> None:
    """Secrets inside: readable by the owner only."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "demo.json"
    path.touch(mode=0o600)
    path.chmod(0o600)  # before the secrets go in, also when an older file was left readable
    path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n")


async def _serve_and_simulate(
    runtime: Runtime,
    sim: Simulator,
    host: str,
    port: int,
    key: str,
    mqtt: str | None,
    duration: float | None,
) -> None:
    config = uvicorn.Config(
        create_app(runtime, manage_runtime=False),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()  # raises why the server could not start (port taken, ...)
            return
        await asyncio.sleep(0.05)
    http = HttpTarget(f"http://{host}:{port}", key)
    # Cameras post detections (with images) over HTTP even when the fleet speaks MQTT.
    target: Target = MqttTarget(mqtt, detections=http) if mqtt else http
    simulating = asyncio.create_task(
        sim.run(target, duration_s=duration or FOREVER_S, progress=_Progress(runtime))
    )
    done, _ = await asyncio.wait({serving, simulating}, return_when=asyncio.FIRST_COMPLETED)
    if simulating in done:
        server.should_exit = True
        stats = simulating.result()
        console.print(f"fleet sent {stats.sent} readings, {stats.accepted} accepted")
    else:
        simulating.cancel()
    await asyncio.gather(serving, simulating, return_exceptions=True)
    await target.aclose()


_LEVELS = {0: "-", 1: "IV blue", 2: "III yellow", 3: "II orange", 4: "I red"}


class _Progress:
    """Prints one status line every 10 seconds."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._last = 0.0

    def __call__(self, stats: RunStats) -> None:
        now = asyncio.get_running_loop().time()
        if now - self._last < 10:
            return
        self._last = now
        counts = self._runtime.ingest.stats.snapshot()
        open_events = self._runtime.events.open_events()
        worst = max((e.severity.rank for e in open_events), default=0)
        console.print(
            f"scenario {stats.scenario_s / 60:5.1f} min | sent {stats.sent:,} | "
            f"stored {sum(counts['accepted'].values()):,} | "
            f"rejected {sum(counts['rejected'].values()):,} | "
            f"open events {len(open_events)} (worst level {_LEVELS[worst]})"
        )
