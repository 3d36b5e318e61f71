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
from pathlib import Path

import httpx
import msgspec
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from bench.server import free_port, register_gauges, running_server

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
    last = None
    for n in range(count):
        device = ids[(offset + n) % len(ids)]
        body = msgspec.json.encode({"ts": t0 - n, "values": {"water_level_cm": float(n % 40)}})
        last = client.publish(f"cityops/devices/{device}/telemetry", body, qos=1)
    if last is not None:
        last.wait_for_publish(600)
    client.disconnect()
    client.loop_stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--publishers", type=int, default=2)
    parser.add_argument("--devices", type=int, default=10_000)
    args = parser.parse_args()

    broker, port, work = start_broker()
    try:
        env = {
            "CITYOPS_MQTT_URL": f"mqtt://127.0.0.1:{port}",
            "CITYOPS_MQTT_CLIENT_ID": "bench-ingest",
        }
        with running_server(env) as server:
            ids = register_gauges(server, args.devices)
            headers = {"Authorization": f"Bearer {server.api_key}"}
            per = args.messages // args.publishers
            t0 = int(time.time() * 1000)
            begun = time.perf_counter()
            procs = [
                mp.Process(target=publisher, args=(port, ids, per, i * per, t0 - i * 10_000_000))
                for i in range(args.publishers)
            ]
            for p in procs:
                p.start()
            total = per * args.publishers
            stored = 0
            while stored < total and time.perf_counter() - begun < 600:
                time.sleep(0.2)
                stats = httpx.get(f"{server.base_url}/api/v1/stats/ingest", headers=headers).json()
                stored = stats["accepted"].get("mqtt", 0) + sum(stats["rejected"].values())
            elapsed = time.perf_counter() - begun
            for p in procs:
                p.join()
            stats = httpx.get(f"{server.base_url}/api/v1/stats/ingest", headers=headers).json()
    finally:
        broker.terminate()
        broker.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"MQTT ingest, QoS 1, one reading a message, "
        f"{args.publishers} publisher processes, {args.devices} devices"
    )
    print(
        f"  stored readings : {stats['accepted'].get('mqtt', 0):,} of {total:,} published; "
        f"rejected {stats['rejected']}"
    )
    print(f"  elapsed         : {elapsed:.1f} s (first publish to last commit)")
    print(f"  throughput      : {stored / elapsed:,.0f} readings/s")
    print(f"  acked by server : {stats['mqtt_acked']:,}; commits {stats['writer']['commits']:,}")


if __name__ == "__main__":
    main()
