"""A killed server loses nothing it acknowledged.

`cityops serve` runs as a real process, on SQLite and on PostgreSQL, under sustained load from
several client threads at once: gateways posting telemetry batches, and people working cases
through the whole workflow (report, file, dispatch, accept, report handled, verify). The server
is SIGKILLed mid-flight, restarted on the same store, loaded again, killed again and restarted.

After each restart, whatever a client was told had succeeded is there: every reading answered
200 is stored; every case transition answered 2xx is in the case's timeline, exactly once; and
every stored case (acknowledged or not) is the fold of its own trail.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import sqlalchemy as sa

from cityops.cases.model import Actor, Case, CaseState, Transition
from cityops.cases.reducer import replay
from cityops.district.loader import sample_district_path
from tests.durability.helpers import Server, cityops, create_api_keys, server_env

pytestmark = pytest.mark.slow

KILLS = 2
LOAD_S = 2.0
GATEWAYS = 2
GAUGES_PER_GATEWAY = 20
"""Enough that no gauge goes over its per-device rate budget (such readings are dead-lettered)."""
CASE_WORKERS = 3
BATCH = 50
T0 = int(time.time() * 1000) - 86_400_000
ROUND_SPAN_MS = 10_000_000
"""Each round's readings get timestamps of their own, so a round can only pass on its own."""

KEYS = {  # name → (role, unit)
    "admin": ("admin", None),  # registers the gauges
    "gateway": ("ingest", None),
    "dispatcher": ("dispatcher", None),
    "duty_chief": ("duty_chief", None),
    "handler": ("unit_handler", "dept-drainage"),
    "inspector": ("inspector", None),
}
PEOPLE = ("dispatcher", "duty_chief", "handler", "inspector")

NEXT_STEP: dict[str, tuple[str, str, dict[str, Any]]] = {
    # a case's state → the action that moves it on, who takes it, what they send
    "reported": ("file", "duty_chief", {}),
    "filed": ("dispatch", "dispatcher", {"unit": "dept-drainage"}),
    "dispatched": ("accept", "handler", {}),
    "handling": ("report_handled", "handler", {"note": "已疏通，积水排除"}),
    "handled": ("verify_pass", "inspector", {}),
}
NEW_CASE = {
    "class_code": "E1001",
    "severity": "blue",
    "title": "下穿通道积水",
    "source": "patrol",
    "lon": 120.30,
    "lat": 30.30,
}
CASE_FIELDS = tuple(f.name for f in msgspec.structs.fields(Case))


@dataclass
class Ledger:
    """What the server acknowledged, as its clients saw it; shared by every client thread."""

    readings: dict[str, set[int]] = field(default_factory=dict)  # device → ts
    transitions: dict[str, dict[int, str]] = field(default_factory=dict)  # case → seq → action
    states: dict[str, str] = field(default_factory=dict)  # case → last acknowledged state
    refusals: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def acked_readings(self, device: str, stamps: list[int]) -> None:
        with self._lock:
            self.readings.setdefault(device, set()).update(stamps)

    def acked_transition(self, case: dict[str, Any], action: str) -> None:
        with self._lock:
            self.transitions.setdefault(case["id"], {})[case["version"]] = action
            self.states[case["id"]] = case["state"]

    def refused(self, what: str, answer: httpx.Response) -> None:
        with self._lock:
            self.refusals.append(f"{what}: {answer.status_code} {answer.text[:200]}")

    def counts(self) -> tuple[int, int]:
        with self._lock:
            readings = sum(len(s) for s in self.readings.values())
            return readings, sum(len(t) for t in self.transitions.values())

    def unfinished(self) -> list[str]:
        """Cases the last acknowledged answer left short of closed: the next round finishes them."""
        return [case for case, state in self.states.items() if state in NEXT_STEP]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


# --- the clients ----------------------------------------------------------------------------


def gauges_of(gateway: int) -> list[str]:
    return [f"UWL-CRASH-{gateway}-{n:02d}" for n in range(GAUGES_PER_GATEWAY)]


