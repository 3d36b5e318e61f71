"""Per-device MQTT credentials: deploy/mosquitto/cityops-secure.conf, cityops.acl, add-device.sh.

A private Mosquitto runs the shipped production configuration on a free port, with a password
file made by the shipped script. Each device logs in as its device id and may publish only its
own telemetry; the platform's account reads every device's telemetry; nobody else gets in.
"""

from __future__ import annotations

import queue
import secrets
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from tests.durability.helpers import DEPLOY, Broker, mosquitto
from tests.services import missing

pytestmark = pytest.mark.mqtt

PLATFORM = "cityops-ingest"
SHARED = f"$share/{PLATFORM}/cityops/devices/+/telemetry"
DEVICES = ("UWL-UP-001", "UWL-UP-002", "UWL-UP-003")
WAIT_S = 5.0


def telemetry(device: str) -> str:
    return f"cityops/devices/{device}/telemetry"


def add_account(
    password_file: Path, username: str, password: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(DEPLOY / "add-device.sh"), username, str(password_file)],
        input=password,
        capture_output=True,
        text=True,
        check=False,
    )


@dataclass
class Accounts:
    """The broker's password file, made with add-device.sh, and the passwords in it."""

    password_file: Path
    passwords: dict[str, str]


@pytest.fixture(scope="module")
def accounts(tmp_path_factory: pytest.TempPathFactory) -> Accounts:
    if shutil.which("mosquitto_passwd") is None:
        missing("mosquitto_passwd (Mosquitto's password tool)", "not on PATH")
    password_file = tmp_path_factory.mktemp("passwd") / "cityops.passwd"
    passwords = {name: secrets.token_urlsafe(24) for name in (PLATFORM, *DEVICES)}
    for name, password in passwords.items():
        done = add_account(password_file, name, password)
        assert done.returncode == 0, done.stderr
    return Accounts(password_file, passwords)


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory, accounts: Accounts) -> Iterator[Broker]:
    """cityops-secure.conf as shipped, but for the port, the store and the password file."""
    put = {
        "password_file": f"password_file {accounts.password_file}",
        "acl_file": f"acl_file {DEPLOY / 'cityops.acl'}",
    }
    work = tmp_path_factory.mktemp("mosquitto")
    with mosquitto(work, DEPLOY / "cityops-secure.conf", put) as running:
        yield running


@dataclass
class Inbox:
    """What a session got from the broker, as it got it (the client's userdata; keeping it
    apart from the session leaves no reference cycle, so a closed client is freed at once)."""

    connack: queue.Queue[ReasonCode] = field(default_factory=queue.Queue)
    suback: queue.Queue[list[ReasonCode]] = field(default_factory=queue.Queue)
    puback: queue.Queue[tuple[int, ReasonCode]] = field(default_factory=queue.Queue)
    messages: queue.Queue[tuple[str, bytes]] = field(default_factory=queue.Queue)


def on_connect(client: mqtt.Client, inbox: Inbox, _f: object, rc: ReasonCode, _p: object) -> None:
    if rc.is_failure:
        client.disconnect()  # refused: stop, rather than retry
    inbox.connack.put(rc)


def on_subscribe(_c: mqtt.Client, inbox: Inbox, _m: int, rcs: list[ReasonCode], _p: object) -> None:
    inbox.suback.put(rcs)


def on_publish(_c: mqtt.Client, inbox: Inbox, mid: int, rc: ReasonCode, _p: object) -> None:
    inbox.puback.put((mid, rc))


def on_message(_c: mqtt.Client, inbox: Inbox, message: mqtt.MQTTMessage) -> None:
    inbox.messages.put((message.topic, bytes(message.payload)))


class Session:
    """One MQTT v5 client, logged in as `username` (or refused)."""

    def __init__(self, port: int, username: str | None, password: str | None) -> None:
        self.inbox = Inbox()
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=f"test-{username or 'anonymous'}-{secrets.token_hex(4)}",
            protocol=mqtt.MQTTv5,
            userdata=self.inbox,
        )
        if username is not None:
            self.client.username_pw_set(username, password)
        self.client.on_connect = on_connect
        self.client.on_subscribe = on_subscribe
        self.client.on_publish = on_publish
        self.client.on_message = on_message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.reason = self.inbox.connack.get(timeout=WAIT_S)

    def subscribe(self, topic: str) -> ReasonCode:
        self.client.subscribe(topic, qos=1)
        granted: ReasonCode = self.inbox.suback.get(timeout=WAIT_S)[0]
        return granted

    def publish(self, topic: str, payload: bytes) -> ReasonCode:
        """Publish at QoS 1; the broker's answer (its PUBACK reason)."""
        mid = self.client.publish(topic, payload, qos=1).mid
        while True:
            acked, reason = self.inbox.puback.get(timeout=WAIT_S)
            if acked == mid:
                return reason

    def next_message(self, seconds: float = WAIT_S) -> tuple[str, bytes] | None:
        try:
            return self.inbox.messages.get(timeout=seconds)
        except queue.Empty:
            return None

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


