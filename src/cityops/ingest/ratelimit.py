"""Per-device token buckets, so that one device (broken or hostile) cannot flood the platform.

Each device has a bucket of up to `burst` tokens that refills at `per_s` tokens a second; every
valid reading takes one. A reading that finds the bucket empty is refused as `rate_limited` and
dead-lettered like any other rejection. Gateways and the simulator (API keys of role ingest or
admin) forward many devices and replay backlogs, so for them rate and burst are multiplied by
`privileged_multiplier`; the budget is still per device, never per key.

Only readings that passed validation take a token: an unknown device creates no bucket, and
a credential cannot spend another device's budget (it is refused as forbidden first).

Time is the ingest clock's, in epoch milliseconds, so tests drive it with a fake clock. MQTT
readings are judged by their own timestamps instead (`check_sent`): the broker may deliver
hours of a device's backlog in a second after an outage, spaced as the device sent it.

Memory stays bounded: a bucket left alone for burst/per_s seconds has refilled to full, which
is exactly the same as having no bucket, so a periodic sweep drops those. The map holds only
devices active in the last refill window (and only registered ones, see above).
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from cityops.auth.tokens import Principal, PrincipalKind, Role
from cityops.ingest.reasons import Code, Invalid

_PRIVILEGED = (Role.ADMIN, Role.INGEST)


class RateLimits(BaseSettings):
    """Read from the environment (``CITYOPS_RATE_LIMIT_PER_S`` …) like the other settings."""

    model_config = SettingsConfigDict(env_prefix="CITYOPS_RATE_LIMIT_", extra="ignore")

    enabled: bool = True
    per_s: float = Field(10.0, gt=0)
    """Sustained readings a second per device: 600 times the fastest shipped thing model (one a
    minute), which leaves room for alarms reported as they happen."""
    burst: float = Field(600.0, ge=1)
    """What a device may send at once: ten hours of backlog of a once-a-minute gauge."""
    privileged_multiplier: float = Field(10.0, ge=1)
    """Rate and burst for readings written with an ingest or admin API key."""
    sweep_s: float = Field(60.0, gt=0)
    """How often full (idle) buckets are dropped."""


class RateLimiter:
    """Safe to share between threads (`prepare` runs on the HTTP pool and the MQTT worker).

    There is no lock per reading: it would cost more than the whole check. Two threads writing
    the same device at the same instant may each spend a token the other already spent, so a
    budget is exact only up to a few readings, which is all a flood guard needs. The sweep
    works on a copy of the map, so it never trips over a bucket created meanwhile.
    """

    def __init__(self, limits: RateLimits | None = None) -> None:
        self.limits = limits if limits is not None else RateLimits()
        self._enabled = self.limits.enabled
        self._per_ms = self.limits.per_s / 1000
        self._burst = self.limits.burst
        self._full_after_ms = self._burst / self._per_ms
        self._sweep_ms = round(self.limits.sweep_s * 1000)
        self._next_sweep = 0
        self._buckets: dict[str, list[float]] = {}
        """device id → [tokens, last refill (epoch ms)]."""

    @property
    def tracked(self) -> int:
        """Devices with a bucket right now (the rest are full)."""
        return len(self._buckets)

    def scale_for(self, principal: Principal) -> float:
        """The multiplier of rate and burst for readings written with this credential."""
        if principal.kind is PrincipalKind.API_KEY and principal.role in _PRIVILEGED:
            return self.limits.privileged_multiplier
        return 1.0

    def check(self, device_id: str, now_ms: int, scale: float = 1.0) -> None:
        """Take one token for a reading of `device_id`, or raise `Invalid` (rate_limited).

        The hot path (every valid reading): kept to one dictionary look-up and a little
        arithmetic, inline."""
        if not self._enabled:
            return
        if now_ms >= self._next_sweep:
            self._sweep(now_ms)
        bucket = self._buckets.get(device_id)
        if bucket is None:
            self._buckets[device_id] = [self._burst * scale - 1.0, now_ms]
            return
        tokens = bucket[0]
        elapsed = now_ms - bucket[1]
        if elapsed:
            bucket[1] = now_ms  # also when the clock stepped back: never starve a device
            if elapsed > 0:
                cap = self._burst * scale
                tokens += elapsed * self._per_ms * scale
                tokens = cap if tokens > cap else tokens  # not min(): a call costs more here
        if tokens >= 1.0:
            bucket[0] = tokens - 1.0
            return
        bucket[0] = tokens
        rate, burst = self.limits.per_s * scale, self._burst * scale
        raise Invalid(
            Code.RATE_LIMITED,
            f"device {device_id!r} is over its budget of {rate:g} readings/s "
            f"(burst {burst:g}); send less often or retry later",
        )

    def check_sent(self, device_id: str, sent_ms: int, now_ms: int, scale: float = 1.0) -> None:
        """`check` on the device's own clock, for MQTT: the bucket refills by the readings'
        timestamps (never past now, never backwards), so a backlog the broker delivers at once
        after an outage passes at the pace it was sent, while made-up old timestamps refill
        nothing and a flood is refused as over HTTP."""
        at = sent_ms if sent_ms < now_ms else now_ms
        bucket = self._buckets.get(device_id)
        if bucket is not None and at < bucket[1]:
            at = int(bucket[1])
        self.check(device_id, at, scale)

    def take(self, device_id: str, now_ms: int, scale: float = 1.0) -> bool:
        """`check` as a yes or no."""
        try:
            self.check(device_id, now_ms, scale)
        except Invalid:
            return False
        return True

    def _sweep(self, now_ms: int) -> None:
        """Drop buckets idle long enough to be full again: the same as having none."""
        self._next_sweep = now_ms + self._sweep_ms
        cutoff = now_ms - self._full_after_ms
        for device, (_, last) in list(self._buckets.items()):
            if last <= cutoff:
                self._buckets.pop(device, None)