def send_readings(
    base: str, key: str, gauges: list[str], first_ts: int, ledger: Ledger, stop: threading.Event
) -> None:
    """A gateway: batches of readings back to back, a gauge a batch, until stopped or the
    server dies."""
    ts = first_ts
    with httpx.Client(base_url=base, headers=bearer(key), timeout=10) as http:
        while not stop.is_set():
            device = gauges[ts // BATCH % len(gauges)]
            stamps = list(range(ts, ts + BATCH))
            batch = [
                {"device_id": device, "ts": t, "values": {"water_level_cm": 3.0}} for t in stamps
            ]
            try:
                answer = http.post("/api/v1/telemetry", json=batch)
            except httpx.HTTPError:
                return  # the server died mid-request: this batch was never acknowledged
            if answer.status_code == 503:
                continue  # back-pressure: nothing was stored, send the batch again
            if answer.status_code != 200 or answer.json()["rejected"]:
                ledger.refused("telemetry", answer)
            if answer.status_code == 200:
                rejected = {e["index"] for e in answer.json()["errors"]}
                ledger.acked_readings(
                    device, [t for i, t in enumerate(stamps) if i not in rejected]
                )
            ts += BATCH


def work_cases(
    base: str, keys: dict[str, str], resume: list[str], ledger: Ledger, stop: threading.Event
) -> None:
    """People at work: finish the cases a kill interrupted, then report and close new ones."""
    people = {p: httpx.Client(base_url=base, headers=bearer(keys[p]), timeout=10) for p in PEOPLE}
    pending = deque(resume)
    try:
        while not stop.is_set():
            case = look_up(people, pending.popleft(), ledger) if pending else report(people, ledger)
            if case is None or not carry_through(case, people, ledger, stop):
                return
    except httpx.HTTPError:
        return  # the server died mid-request: that request's outcome is unknown, and unrecorded
    finally:
        for client in people.values():
            client.close()


def look_up(people: dict[str, httpx.Client], case_id: str, ledger: Ledger) -> dict[str, Any] | None:
    """A case as stored: where a request whose answer never came left it."""
    answer = people["inspector"].get(f"/api/v1/cases/{case_id}")
    if not answer.is_success:
        ledger.refused("look up", answer)
        return None
    case: dict[str, Any] = answer.json()
    return case


def report(people: dict[str, httpx.Client], ledger: Ledger) -> dict[str, Any] | None:
    answer = people["inspector"].post("/api/v1/cases", json=NEW_CASE)
    if not answer.is_success:
        ledger.refused("create", answer)
        return None
    case: dict[str, Any] = answer.json()
    ledger.acked_transition(case, "create")
    return case


def carry_through(
    case: dict[str, Any], people: dict[str, httpx.Client], ledger: Ledger, stop: threading.Event
) -> bool:
    """Take the case to closed, one acknowledged transition at a time; False if one is refused."""
    while case["state"] in NEXT_STEP and not stop.is_set():
        action, who, body = NEXT_STEP[case["state"]]
        answer = people[who].post(
            f"/api/v1/cases/{case['id']}/actions",
            json={"action": action, "expected_version": case["version"], **body},
        )
        if not answer.is_success:
            ledger.refused(action, answer)
            return False
        case = answer.json()
        ledger.acked_transition(case, action)
    return True


@contextmanager
def load(
    base: str, keys: dict[str, str], ledger: Ledger, first_ts: int
) -> Iterator[Callable[[], None]]:
    """Every client thread at once; yields a function that stops them and waits."""
    stop = threading.Event()
    resume = ledger.unfinished()
    gateways = [
        threading.Thread(
            target=send_readings,
            args=(base, keys["gateway"], gauges_of(g), first_ts, ledger, stop),
        )
        for g in range(GATEWAYS)
    ]
    workers = [
        threading.Thread(
            target=work_cases, args=(base, keys, resume[w::CASE_WORKERS], ledger, stop)
        )
        for w in range(CASE_WORKERS)
    ]
    threads = gateways + workers
    for thread in threads:
        thread.start()

    def stop_all() -> None:
        stop.set()
        for thread in threads:
            thread.join(20)
        assert not any(t.is_alive() for t in threads), "a client thread hung"

    try:
        yield stop_all
    finally:
        stop_all()


# --- the checks -----------------------------------------------------------------------------


def assert_readings_stored(database_url: str, ledger: Ledger) -> None:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            for device, acked in ledger.readings.items():
                query = sa.text("SELECT ts FROM readings WHERE device_id = :d")
                stored = set(conn.execute(query, {"d": device}).scalars())
                lost = acked - stored
                assert not lost, f"{len(lost)} acknowledged readings of {device} lost"
    finally:
        engine.dispose()


def stored_case_ids(http: httpx.Client) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 500} | ({"cursor": cursor} if cursor else {})
        page = http.get("/api/v1/cases", params=params).raise_for_status().json()
        ids += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids


