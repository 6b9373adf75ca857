"""A per-store bucket of query-cost points (GraphQL), kept in step with the platform's reports."""

from __future__ import annotations

from platforms.adapter import RateLimitSettings
from platforms.ratelimit import LeakyBucket

# Until the first answer reports the store's bucket, assume the smallest plan Shopify has
# (1,000 points, restoring 100/s): a larger plan is adopted from that answer, never assumed.
STARTING_POINTS = RateLimitSettings(1000, 100)


class PointsBucket(LeakyBucket):
    """A leaky bucket measured in cost points instead of requests, fair per caller like
    `LeakyBucket`: each request reserves its requested cost before it is sent
    (`Request.cost`), gets back what it did not spend once the answer states its actual cost,
    and every answer's `throttleStatus` (maximum, currently available, restore rate) replaces
    our estimate whenever it shows less room than we think we have.

    Other apps and replicas spend the same store's points, so the platform's figure wins
    whenever it is the fuller one; our own in-flight reservations keep it from being too low.
    """

    def __init__(self, settings: RateLimitSettings = STARTING_POINTS) -> None:
        super().__init__(settings)
        # a points bucket needs no request of headroom: the platform reports its own level
        self.max_rate = float(settings.capacity)
        self.time_period = self.max_rate / settings.leak_per_second
        self._rate_per_sec = float(settings.leak_per_second)

    @property
    def restore_rate(self) -> float:
        """Points per second the bucket regains."""
        return float(self._rate_per_sec)

    async def acquire(self, amount: float = 1) -> None:
        """Reserve `amount` points (at most the whole bucket, or it would never fit)."""
        await super().acquire(min(float(amount), self.max_rate))

    def refund(self, points: float) -> None:
        """Give back points reserved but not spent (requested minus actual cost)."""
        if points <= 0:
            return
        self._leak()
        self._level = max(0.0, float(self._level) - points)
        self._grant()

    def adopt(self, maximum: float, available: float, restore_rate: float) -> None:
        """The platform's `throttleStatus`: its bucket size and restore rate become ours, and
        its level when it is fuller than our estimate."""
        self._leak()
        if maximum > 0:
            self.max_rate = float(maximum)
        if restore_rate > 0:
            self._rate_per_sec = float(restore_rate)
        self.time_period = self.max_rate / self._rate_per_sec
        self._level = min(self.max_rate, max(float(self._level), self.max_rate - available))
        self._grant()  # waiters' wake-up time moves with the level and the rate

    def observe(self, used: float, size: float | None = None) -> None:
        """Adopt a reported usage in points (`size`: the bucket's maximum)."""
        maximum = float(size) if size else self.max_rate
        self.adopt(maximum, maximum - used, self._rate_per_sec)

    def penalise(self, retry_after: float) -> None:
        """After a THROTTLED answer: no points left now. The retry itself waits
        `retry_after` in the transport, by which time the restore has paid for it; unlike a
        request bucket, stretching the wait here would count that time twice."""
        self._leak()
        self._level = max(float(self._level), self.max_rate)
        self._grant()
