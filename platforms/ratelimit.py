"""Client-side leaky bucket per store, corrected by what the platform reports."""

from __future__ import annotations

from aiolimiter import AsyncLimiter

from platforms.adapter import RateLimitSettings


class LeakyBucket(AsyncLimiter):
    """aiolimiter's first-come-first-served leaky bucket, plus resync from platform headers.

    Shopify counts our calls (and any other app's on the same store) in its own bucket and
    tells us `used/size` after every response; we adopt the higher of its view and ours so
    that a bucket shared with other clients or replicas never pushes us into 429s.
    """

    def __init__(self, settings: RateLimitSettings) -> None:
        capacity = _usable(settings.capacity)
        super().__init__(max_rate=capacity, time_period=capacity / settings.leak_per_second)
        self.settings = settings

    @property
    def level(self) -> float:
        """Current estimated fill of the bucket."""
        self._leak()
        return float(self._level)

    def observe(self, used: float, size: float | None = None) -> None:
        """Adopt the platform's reported usage (and bucket size, if it changed)."""
        self._leak()
        if size and _usable(size) != self.max_rate:
            # plan change (e.g. Plus stores have 400): keep the leak rate proportional.
            rate = self._rate_per_sec
            self.max_rate = _usable(size)
            self.time_period = self.max_rate / rate
        self._level = max(float(self._level), float(used))

    def penalise(self, retry_after: float) -> None:
        """After a 429, treat the bucket as full for `retry_after` seconds' worth of leak."""
        self._leak()
        self._level = max(float(self._level), self.max_rate - 1 + retry_after * self._rate_per_sec)


# Requests reach the platform a little after they leave our bucket, and not all equally late
# (a cold connection's handshake vs a warm keep-alive one), so a bucket run at exactly the
# platform's capacity overruns it by (latency jitter x leak rate). Keeping one request of
# headroom absorbs 1/leak_per_second of jitter (0.5 s on Shopify's standard plan).
HEADROOM = 1.0


def _usable(capacity: float) -> float:
    """The burst we allow ourselves out of the platform's `capacity`."""
    return max(1.0, capacity - HEADROOM) if capacity > 1 else capacity
