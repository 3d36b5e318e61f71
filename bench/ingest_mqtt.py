"""Sustained MQTT ingest (validate + store + PUBACK after commit) through a real Mosquitto.

Starts a private Mosquitto with deploy/mosquitto/cityops.conf (nothing dropped), a real
`cityops serve` subscribed to it, and publisher processes that send QoS 1 readings as devices
do (one reading a message), then waits until every reading is stored and prints readings/s.

    .venv/bin/python bench/ingest_mqtt.py --messages 200000 --publishers 2
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import shutil
import subprocess
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Any

import httpx
import msgspec
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from bench.server import Server, free_port, register_gauges, running_server

WINDOW = 20_000
CONF = Path(__file__).resolve().parent.parent / "deploy" / "mosquitto" / "cityops.conf"


def start_broker() -> tuple[subprocess.Popen[bytes], int, Path]:
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="cityops-mosq-"))
    conf = CONF.read_text().replace("listener 1883", f"listener {port}")
    conf = conf.replace("persistence_location /var/lib/mosquitto/", f"persistence_location {work}/")
    (work / "mosquitto.conf").write_text(conf)
    proc = subprocess.Popen(
        ["mosquitto", "-c", str(work / "mosquitto.conf")], stderr=subprocess.DEVNULL
    )
    time.sleep(0.5)
    return proc, port, work


def publisher(port: int, ids: list[str], count: int, offset: int, t0: int) -> None:
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{offset}"
    )
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    window: deque[mqtt.MQTTMessageInfo] = deque()
    for n in range(count):
        device = ids[(offset + n) % len(ids)]
        body = msgspec.json.encode({"ts": t0 - n, "values": {"water_level_cm": float(n % 40)}})
        window.append(client.publish(f"cityops/devices/{device}/telemetry", body, qos=1))
        if len(window) > WINDOW:  # message ids are 16-bit: keep fewer than 65535 outstanding
            window.popleft().wait_for_publish(600)
    for info in window:
        info.wait_for_publish(600)
    client.disconnect()
    client.loop_stop()


def publish_all(port: int, ids: list[str], total: int, publishers: int, t0: int) -> None:
    per = total // publishers
    procs = [
        mp.Process(target=publisher, args=(port, ids, per, i * per, t0 - i * 10_000_000))
        for i in range(publishers)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join()


def wait_stored(server: Server, total: int, begun: float) -> tuple[float, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {server.api_key}"}
    while True:
        stats: dict[str, Any] = httpx.get(
            f"{server.base_url}/api/v1/stats/ingest", headers=headers
        ).json()
        done = stats["accepted"].get("mqtt", 0) + sum(stats["rejected"].values())
        if done >= total or time.perf_counter() - begun > 600:
            return time.perf_counter() - begun, stats
        time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--publishers", type=int, default=2)
    parser.add_argument("--devices", type=int, default=10_000)
    args = parser.parse_args()
    total = args.messages // args.publishers * args.publishers

    broker, port, work = start_broker()
    data_dir = Path(tempfile.mkdtemp(prefix="cityops-bench-"))
    env = {"CITYOPS_MQTT_URL": f"mqtt://127.0.0.1:{port}", "CITYOPS_MQTT_CLIENT_ID": "bench"}
    try:
        with running_server(env, data_dir) as server:
            ids = register_gauges(server, args.devices)
            begun = time.perf_counter()
            publish_all(port, ids, total, args.publishers, int(time.time() * 1000))
            live_s, live = wait_stored(server, total, begun)
        # Phase 2: the server is down; the broker queues for its persistent session.
        publish_all(port, ids, total, args.publishers, int(time.time() * 1000) - 3_600_000)
        with running_server(env, data_dir) as server:
            begun = time.perf_counter()
            drain_s, drain = wait_stored(server, total, begun)
    finally:
        broker.terminate()
        broker.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"MQTT ingest, QoS 1, one reading a message, {args.devices} devices, "
        f"{args.publishers} publisher processes"
    )
    print(
        f"  live  : {live['accepted'].get('mqtt', 0):,} of {total:,} stored in {live_s:.1f} s = "
        f"{total / live_s:,.0f} readings/s (bound by the Python publishers on the same cores)"
    )
    print(
        f"  drain : {drain['accepted'].get('mqtt', 0):,} of {total:,} queued at the broker "
        f"stored in {drain_s:.1f} s = {total / drain_s:,.0f} readings/s "
        f"({drain['writer']['commits']:,} commits; acked {drain['mqtt_acked']:,})"
    )


if __name__ == "__main__":
    main()
