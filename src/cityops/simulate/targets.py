"""Where simulated readings go: the HTTP API, the MQTT broker, or a function in this process.

Every target has `async send(readings) -> SendResult` and `async aclose()`; the runner and the
load generator only know that protocol. A target that can also deliver camera AI detections
has `async send_detections(detections)` (`DetectionTarget`); to any other, detections are
counted as skipped. The HTTP pieces retry on 503 and on connection errors
with exponential back-off, because a simulator that gives up on the first overload would hide
exactly the behaviour a load test is for.
"""

from __future__ import annotations

import asyncio
import inspect
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypedDict, runtime_checkable

import httpx
import msgspec

from cityops.core.errors import CityOpsError, Forbidden, Overloaded, Unauthorized
from cityops.core.types import Rejection, Value
from cityops.simulate.fleet import DeviceSpec


class WireReading(TypedDict):
    """A reading as it travels over HTTP and MQTT."""

    device_id: str
    ts: int
    values: dict[str, Value]


class WireDetection(TypedDict):
    """A detection as a video-analytics vendor posts it to `/api/v1/detections`."""

    vendor: str
    camera_id: str
    label: str
    confidence: float
    bbox: list[float]
    ts: int
    image_base64: str


class TargetError(CityOpsError):
    """The target could not be reached, or answered in a way the simulator cannot handle."""


@dataclass(frozen=True)
class SendResult:
    accepted: int = 0
    rejected: int = 0
    errors: tuple[Rejection, ...] = ()
    """What the server said about rejected items; indexes refer to the list given to `send`."""
    skipped: int = 0
    """Items this target does not deliver (detections over MQTT)."""

    def __add__(self, other: SendResult) -> SendResult:
        return SendResult(
            self.accepted + other.accepted,
            self.rejected + other.rejected,
            self.errors + other.errors,
            self.skipped + other.skipped,
        )


class Target(Protocol):
    async def send(self, readings: list[WireReading]) -> SendResult: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class DetectionTarget(Protocol):
    async def send_detections(self, detections: list[WireDetection]) -> SendResult: ...


async def send_detections(target: object, detections: list[WireDetection]) -> SendResult:
    """Deliver detections if `target` can, else count them as skipped."""
    if isinstance(target, DetectionTarget):
        return await target.send_detections(detections)
    return SendResult(skipped=len(detections))


Sink = Callable[[list[WireReading]], Awaitable[SendResult | None] | SendResult | None]
DetectionSink = Callable[[list[WireDetection]], Awaitable[SendResult | None] | SendResult | None]


class CallbackTarget:
    """Hands readings (and detections, given `on_detections`) to functions, sync or async, in
    this process; a function answering None accepted everything. Without `on_detections`
    detections are skipped."""

    def __init__(self, fn: Sink, on_detections: DetectionSink | None = None) -> None:
        self._fn = fn
        self._on_detections = on_detections

    async def send(self, readings: list[WireReading]) -> SendResult:
        return await _call(self._fn, readings)

    async def send_detections(self, detections: list[WireDetection]) -> SendResult:
        if self._on_detections is None:
            return SendResult(skipped=len(detections))
        return await _call(self._on_detections, detections)

    async def aclose(self) -> None:
        return None


async def _call(fn: Callable[[Any], Any], items: list[Any]) -> SendResult:
    result = fn(items)
    if inspect.isawaitable(result):
        result = await result
    return result if isinstance(result, SendResult) else SendResult(accepted=len(items))


@dataclass
class Backoff:
    retries: int = 6
    base_s: float = 0.25
    max_s: float = 10.0
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)

    async def wait(self, attempt: int, retry_after: str | None) -> None:
        delay = min(self.base_s * 2**attempt, self.max_s) * random.uniform(0.5, 1.5)
        if retry_after and retry_after.isdigit():
            delay = max(delay, min(float(retry_after), self.max_s))
        await self.sleep(delay)


async def post_with_retry(
    client: httpx.AsyncClient, path: str, body: bytes, content_type: str, backoff: Backoff
) -> httpx.Response:
    """POST, retrying 503 and connection failures; raise on 401/403 and when retries run out."""
    for attempt in range(backoff.retries + 1):
        last = attempt == backoff.retries
        try:
            response = await client.post(path, content=body, headers={"content-type": content_type})
        except httpx.TransportError as exc:
            if last:
                raise TargetError(f"POST {path}: {type(exc).__name__}: {exc}") from exc
            await backoff.wait(attempt, None)
            continue
        if response.status_code == 401:
            raise Unauthorized(f"POST {path}: 401 {response.text[:200]}")
        if response.status_code == 403:
            raise Forbidden(f"POST {path}: 403 {response.text[:200]}")
        if response.status_code != 503:
            return response
        if last:
            raise Overloaded(f"POST {path}: still 503 after {backoff.retries} retries")
        await backoff.wait(attempt, response.headers.get("retry-after"))
    raise AssertionError("unreachable")  # pragma: no cover