def transition_of(entry: dict[str, Any]) -> Transition:
    return Transition(
        seq=entry["seq"],
        ts=entry["ts"],
        action=entry["action"],
        from_state=CaseState(entry["from"]) if entry["from"] else None,
        to_state=CaseState(entry["to"]),
        actor=Actor(**entry["actor"]),
        note=entry["note"],
        data=entry["data"],
    )


def assert_case_is_its_trail(body: dict[str, Any], acked: dict[int, str]) -> None:
    """Acknowledged transitions are in the trail, once; the stored case is the trail's fold."""
    case_id = body["id"]
    trail = [transition_of(e) for e in body["timeline"]]
    assert [t.seq for t in trail] == list(range(1, len(trail) + 1)), f"{case_id}: gap or repeat"
    twice = [a for a, n in Counter(t.action for t in trail).items() if n > 1]
    assert not twice, f"{case_id}: {twice} present twice in a workflow that allows each once"
    in_trail = {t.seq: t.action for t in trail}
    lost = {seq: a for seq, a in acked.items() if in_trail.get(seq) != a}
    assert not lost, f"{case_id}: acknowledged transitions {lost} missing from {in_trail}"
    assert trail[-1].to_state == body["state"], f"{case_id}: state is not its last transition's"
    stored = msgspec.convert({name: body[name] for name in CASE_FIELDS}, Case)
    assert replay(trail) == stored, f"{case_id}: the stored case is not the fold of its trail"


def assert_cases_are_their_trails(base: str, keys: dict[str, str], ledger: Ledger) -> int:
    with httpx.Client(base_url=base, headers=bearer(keys["duty_chief"]), timeout=30) as http:
        stored = stored_case_ids(http)
        lost = set(ledger.transitions) - set(stored)
        assert not lost, f"{len(lost)} cases whose creation was acknowledged are gone"
        for case_id in stored:
            body = http.get(f"/api/v1/cases/{case_id}").raise_for_status().json()
            assert_case_is_its_trail(body, ledger.transitions.get(case_id, {}))
    return len(stored)


# --- the test -------------------------------------------------------------------------------


def register_gauges(base: str, admin_key: str) -> None:
    gauges = [
        {
            "id": gauge,
            "model": "underpass_water_level",
            "name": f"下穿通道水位计 {gauge}",
            "lon": 120.30,
            "lat": 30.30,
            "owner_unit": "dept-drainage",
        }
        for g in range(GATEWAYS)
        for gauge in gauges_of(g)
    ]
    httpx.post(f"{base}/api/v1/devices", json=gauges, headers=bearer(admin_key)).raise_for_status()


def test_a_killed_server_loses_no_acknowledged_reading_or_case_transition(
    tmp_path: Path, database_url: str
) -> None:
    env = server_env(tmp_path, database_url)
    cityops(env, "import", "district", str(sample_district_path()))
    keys = create_api_keys(env, KEYS)
    log = tmp_path / "server.log"
    server = Server(env, log)
    register_gauges(server.base_url, keys["admin"])
    ledger = Ledger()
    try:
        for kill in range(1, KILLS + 1):
            before = ledger.counts()
            with load(server.base_url, keys, ledger, T0 + kill * ROUND_SPAN_MS) as stop_clients:
                time.sleep(LOAD_S)
                server.kill()
                stop_clients()
            readings, transitions = (n - b for n, b in zip(ledger.counts(), before, strict=True))
            assert readings >= 1000, f"only {readings} readings acknowledged before kill {kill}"
            assert transitions >= 30, (
                f"only {transitions} transitions acknowledged before kill {kill}"
            )

            server = Server(env, log)
            assert_readings_stored(database_url, ledger)
            cases = assert_cases_are_their_trails(server.base_url, keys, ledger)
            total = ledger.counts()
            print(
                f"kill {kill} on {sa.make_url(database_url).get_backend_name()}: "
                f"{readings} readings and {transitions} transitions acknowledged in {LOAD_S} s; "
                f"after restart ({server.start_s:.2f} s to healthy) all {total[0]} readings, "
                f"{total[1]} transitions and {cases} cases check out"
            )
        assert not ledger.refusals, f"the server refused work under load: {ledger.refusals[:5]}"
    finally:
        server.stop()