Login = Callable[[str | None, str | None], Session]
"""Open a session as (username, password); None, None is anonymous."""


@pytest.fixture
def login(broker: Broker) -> Iterator[Login]:
    opened: list[Session] = []

    def open_session(username: str | None, password: str | None) -> Session:
        opened.append(Session(broker.port, username, password))
        return opened[-1]

    yield open_session
    for session in opened:
        session.close()


@pytest.fixture
def device(login: Login, accounts: Accounts) -> Callable[[str], Session]:
    """A device logged in with its own credentials."""

    def as_device(name: str) -> Session:
        session = login(name, accounts.passwords[name])
        assert not session.reason.is_failure, session.reason
        return session

    return as_device


@pytest.fixture
def platform(login: Login, accounts: Accounts) -> Session:
    """The CityOps ingest account, subscribed the way CityOps subscribes (shared, QoS 1)."""
    session = login(PLATFORM, accounts.passwords[PLATFORM])
    assert not session.reason.is_failure, session.reason
    assert session.subscribe(SHARED).value == 1, "the platform may subscribe at QoS 1"
    return session


def test_a_device_publishes_its_own_telemetry_to_the_platform(
    device: Callable[[str], Session], platform: Session
) -> None:
    reading = b'{"ts": 1767225600000, "values": {"water_level_cm": 12.5}}'
    device("UWL-UP-001").publish(telemetry("UWL-UP-001"), reading)
    assert platform.next_message() == (telemetry("UWL-UP-001"), reading)


def test_a_device_cannot_publish_as_another_device(
    device: Callable[[str], Session], platform: Session
) -> None:
    forged = b'{"ts": 1767225600000, "values": {"water_level_cm": 999}}'
    refused = device("UWL-UP-001").publish(telemetry("UWL-UP-002"), forged)
    assert refused.getName() == "Not authorized"
    # the connection does not outlive the refusal: the device logs in again
    device("UWL-UP-001").publish(telemetry("UWL-UP-001"), b"after")
    assert platform.next_message() == (telemetry("UWL-UP-001"), b"after")
    assert platform.next_message(0.3) is None


def test_a_device_reads_no_telemetry_not_even_its_own(
    device: Callable[[str], Session], platform: Session
) -> None:
    nosy = device("UWL-UP-001")
    nosy.subscribe("cityops/devices/+/telemetry")
    device("UWL-UP-002").publish(telemetry("UWL-UP-002"), b"private")
    assert platform.next_message() == (telemetry("UWL-UP-002"), b"private")
    assert nosy.next_message(0.3) is None


def test_a_wrong_password_is_refused(login: Login) -> None:
    refused = login("UWL-UP-001", "not-the-password").reason
    assert refused.is_failure
    assert refused.getName() in ("Bad user name or password", "Not authorized")


def test_an_unknown_username_is_refused(login: Login, accounts: Accounts) -> None:
    assert login("UWL-UP-999", accounts.passwords["UWL-UP-001"]).reason.is_failure


def test_an_anonymous_client_is_refused(login: Login) -> None:
    refused = login(None, None).reason
    assert refused.is_failure
    assert refused.getName() == "Not authorized"


def test_a_rotated_password_replaces_the_old_one_after_a_reload(
    broker: Broker,
    accounts: Accounts,
    login: Login,
    device: Callable[[str], Session],
    platform: Session,
) -> None:
    old, new = accounts.passwords["UWL-UP-003"], secrets.token_urlsafe(24)
    assert add_account(accounts.password_file, "UWL-UP-003", new).returncode == 0
    broker.reload()
    accounts.passwords["UWL-UP-003"] = new
    assert login("UWL-UP-003", old).reason.is_failure
    device("UWL-UP-003").publish(telemetry("UWL-UP-003"), b"rotated")
    assert platform.next_message() == (telemetry("UWL-UP-003"), b"rotated")


@pytest.mark.parametrize("username", ["UWL/UP-001", "UWL-+", "UWL-#", "UWL:1", ""])
def test_add_device_refuses_a_name_that_would_widen_its_topic(
    tmp_path: Path, username: str
) -> None:
    done = add_account(tmp_path / "passwd", username, "secret")
    assert done.returncode == 2
    assert not (tmp_path / "passwd").exists()