def _client(
    base_url: str, api_key: str, transport: httpx.AsyncBaseTransport | None
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        headers={"authorization": f"Bearer {api_key}"},
        transport=transport,
        timeout=httpx.Timeout(30.0),
    )


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


class HttpTarget:
    """POSTs readings to `{base_url}/api/v1/telemetry` in batches of `batch_size`.

    A batch answered 413 is split in half and sent again; a single reading that is still too
    big counts as rejected.
    """

    path = "/api/v1/telemetry"
    detections_path = "/api/v1/detections"

    def __init__(
        self,
        base_url: str,
        api_key: str,
        batch_size: int = 1000,
        ndjson: bool = False,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self._client = _client(base_url, api_key, transport)
        self._batch_size = batch_size
        self._ndjson = ndjson
        self._backoff = backoff or Backoff()
        self._encoder = msgspec.json.Encoder()

    async def send(self, readings: list[WireReading]) -> SendResult:
        total = SendResult()
        for offset in range(0, len(readings), self._batch_size):
            batch = readings[offset : offset + self._batch_size]
            total += await self._send_batch(batch, offset)
        return total

    async def _send_batch(self, batch: list[WireReading], offset: int) -> SendResult:
        if self._ndjson:
            body = b"\n".join(self._encoder.encode(r) for r in batch) + b"\n"
            content_type = "application/x-ndjson"
        else:
            body, content_type = self._encoder.encode(batch), "application/json"
        response = await post_with_retry(self._client, self.path, body, content_type, self._backoff)
        if response.status_code == 413:
            if len(batch) == 1:
                return SendResult(rejected=1, errors=(Rejection(offset, "413 too large"),))
            half = len(batch) // 2
            first = await self._send_batch(batch[:half], offset)
            return first + await self._send_batch(batch[half:], offset + half)
        # 400 is the answer when every item was rejected; it still lists the reasons.
        answer = _json(response)
        if response.status_code not in (200, 400) or "accepted" not in answer:
            raise TargetError(f"POST {self.path}: {response.status_code} {response.text[:200]}")
        errors = tuple(
            Rejection(offset + int(e["index"]), str(e["reason"])) for e in answer.get("errors", ())
        )
        return SendResult(int(answer["accepted"]), int(answer["rejected"]), errors)

    async def send_detections(self, detections: list[WireDetection]) -> SendResult:
        """POST each detection as JSON; 200/201 count as accepted, other 4xx as rejected."""
        total = SendResult()
        for index, detection in enumerate(detections):
            body = self._encoder.encode(detection)
            response = await post_with_retry(
                self._client, self.detections_path, body, "application/json", self._backoff
            )
            if response.status_code in (200, 201):
                total += SendResult(accepted=1)
            elif 400 <= response.status_code < 500:
                reason = str(_json(response).get("detail") or response.text[:200])
                total += SendResult(rejected=1, errors=(Rejection(index, reason),))
            else:
                raise TargetError(
                    f"POST {self.detections_path}: {response.status_code} {response.text[:200]}"
                )
        return total

    async def aclose(self) -> None:
        await self._client.aclose()


@dataclass(frozen=True)
class Registration:
    tokens: dict[str, str]
    """Device id -> its token, for the devices created now."""
    grid_codes: dict[str, str | None]
    existing: list[str]


async def register_over_http(
    base_url: str,
    api_key: str,
    specs: Sequence[DeviceSpec],
    *,
    chunk_size: int = 1000,
    transport: httpx.AsyncBaseTransport | None = None,
    backoff: Backoff | None = None,
) -> Registration:
    """Register the fleet via `POST /api/v1/devices?skip_existing=true`, `chunk_size` at a time."""
    path = "/api/v1/devices?skip_existing=true"
    result = Registration({}, {}, [])
    async with _client(base_url, api_key, transport) as client:
        for offset in range(0, len(specs), chunk_size):
            body = msgspec.json.encode(specs[offset : offset + chunk_size])
            response = await post_with_retry(
                client, path, body, "application/json", backoff or Backoff()
            )
            if response.status_code not in (200, 201):
                raise TargetError(f"POST {path}: {response.status_code} {response.text[:200]}")
            answer = response.json()
            for device in answer.get("devices", ()):
                result.tokens[device["id"]] = device.get("token", "")
                result.grid_codes[device["id"]] = device.get("grid_code")
            result.existing.extend(answer.get("existing", ()))
    return result
