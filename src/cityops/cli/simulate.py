"""`cityops simulate`: drive a running CityOps server with the simulated fleet."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console

from cityops.simulate import HttpTarget, MqttTarget, blast, prepare_simulator, register_over_http
from cityops.simulate.targets import Target

console = Console()


def simulate(
    target: Annotated[str, typer.Option(help="server base URL, e.g. http://127.0.0.1:8000")],
    api_key: Annotated[str, typer.Option(envvar="CITYOPS_API_KEY", help="admin API key")],
    mqtt: Annotated[
        str | None, typer.Option(help="publish readings over this broker instead")
    ] = None,
    scale: Annotated[int, typer.Option(help="number of devices")] = 1000,
    seed: Annotated[int | None, typer.Option(help="random seed")] = None,
    scenario: Annotated[str, typer.Option(help="shipped scenario name or YAML path")] = "demo",
    speed: Annotated[float | None, typer.Option(help="scenario time per real second")] = None,
    duration: Annotated[float | None, typer.Option(help="seconds (default: the scenario)")] = None,
    rate: Annotated[
        float | None, typer.Option(help="load-generator mode: this many readings/s, no scenario")
    ] = None,
    register: Annotated[bool, typer.Option(help="register the fleet first")] = True,
) -> None:
    """Register the fleet over HTTP, then send its readings over HTTP or MQTT."""
    asyncio.run(
        _simulate(target, api_key, mqtt, scale, seed, scenario, speed, duration, rate, register)
    )


async def _simulate(
    base_url: str,
    api_key: str,
    mqtt: str | None,
    scale: int,
    seed: int | None,
    scenario: str,
    speed: float | None,
    duration: float | None,
    rate: float | None,
    register: bool,
) -> None:
    sim = prepare_simulator(scenario, scale=scale, seed=seed, speed=speed)
    if register:
        done = await register_over_http(base_url, api_key, sim.fleet)
        console.print(f"registered {len(done.tokens)} devices, {len(done.existing)} already there")
    http = HttpTarget(base_url, api_key)
    sink: Target = MqttTarget(mqtt, detections=http) if mqtt else http
    try:
        if rate is not None:
            report = await blast(sink, sim.fleet, rate, duration or 60)
            console.print(
                f"sent {report.sent:,} readings in {report.elapsed_s:.1f} s: "
                f"{report.readings_per_s:,.0f} readings/s ({report.accepted:,} accepted)"
            )
        else:
            stats = await sim.run(sink, duration_s=duration)
            console.print(f"sent {stats.sent:,} readings, {stats.accepted:,} accepted")
    finally:
        await sink.aclose()
